// Leader election against the real kube-apiserver of scripts/testenv (a control plane of its own
// in a fresh temporary --dir, or the one named by PODPILOT_TESTENV_ENV). Two electors compete for
// one Lease with short timings (LeaseDuration 4 s, RenewDeadline 3 s, RetryPeriod 0.5 s), as the
// operator's restricted ServiceAccount, whose Role allows Leases only in podpilot-system.
//
// Timing assertions are orderings and lower bounds derived from the protocol (a takeover after a
// crash cannot come earlier than LeaseDuration after the crashed leader's last renewal, all on one
// steady clock); upper bounds are only "it happens eventually" (60 s), except that a released
// lease must be taken faster than it could have expired, which is the point of releasing.
//
// Cleanup: each test's Lease is deleted (as admin) in TearDown; the fixture deletes its namespace
// and brings down the environment it started.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "k8s/integration/testenv_fixture.h"
#include "operator/leader_election.h"

namespace podpilot::op {
namespace {

using k8s::KubeClient;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using ::testing::HasSubstr;

constexpr auto kLeaseDuration = seconds(4);
constexpr auto kRenewDeadline = seconds(3);
constexpr auto kRetryPeriod = milliseconds(500);
constexpr auto kEventually = seconds(60);

double Secs(steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

template <typename P>
bool WaitUntil(P pred, steady_clock::duration timeout = kEventually) {
  const auto deadline = steady_clock::now() + timeout;
  while (!pred()) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// One replica: its elector and what its callbacks saw.
struct Candidate {
  std::string id;
  std::atomic<int> started{0}, stopped{0};
  std::mutex mu;
  std::vector<std::string> new_leaders;          // guarded by mu
  std::optional<steady_clock::time_point> started_at;  // guarded by mu
  std::unique_ptr<LeaderElector> elector;

  std::optional<steady_clock::time_point> StartedAt() {
    std::lock_guard<std::mutex> lock(mu);
    return started_at;
  }
  std::vector<std::string> NewLeaders() {
    std::lock_guard<std::mutex> lock(mu);
    return new_leaders;
  }
};

class LeaderElectionIT : public k8s::testing::K8sIntegrationTest {
 protected:
  void TearDown() override {
    for (auto& c : candidates_) c->elector.reset();  // stops (and releases) before the Lease goes
    if (admin_ != nullptr) {
      for (const auto& [ns, name] : leases_) (void)admin_->Delete(k8s::Leases().Path(ns, name));
    }
  }

  std::string NewLease(const std::string& ns, const std::string& suffix) {
    const std::string name = "leader-it-" + std::to_string(::getpid()) + "-" + suffix;
    leases_.emplace_back(ns, name);
    return name;
  }

  Candidate& Add(const KubeClient& client, const std::string& id, const std::string& ns, const std::string& lease) {
    auto c = std::make_unique<Candidate>();
    c->id = id;
    LeaderElectionOptions o;
    o.identity = id;
    o.lease_namespace = ns;
    o.lease_name = lease;
    o.lease_duration = kLeaseDuration;
    o.renew_deadline = kRenewDeadline;
    o.retry_period = kRetryPeriod;
    Candidate* p = c.get();
    auto e = LeaderElector::Create(client, o,
                                   {.on_started_leading =
                                        [p] {
                                          std::lock_guard<std::mutex> lock(p->mu);
                                          p->started_at = steady_clock::now();
                                          ++p->started;
                                        },
                                    .on_stopped_leading = [p] { ++p->stopped; },
                                    .on_new_leader =
                                        [p](const std::string& who) {
                                          std::lock_guard<std::mutex> lock(p->mu);
                                          p->new_leaders.push_back(who);
                                        }});
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    c->elector = std::move(e).value();
    candidates_.push_back(std::move(c));
    return *p;
  }

  static json Lease(const std::string& ns, const std::string& name) {
    auto l = k8s::GetLease(*admin_, ns, name);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? *l : json();
  }
  static std::string Holder(const json& lease) { return lease["spec"].value("holderIdentity", ""); }
  static int Transitions(const json& lease) { return lease["spec"].value("leaseTransitions", 0); }

  // Starts a and b and waits for one of them to lead; returns {leader, follower}.
  std::pair<Candidate*, Candidate*> Elect(Candidate& a, Candidate& b) {
    a.elector->Start();
    b.elector->Start();
    EXPECT_TRUE(WaitUntil([&] { return a.elector->IsLeader() || b.elector->IsLeader(); })) << "nobody leads";
    return a.elector->IsLeader() ? std::pair{&a, &b} : std::pair{&b, &a};
  }

  std::vector<std::unique_ptr<Candidate>> candidates_;
  std::vector<std::pair<std::string, std::string>> leases_;
};

TEST_F(LeaderElectionIT, ExactlyOneOfTwoLeadsAndTheLeaseNamesIt) {
  const KubeClient op = Operator();
  const std::string lease = NewLease("podpilot-system", "one");
  Candidate& a = Add(op, "replica-a", "podpilot-system", lease);
  Candidate& b = Add(op, "replica-b", "podpilot-system", lease);
  auto [leader, follower] = Elect(a, b);
  // Over several renewal periods: never both, always the same one.
  for (int i = 0; i < 40; ++i) {
    EXPECT_TRUE(leader->elector->IsLeader());
    EXPECT_FALSE(follower->elector->IsLeader());
    std::this_thread::sleep_for(milliseconds(50));
  }
  const json l = Lease("podpilot-system", lease);
  EXPECT_EQ(Holder(l), leader->id);
  EXPECT_EQ(l["spec"]["leaseDurationSeconds"], 4);
  EXPECT_EQ(Transitions(l), 0);  // created by the winner, never changed hands
  EXPECT_EQ(leader->started.load(), 1);
  EXPECT_EQ(follower->started.load(), 0);
  EXPECT_TRUE(WaitUntil([&] { return follower->elector->CurrentHolder() == leader->id; }));
  EXPECT_EQ(leader->elector->CurrentHolder(), leader->id);
  EXPECT_TRUE(WaitUntil([&] { return !follower->NewLeaders().empty(); }));
  EXPECT_EQ(follower->NewLeaders(), std::vector<std::string>{leader->id});
  EXPECT_EQ(leader->NewLeaders(), std::vector<std::string>{leader->id});
  EXPECT_TRUE(leader->elector->LastError().ok()) << leader->elector->LastError().ToString();
  EXPECT_TRUE(follower->elector->LastError().ok()) << follower->elector->LastError().ToString();
}

TEST_F(LeaderElectionIT, AfterACrashTheOtherTakesOverOnlyOnceTheLeaseExpired) {
  const KubeClient op = Operator();
  const std::string lease = NewLease("podpilot-system", "crash");
  Candidate& a = Add(op, "replica-a", "podpilot-system", lease);
  Candidate& b = Add(op, "replica-b", "podpilot-system", lease);
  auto [leader, follower] = Elect(a, b);
  // Let the follower see at least one renewal so that its observation is of a live leader.
  std::this_thread::sleep_for(kRetryPeriod * 3);
  const int transitions = Transitions(Lease("podpilot-system", lease));

  const auto crash = steady_clock::now();
  leader->elector->Abandon();
  const auto last_renew = leader->elector->LastRenewTime();
  ASSERT_TRUE(last_renew.has_value());
  EXPECT_FALSE(leader->elector->IsLeader());
  EXPECT_EQ(leader->stopped.load(), 1);
  // Not released: the record still names the crashed leader (nobody may take it for 4 s).
  EXPECT_EQ(Holder(Lease("podpilot-system", lease)), leader->id);

  ASSERT_TRUE(WaitUntil([&] { return follower->elector->IsLeader(); })) << "no takeover after a crash";
  const auto took = follower->StartedAt();
  ASSERT_TRUE(took.has_value());
  // The follower saw the last renewal no earlier than it was sent and waits LeaseDuration from
  // that observation: the takeover cannot precede last_renew + LeaseDuration.
  EXPECT_GE(*took - *last_renew, kLeaseDuration - milliseconds(50))
      << "took over " << Secs(*took - *last_renew) << " s after the last renewal";
  std::printf("[measure] takeover after crash: %.2f s after the crash, %.2f s after the last renewal "
              "(LeaseDuration %lld s, RetryPeriod %lld ms)\n",
              Secs(*took - crash), Secs(*took - *last_renew), static_cast<long long>(kLeaseDuration.count()),
              static_cast<long long>(kRetryPeriod.count()));
  const json l = Lease("podpilot-system", lease);
  EXPECT_EQ(Holder(l), follower->id);
  EXPECT_EQ(Transitions(l), transitions + 1);
  EXPECT_EQ(follower->started.load(), 1);
  EXPECT_TRUE(WaitUntil([&] {
    const auto seen = follower->NewLeaders();
    return !seen.empty() && seen.back() == follower->id;
  }));
}

TEST_F(LeaderElectionIT, GracefulStopReleasesSoTheOtherTakesOverBeforeExpiry) {
  const KubeClient op = Operator();
  const std::string lease = NewLease("podpilot-system", "release");
  Candidate& a = Add(op, "replica-a", "podpilot-system", lease);
  Candidate& b = Add(op, "replica-b", "podpilot-system", lease);
  auto [leader, follower] = Elect(a, b);
  std::this_thread::sleep_for(kRetryPeriod * 3);
  const int transitions = Transitions(Lease("podpilot-system", lease));

  const auto stop = steady_clock::now();
  leader->elector->Stop();
  EXPECT_FALSE(leader->elector->IsLeader());
  EXPECT_EQ(leader->stopped.load(), 1);
  EXPECT_TRUE(leader->elector->LastError().ok()) << leader->elector->LastError().ToString();

  ASSERT_TRUE(WaitUntil([&] { return follower->elector->IsLeader(); })) << "no takeover after a release";
  const auto took = follower->StartedAt();
  ASSERT_TRUE(took.has_value());
  std::printf("[measure] takeover after graceful release: %.2f s after Stop() (candidates retry every %lld ms "
              "x [1, 2.2))\n",
              Secs(*took - stop), static_cast<long long>(kRetryPeriod.count()));
  // Faster than the lease could have expired: the release, not the expiry, let it in.
  EXPECT_LT(*took - stop, kLeaseDuration) << "took " << Secs(*took - stop) << " s";
  const json l = Lease("podpilot-system", lease);
  EXPECT_EQ(Holder(l), follower->id);
  EXPECT_EQ(l["spec"]["leaseDurationSeconds"], 4);
  EXPECT_EQ(Transitions(l), transitions + 1);
}

TEST_F(LeaderElectionIT, LeaderStepsDownWhenTheLeaseIsTakenAndCompetesAgain) {
  const KubeClient op = Operator();
  const std::string lease = NewLease("podpilot-system", "stolen");
  Candidate& a = Add(op, "replica-a", "podpilot-system", lease);
  a.elector->Start();
  ASSERT_TRUE(WaitUntil([&] { return a.elector->IsLeader(); }));
  // An admin hands the Lease to an identity that never renews.
  json l = Lease("podpilot-system", lease);
  l["spec"]["holderIdentity"] = "intruder";
  l["spec"]["leaseTransitions"] = Transitions(l) + 1;
  auto stolen = k8s::UpdateLease(*admin_, "podpilot-system", l);
  ASSERT_TRUE(stolen.ok()) << stolen.status().ToString();
  const auto steal = steady_clock::now();

  // The next renewal conflicts, the re-read shows the intruder: a steps down without waiting for
  // RenewDeadline, then waits as a candidate until the intruder's lease expires and takes it back.
  ASSERT_TRUE(WaitUntil([&] { return a.stopped.load() == 1; }));
  EXPECT_FALSE(a.elector->IsLeader());
  EXPECT_EQ(a.elector->CurrentHolder(), "intruder");
  ASSERT_TRUE(WaitUntil([&] { return a.started.load() == 2; })) << "never re-acquired";
  EXPECT_GE(*a.StartedAt() - steal, kLeaseDuration - milliseconds(50));
  EXPECT_TRUE(a.elector->IsLeader());
  const json back = Lease("podpilot-system", lease);
  EXPECT_EQ(Holder(back), "replica-a");
  EXPECT_EQ(Transitions(back), Transitions(l) + 1);
  EXPECT_EQ(a.NewLeaders(), (std::vector<std::string>{"replica-a", "intruder", "replica-a"}));
}

TEST_F(LeaderElectionIT, RestrictedIdentityLeadsInItsNamespaceAndIsRefusedElsewhere) {
  const KubeClient op = Operator();
  const std::string allowed = NewLease("podpilot-system", "rbac");
  const std::string denied = NewLease(ns_, "rbac");
  Candidate& in = Add(op, "replica-in", "podpilot-system", allowed);
  Candidate& out = Add(op, "replica-out", ns_, denied);
  in.elector->Start();
  out.elector->Start();
  ASSERT_TRUE(WaitUntil([&] { return in.elector->IsLeader(); }));
  EXPECT_EQ(Holder(Lease("podpilot-system", allowed)), "replica-in");

  ASSERT_TRUE(WaitUntil([&] { return !out.elector->LastError().ok(); }));
  const Status err = out.elector->LastError();
  EXPECT_EQ(err.code(), StatusCode::kPermissionDenied) << err.ToString();
  EXPECT_THAT(err.message(), HasSubstr("system:serviceaccount:podpilot-system:podpilot-operator"));
  EXPECT_THAT(err.message(), HasSubstr(denied));
  std::printf("[info] elector in %s reports: %s\n", ns_.c_str(), err.ToString().c_str());
  // Several rounds later it still claims nothing.
  std::this_thread::sleep_for(kRetryPeriod * 4);
  EXPECT_FALSE(out.elector->IsLeader());
  EXPECT_EQ(out.elector->CurrentHolder(), "");
  EXPECT_EQ(out.started.load(), 0);
  EXPECT_TRUE(out.NewLeaders().empty());
  EXPECT_EQ(out.elector->LastError().code(), StatusCode::kPermissionDenied);
  auto missing = k8s::GetLease(*admin_, ns_, denied);
  EXPECT_TRUE(k8s::IsNotFound(missing.status())) << missing.status().ToString();

  // The allowed one releases on Stop (the Role grants update): the record names nobody.
  in.elector->Stop();
  const json l = Lease("podpilot-system", allowed);
  EXPECT_EQ(Holder(l), "");
  EXPECT_EQ(l["spec"]["leaseDurationSeconds"], 1);
  EXPECT_TRUE(in.elector->LastError().ok()) << in.elector->LastError().ToString();
}

}  // namespace
}  // namespace podpilot::op
