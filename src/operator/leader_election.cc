#include "operator/leader_election.h"

#include <fmt/format.h>

#include "operator/json_log.h"

#include <algorithm>
#include <condition_variable>
#include <utility>

#include "k8s/api_status.h"
#include "k8s/resources.h"

namespace podpilot::op {

using nlohmann::json;
using std::chrono::steady_clock;
using std::chrono::system_clock;

namespace {

class SystemClock final : public Clock {
 public:
  steady_clock::time_point Now() const override { return steady_clock::now(); }
  system_clock::time_point SystemNow() const override { return system_clock::now(); }
  void SleepFor(std::chrono::nanoseconds d, std::stop_token stop) const override {
    // A private mutex/condition per call: the stop_token's callback wakes exactly this wait.
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock<std::mutex> lock(m);
    cv.wait_for(lock, stop, d, [] { return false; });
  }
};

std::string Seconds(std::chrono::milliseconds d) { return std::to_string(d.count() / 1000.0) + "s"; }

// Fields of a Lease spec that may be absent (omitempty) or null.
std::string HolderOf(const json& spec) {
  if (!spec.is_object()) return "";
  auto it = spec.find("holderIdentity");
  return it != spec.end() && it->is_string() ? it->get<std::string>() : "";
}
int64_t IntField(const json& spec, const char* field) {
  if (!spec.is_object()) return 0;
  auto it = spec.find(field);
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
json SpecOf(const json& lease) {
  if (!lease.is_object()) return json();
  auto it = lease.find("spec");
  return it != lease.end() ? *it : json();
}

}  // namespace

std::shared_ptr<const Clock> RealClock() {
  static const std::shared_ptr<const Clock> clock = std::make_shared<SystemClock>();
  return clock;
}

Status ValidateOptions(const LeaderElectionOptions& o) {
  const std::string where = "leader election options: ";
  if (o.identity.empty()) return InvalidArgumentError(where + "identity: must not be empty");
  if (o.lease_namespace.empty()) return InvalidArgumentError(where + "lease_namespace: must not be empty");
  if (o.lease_name.empty()) return InvalidArgumentError(where + "lease_name: must not be empty");
  if (o.lease_duration.count() <= 0) {
    return InvalidArgumentError(where + "lease_duration: must be > 0, got " + Seconds(o.lease_duration));
  }
  if (o.lease_duration.count() % 1000 != 0) {
    return InvalidArgumentError(where + "lease_duration: must be a whole number of seconds (it is written as the "
                                "integer spec.leaseDurationSeconds), got " + Seconds(o.lease_duration));
  }
  if (o.renew_deadline.count() <= 0) {
    return InvalidArgumentError(where + "renew_deadline: must be > 0, got " + Seconds(o.renew_deadline));
  }
  if (o.retry_period.count() <= 0) {
    return InvalidArgumentError(where + "retry_period: must be > 0, got " + Seconds(o.retry_period));
  }
  if (o.lease_duration <= o.renew_deadline) {
    return InvalidArgumentError(where + "lease_duration (" + Seconds(o.lease_duration) +
                                ") must be greater than renew_deadline (" + Seconds(o.renew_deadline) + ")");
  }
  if (static_cast<double>(o.renew_deadline.count()) <= kJitterFactor * static_cast<double>(o.retry_period.count())) {
    return InvalidArgumentError(where + "renew_deadline (" + Seconds(o.renew_deadline) +
                                ") must be greater than retry_period * 1.2 (" + Seconds(o.retry_period) + " * 1.2)");
  }
  return Status::Ok();
}

bool Observe(LeaseObservation* observation, const json& lease, steady_clock::time_point now) {
  json spec = SpecOf(lease);
  if (!observation->spec.is_null() && observation->spec == spec) return false;
  observation->spec = std::move(spec);
  observation->time = now;
  return true;
}

const char* ActionName(Action a) {
  switch (a) {
    case Action::kCreate: return "create";
    case Action::kAcquire: return "acquire";
    case Action::kRenew: return "renew";
    case Action::kBlocked: return "blocked";
  }
  return "?";
}

Plan PlanAcquireOrRenew(const json& current, const LeaseObservation& observation, steady_clock::time_point now,
                        system_clock::time_point wall_now, const LeaderElectionOptions& opts) {
  const std::string wall = k8s::FormatMicroTime(wall_now);
  const int64_t duration_s = opts.lease_duration.count() / 1000;
  Plan plan;
  if (current.is_null()) {
    plan.action = Action::kCreate;
    plan.holder = opts.identity;
    plan.lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", opts.lease_name}, {"namespace", opts.lease_namespace}}},
                  {"spec",
                   {{"holderIdentity", opts.identity},
                    {"leaseDurationSeconds", duration_s},
                    {"acquireTime", wall},
                    {"renewTime", wall},
                    {"leaseTransitions", 0}}}};
    return plan;
  }
  const json& spec = observation.spec;
  const std::string holder = HolderOf(spec);
  // Expiry by the local time the record last changed plus the duration the RECORD states (the
  // holder's setting, not ours), as client-go's isLeaseValid.
  const auto expiry = observation.time + std::chrono::seconds(IntField(spec, "leaseDurationSeconds"));
  if (!holder.empty() && holder != opts.identity && expiry > now) {
    plan.action = Action::kBlocked;
    plan.holder = holder;
    plan.expires_in = expiry - now;
    return plan;
  }
  plan.lease = current;  // keeps metadata.resourceVersion: the write is conditional on this read
  json& out = plan.lease["spec"];
  if (!out.is_object()) out = json::object();
  if (holder == opts.identity) {
    plan.action = Action::kRenew;
    // acquireTime and leaseTransitions stay as recorded.
  } else {
    plan.action = Action::kAcquire;
    out["acquireTime"] = wall;
    out["leaseTransitions"] = IntField(spec, "leaseTransitions") + 1;
  }
  out["holderIdentity"] = opts.identity;
  out["leaseDurationSeconds"] = duration_s;
  out["renewTime"] = wall;
  plan.holder = opts.identity;
  return plan;
}

json PlanRelease(const json& held, system_clock::time_point wall_now) {
  json lease = held;
  json& spec = lease["spec"];
  if (!spec.is_object()) spec = json::object();
  const std::string wall = k8s::FormatMicroTime(wall_now);
  spec["holderIdentity"] = "";
  spec["leaseDurationSeconds"] = 1;
  spec["acquireTime"] = wall;
  spec["renewTime"] = wall;
  return lease;
}

// ---- LeaderElector ---------------------------------------------------------------------------

StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::Create(const k8s::KubeClient& client,
                                                               LeaderElectionOptions opts,
                                                               LeaderCallbacks callbacks) {
  PP_RETURN_IF_ERROR(ValidateOptions(opts));
  if (opts.clock == nullptr) opts.clock = RealClock();
  k8s::ClientOptions copts;
  copts.timeout = std::max(opts.renew_deadline / 2, std::chrono::milliseconds(1));
  copts.connect_timeout = std::min(copts.timeout, std::chrono::milliseconds(5'000));
  copts.user_agent = "podpilot/0.1 leader-election";
  PP_ASSIGN_OR_RETURN(k8s::KubeClient own, k8s::KubeClient::Create(client.config(), copts));
  return std::unique_ptr<LeaderElector>(new LeaderElector(std::move(own), std::move(opts), std::move(callbacks)));
}

LeaderElector::LeaderElector(k8s::KubeClient client, LeaderElectionOptions opts, LeaderCallbacks callbacks)
    : client_(std::move(client)),
      opts_(std::move(opts)),
      callbacks_(std::move(callbacks)),
      rng_(std::random_device{}()) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void LeaderElector::Stop() { StopThread(/*release=*/true); }
void LeaderElector::Abandon() { StopThread(/*release=*/false); }

void LeaderElector::StopThread(bool release) {
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (!thread_.joinable()) return;
  release_on_stop_ = release;
  thread_.request_stop();
  thread_.join();
}

bool LeaderElector::IsLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_ && last_renew_.has_value() && opts_.clock->Now() - *last_renew_ < opts_.renew_deadline;
}

std::string LeaderElector::CurrentHolder() const {
  std::lock_guard<std::mutex> lock(mu_);
  return holder_;
}

Status LeaderElector::LastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

std::optional<steady_clock::time_point> LeaderElector::LastRenewTime() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_renew_;
}

void LeaderElector::SetError(const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  // Logged once per distinct error, not once per RetryPeriod.
  if (!s.ok() && (s.code() != last_error_.code() || s.message() != last_error_.message())) {
    LogWarn(fmt::format("leader election: lease {}/{} as {}: {}", opts_.lease_namespace, opts_.lease_name, opts_.identity,
                 s.ToString()));
  }
  last_error_ = s;
}

std::chrono::nanoseconds LeaderElector::JitteredRetry() {
  std::uniform_real_distribution<double> u(0.0, kJitterFactor);
  const auto base = std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.retry_period);
  return base + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(base.count()) * u(rng_)));
}

