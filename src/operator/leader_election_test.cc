// Unit tests of the leader election's decision logic (pure functions, driven with chosen times)
// and of the elector's lifecycle and error reporting against an address where nothing listens.
// Elections against the real API server are in integration/leader_election_integration_test.cc.
#include "operator/leader_election.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "k8s/resources.h"

namespace podpilot::op {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;
using ::testing::HasSubstr;

LeaderElectionOptions Opts(const std::string& identity = "a") {
  LeaderElectionOptions o;
  o.identity = identity;
  o.lease_namespace = "podpilot-system";
  o.lease_name = "podpilot";
  return o;  // client-go's defaults: 15 s / 10 s / 2 s
}

// A Lease as the API server returns it.
json LeaseHeldBy(const std::string& holder, int duration_s, int transitions, const std::string& renew,
                 const std::string& rv = "42") {
  return {{"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata", {{"name", "podpilot"}, {"namespace", "podpilot-system"}, {"resourceVersion", rv}}},
          {"spec",
           {{"holderIdentity", holder},
            {"leaseDurationSeconds", duration_s},
            {"acquireTime", "2026-12-06T00:00:00.000000Z"},
            {"renewTime", renew},
            {"leaseTransitions", transitions}}}};
}

const steady_clock::time_point kT0 = steady_clock::time_point{} + std::chrono::hours(100);
const system_clock::time_point kWall = system_clock::time_point{} + seconds(1'796'515'200);  // 2026-12-06

TEST(ValidateOptionsTest, DefaultsAndTestTimingsAreValid) {
  EXPECT_TRUE(ValidateOptions(Opts()).ok());
  LeaderElectionOptions o = Opts();
  o.lease_duration = seconds(4);
  o.renew_deadline = seconds(3);
  o.retry_period = milliseconds(500);
  EXPECT_TRUE(ValidateOptions(o).ok()) << ValidateOptions(o).ToString();
}

TEST(ValidateOptionsTest, RejectsEachBadFieldByName) {
  struct Case {
    std::function<void(LeaderElectionOptions&)> edit;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {[](auto& o) { o.identity = ""; }, "identity: must not be empty"},
      {[](auto& o) { o.lease_namespace = ""; }, "lease_namespace: must not be empty"},
      {[](auto& o) { o.lease_name = ""; }, "lease_name: must not be empty"},
      {[](auto& o) { o.lease_duration = seconds(0); }, "lease_duration: must be > 0"},
      {[](auto& o) { o.lease_duration = milliseconds(15'500); }, "lease_duration: must be a whole number of seconds"},
      {[](auto& o) { o.renew_deadline = milliseconds(-1); }, "renew_deadline: must be > 0"},
      {[](auto& o) { o.retry_period = milliseconds(0); }, "retry_period: must be > 0"},
      {[](auto& o) { o.renew_deadline = seconds(15); }, "lease_duration (15.000000s) must be greater than renew_deadline"},
      // 1.2 * 2 s = 2.4 s: equal is not enough (client-go's rule is strict too).
      {[](auto& o) { o.renew_deadline = milliseconds(2'400); }, "renew_deadline (2.400000s) must be greater than retry_period * 1.2"},
  };
  for (const auto& c : cases) {
    LeaderElectionOptions o = Opts();
    c.edit(o);
    const Status s = ValidateOptions(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.expect;
    EXPECT_THAT(s.message(), HasSubstr(c.expect));
  }
  LeaderElectionOptions ok = Opts();
  ok.renew_deadline = milliseconds(2'401);
  EXPECT_TRUE(ValidateOptions(ok).ok());
}

TEST(PlanTest, CreatesAMissingLease) {
  LeaseObservation obs;
  const Plan p = PlanAcquireOrRenew(json(), obs, kT0, kWall, Opts("a"));
  EXPECT_EQ(p.action, Action::kCreate);
  EXPECT_EQ(p.holder, "a");
  EXPECT_EQ(p.lease["metadata"]["name"], "podpilot");
  EXPECT_EQ(p.lease["metadata"]["namespace"], "podpilot-system");
  EXPECT_EQ(p.lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(p.lease["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(p.lease["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(p.lease["spec"]["acquireTime"], k8s::FormatMicroTime(kWall));
  EXPECT_EQ(p.lease["spec"]["renewTime"], k8s::FormatMicroTime(kWall));
}

TEST(PlanTest, BlockedUntilObservedTimePlusTheRecordsDurationThenTakesOver) {
  const json lease = LeaseHeldBy("b", 15, 3, "2026-12-06T00:00:01.000000Z");
  LeaseObservation obs;
  ASSERT_TRUE(Observe(&obs, lease, kT0));
  Plan p = PlanAcquireOrRenew(lease, obs, kT0 + milliseconds(14'900), kWall, Opts("a"));
  EXPECT_EQ(p.action, Action::kBlocked);
  EXPECT_EQ(p.holder, "b");
  EXPECT_TRUE(p.lease.is_null());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(p.expires_in), milliseconds(100));

  p = PlanAcquireOrRenew(lease, obs, kT0 + seconds(15), kWall, Opts("a"));
  EXPECT_EQ(p.action, Action::kAcquire);
  EXPECT_EQ(p.holder, "a");
  EXPECT_EQ(p.lease["metadata"]["resourceVersion"], "42");  // conditional on what was read
  EXPECT_EQ(p.lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(p.lease["spec"]["leaseTransitions"], 4);
  EXPECT_EQ(p.lease["spec"]["acquireTime"], k8s::FormatMicroTime(kWall));
  EXPECT_EQ(p.lease["spec"]["renewTime"], k8s::FormatMicroTime(kWall));
  EXPECT_EQ(p.lease["spec"]["leaseDurationSeconds"], 15);
}

TEST(PlanTest, ExpiryUsesLocalObservationTimeNotTheRemoteRenewTime) {
  // The holder's clock is an hour behind (or the record is old by its own clock): irrelevant, we
  // saw the record change only now.
  const json lease = LeaseHeldBy("b", 15, 0, "2026-12-05T23:00:00.000000Z");
  LeaseObservation obs;
  Observe(&obs, lease, kT0);
  EXPECT_EQ(PlanAcquireOrRenew(lease, obs, kT0 + seconds(1), kWall + std::chrono::hours(5), Opts("a")).action,
            Action::kBlocked);
}

TEST(PlanTest, UsesTheDurationTheHolderWroteNotOurs) {
  const json lease = LeaseHeldBy("b", 60, 0, "2026-12-06T00:00:01.000000Z");
  LeaseObservation obs;
  Observe(&obs, lease, kT0);
  // Our own lease_duration is 15 s, but b asked for 60.
  EXPECT_EQ(PlanAcquireOrRenew(lease, obs, kT0 + seconds(20), kWall, Opts("a")).action, Action::kBlocked);
  EXPECT_EQ(PlanAcquireOrRenew(lease, obs, kT0 + seconds(60), kWall, Opts("a")).action, Action::kAcquire);
}

TEST(PlanTest, AHolderThatKeepsRenewingKeepsUsBlocked) {
  LeaseObservation obs;
  json lease = LeaseHeldBy("b", 15, 0, "2026-12-06T00:00:01.000000Z", "1");
  Observe(&obs, lease, kT0);
  // Re-reading the same record does not move the observation time.
  EXPECT_FALSE(Observe(&obs, lease, kT0 + seconds(10)));
  EXPECT_EQ(obs.time, kT0);
  // b renews (renewTime changes) at +10 s: the clock restarts from there.
  lease["spec"]["renewTime"] = "2026-12-06T00:00:11.000000Z";
  lease["metadata"]["resourceVersion"] = "2";
  EXPECT_TRUE(Observe(&obs, lease, kT0 + seconds(10)));
  EXPECT_EQ(PlanAcquireOrRenew(lease, obs, kT0 + seconds(20), kWall, Opts("a")).action, Action::kBlocked);
  EXPECT_EQ(PlanAcquireOrRenew(lease, obs, kT0 + seconds(25), kWall, Opts("a")).action, Action::kAcquire);
}

TEST(PlanTest, ReleasedLeaseIsTakenAtOnce) {
  const json held = LeaseHeldBy("b", 15, 2, "2026-12-06T00:00:01.000000Z", "7");
  const json released = PlanRelease(held, kWall);
  EXPECT_EQ(released["spec"]["holderIdentity"], "");
  EXPECT_EQ(released["spec"]["leaseDurationSeconds"], 1);
  EXPECT_EQ(released["spec"]["leaseTransitions"], 2);
  EXPECT_EQ(released["spec"]["renewTime"], k8s::FormatMicroTime(kWall));
  EXPECT_EQ(released["spec"]["acquireTime"], k8s::FormatMicroTime(kWall));
  EXPECT_EQ(released["metadata"]["resourceVersion"], "7");  // released only if still ours

  LeaseObservation obs;
  Observe(&obs, released, kT0);
  const Plan p = PlanAcquireOrRenew(released, obs, kT0, kWall, Opts("a"));  // not expired, but no holder
  EXPECT_EQ(p.action, Action::kAcquire);
  EXPECT_EQ(p.lease["spec"]["leaseTransitions"], 3);
  EXPECT_EQ(p.lease["spec"]["leaseDurationSeconds"], 15);
}

TEST(PlanTest, RenewKeepsAcquireTimeAndTransitions) {
  const json lease = LeaseHeldBy("a", 15, 5, "2026-12-06T00:00:01.000000Z");
  LeaseObservation obs;
  Observe(&obs, lease, kT0);
  // Even past its expiry a record naming us is ours to renew (a restart with the same identity).
  for (auto at : {kT0 + seconds(1), kT0 + seconds(100)}) {
    const Plan p = PlanAcquireOrRenew(lease, obs, at, kWall, Opts("a"));
    EXPECT_EQ(p.action, Action::kRenew);
    EXPECT_EQ(p.lease["spec"]["acquireTime"], "2026-12-06T00:00:00.000000Z");
    EXPECT_EQ(p.lease["spec"]["leaseTransitions"], 5);
    EXPECT_EQ(p.lease["spec"]["renewTime"], k8s::FormatMicroTime(kWall));
  }
}

TEST(PlanTest, ToleratesOmittedFields) {
  // A Lease created by kubectl with an empty spec: no holder, no duration, no transitions.
  const json bare = {{"metadata", {{"name", "podpilot"}, {"resourceVersion", "3"}}}};
  LeaseObservation obs;
  Observe(&obs, bare, kT0);
  const Plan p = PlanAcquireOrRenew(bare, obs, kT0, kWall, Opts("a"));
  EXPECT_EQ(p.action, Action::kAcquire);
  EXPECT_EQ(p.lease["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(p.lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(p.lease["metadata"]["resourceVersion"], "3");
}

// Time that passes only when the elector sleeps (plus a real millisecond, so the loop does not
// spin the CPU).
class FakeClock final : public Clock {
 public:
  steady_clock::time_point Now() const override { return kT0 + std::chrono::nanoseconds(offset_.load()); }
  system_clock::time_point SystemNow() const override { return kWall + std::chrono::nanoseconds(offset_.load()); }
  void SleepFor(std::chrono::nanoseconds d, std::stop_token stop) const override {
    if (stop.stop_requested()) return;
    offset_ += d.count();
    std::this_thread::sleep_for(milliseconds(1));
  }
  std::chrono::nanoseconds elapsed() const { return std::chrono::nanoseconds(offset_.load()); }

 private:
  mutable std::atomic<int64_t> offset_{0};
};

k8s::KubeClient Unreachable() {
  k8s::KubeConfig cfg;
  cfg.server = "https://127.0.0.1:1";  // nothing listens on port 1: connection refused
  cfg.origin = "leader_election_test";
  auto c = k8s::KubeClient::Create(cfg);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

TEST(LeaderElectorTest, CreateValidates) {
  LeaderElectionOptions o = Opts("");
  auto e = LeaderElector::Create(Unreachable(), o, {});
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(e.status().message(), HasSubstr("identity"));
}

TEST(LeaderElectorTest, UnreachableServerNeverLeadsAndReportsTheError) {
  auto clock = std::make_shared<FakeClock>();
  LeaderElectionOptions o = Opts("a");
  o.clock = clock;
  std::atomic<int> started{0}, stopped{0}, new_leader{0};
  auto e = LeaderElector::Create(Unreachable(), o,
                                 {[&] { ++started; }, [&] { ++stopped; }, [&](const std::string&) { ++new_leader; }});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  LeaderElector& el = **e;
  EXPECT_TRUE(el.LastError().ok());
  el.Stop();  // before Start: nothing to stop
  el.Start();
  el.Start();  // idempotent
  // Several rounds of fake time (each sleep is RetryPeriod * [1, 2.2)).
  for (int i = 0; i < 5000 && clock->elapsed() < seconds(30); ++i) std::this_thread::sleep_for(milliseconds(2));
  EXPECT_GE(clock->elapsed(), seconds(30)) << "the candidate loop should keep retrying";
  const Status err = el.LastError();
  EXPECT_EQ(err.code(), StatusCode::kUnavailable) << err.ToString();
  EXPECT_THAT(err.message(), HasSubstr("127.0.0.1:1"));
  EXPECT_FALSE(el.IsLeader());
  EXPECT_EQ(el.CurrentHolder(), "");
  EXPECT_FALSE(el.LastRenewTime().has_value());
  el.Stop();
  el.Stop();
  EXPECT_EQ(started.load(), 0);
  EXPECT_EQ(stopped.load(), 0);
  EXPECT_EQ(new_leader.load(), 0);
}

TEST(LeaderElectorTest, StopInterruptsARealSleepPromptly) {
  LeaderElectionOptions o = Opts("a");
  o.lease_duration = seconds(600);
  o.renew_deadline = seconds(500);
  o.retry_period = seconds(300);  // the candidate sleeps 300-660 s after its first failure
  auto e = LeaderElector::Create(Unreachable(), o, {});
  ASSERT_TRUE(e.ok());
  (*e)->Start();
  for (int i = 0; i < 500 && (*e)->LastError().ok(); ++i) std::this_thread::sleep_for(milliseconds(10));
  ASSERT_FALSE((*e)->LastError().ok());
  const auto t0 = steady_clock::now();
  (*e)->Stop();
  // Ordering, not timing: the stop must not have waited out the 300 s sleep.
  EXPECT_LT(steady_clock::now() - t0, seconds(300));
}

}  // namespace
}  // namespace podpilot::op