bool LeaderElector::TryAcquireOrRenew() {
  const Clock& clock = *opts_.clock;
  const auto& ns = opts_.lease_namespace;
  // The steady time before a write is sent is when we consider our own record renewed: earlier
  // than the server saw it, so our own view of the lease errs towards expiring early.
  auto record_written = [&](const json& written, steady_clock::time_point sent) {
    held_ = written;
    observation_ = LeaseObservation{SpecOf(written), sent};
    std::lock_guard<std::mutex> lock(mu_);
    holder_ = opts_.identity;
    last_renew_ = sent;
    last_error_ = Status::Ok();
  };

  // 1. Fast path for the leader (client-go's optimistic update): renew the copy we wrote last,
  // without a read. A conflict or any error falls back to the full path.
  if (!held_.is_null()) {
    const auto sent = clock.Now();
    const auto expiry = observation_.time + std::chrono::seconds(IntField(observation_.spec, "leaseDurationSeconds"));
    if (expiry > sent) {
      json lease = held_;
      lease["spec"]["renewTime"] = k8s::FormatMicroTime(clock.SystemNow());
      auto r = k8s::UpdateLease(client_, ns, lease);
      if (r.ok()) {
        record_written(*r, sent);
        return true;
      }
      LogDebug(fmt::format("leader election: optimistic renew of {}/{} failed, re-reading: {}", ns, opts_.lease_name,
                    r.status().ToString()));
    }
  }

  // 2. Read (or find missing) the record and decide.
  auto got = k8s::GetLease(client_, ns, opts_.lease_name);
  if (!got.ok() && !k8s::IsNotFound(got.status())) {
    SetError(got.status());
    return false;
  }
  json current = got.ok() ? std::move(got).value() : json();
  // Observed after the answer arrived: later than the server's write, so a candidate waits a
  // little longer rather than shorter.
  const auto now = clock.Now();
  if (!current.is_null()) Observe(&observation_, current, now);
  const Plan plan = PlanAcquireOrRenew(current, observation_, now, clock.SystemNow(), opts_);
  if (plan.action == Action::kBlocked) {
    held_ = json();
    {
      std::lock_guard<std::mutex> lock(mu_);
      holder_ = plan.holder;
    }
    SetError(Status::Ok());
    return false;
  }

  // 3. Write, conditional on what was read (create: on absence).
  const auto sent = clock.Now();
  auto written = plan.action == Action::kCreate ? k8s::CreateLease(client_, ns, plan.lease)
                                                : k8s::UpdateLease(client_, ns, plan.lease);
  if (!written.ok()) {
    held_ = json();
    if (k8s::IsConflict(written.status()) || k8s::IsAlreadyExists(written.status())) {
      // Someone else wrote between our read and write: they won this round.
      LogDebug(fmt::format("leader election: {} of {}/{} lost a race: {}", ActionName(plan.action), ns, opts_.lease_name,
                    written.status().ToString()));
      SetError(Status::Ok());
    } else {
      SetError(written.status());
    }
    return false;
  }
  if (plan.action != Action::kRenew) {
    LogInfo(fmt::format("leader election: {} acquired lease {}/{} ({}, leaseTransitions {})", opts_.identity, ns,
                 opts_.lease_name, ActionName(plan.action), IntField(SpecOf(*written), "leaseTransitions")));
  }
  record_written(*written, sent);
  return true;
}

void LeaderElector::Release() {
  if (held_.is_null()) return;
  auto r = k8s::UpdateLease(client_, opts_.lease_namespace, PlanRelease(held_, opts_.clock->SystemNow()));
  held_ = json();
  if (!r.ok()) {
    // Not fatal: the others take over when the lease expires instead.
    SetError(r.status().WithPrefix("releasing the lease"));
    return;
  }
  LogInfo(fmt::format("leader election: {} released lease {}/{}", opts_.identity, opts_.lease_namespace, opts_.lease_name));
  Observe(&observation_, *r, opts_.clock->Now());
  std::lock_guard<std::mutex> lock(mu_);
  holder_ = "";
}

void LeaderElector::ReportTransition() {
  const std::string holder = HolderOf(observation_.spec);
  if (holder == reported_leader_) return;
  reported_leader_ = holder;
  if (!holder.empty() && callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
}

void LeaderElector::Run(std::stop_token stop) {
  const Clock& clock = *opts_.clock;
  LogInfo(fmt::format("leader election: {} competing for lease {}/{}", opts_.identity, opts_.lease_namespace,
               opts_.lease_name));
  while (!stop.stop_requested()) {
    // Candidate: try every RetryPeriod (jittered, so candidates do not hit the server in step).
    bool acquired = false;
    while (!stop.stop_requested()) {
      acquired = TryAcquireOrRenew();
      ReportTransition();
      if (acquired) break;
      clock.SleepFor(JitteredRetry(), stop);
    }
    if (stop.stop_requested()) {
      // Acquired in the same instant as the stop: nobody was told, just hand it back.
      if (acquired && release_on_stop_ && opts_.release_on_cancel) Release();
      break;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      leader_ = true;
    }
    if (callbacks_.on_started_leading) callbacks_.on_started_leading();

    // Leader: renew every RetryPeriod until stopped or the renewals fail for RenewDeadline.
    while (true) {
      clock.SleepFor(opts_.retry_period, stop);
      if (stop.stop_requested()) break;
      const bool renewed = TryAcquireOrRenew();
      ReportTransition();
      if (renewed) continue;
      // Unlike client-go, which keeps retrying until the deadline, step down at once when the
      // record shows another holder: it cannot be ours again without an election.
      const std::string holder = HolderOf(observation_.spec);
      const bool taken = !holder.empty() && holder != opts_.identity;
      const auto since = clock.Now() - LastRenewTime().value_or(steady_clock::time_point{});
      if (taken || since >= opts_.renew_deadline) {
        LogWarn(fmt::format("leader election: {} lost lease {}/{} ({})", opts_.identity, opts_.lease_namespace,
                     opts_.lease_name,
                     taken ? "now held by " + holder
                           : "no renewal for " + std::to_string(std::chrono::duration<double>(since).count()) + " s"));
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      leader_ = false;
    }
    // The work guarded by the lease stops before the lease is handed back.
    if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
    if (stop.stop_requested()) {
      if (release_on_stop_ && opts_.release_on_cancel) Release();
      break;
    }
    held_ = json();
    clock.SleepFor(JitteredRetry(), stop);
  }
}

}  // namespace podpilot::op
