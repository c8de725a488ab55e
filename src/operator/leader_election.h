// Lease-based leader election for the podpilot operator, with the semantics of client-go's
// tools/leaderelection (LeaseLock):
//
//   LeaderElectionOptions opts;
//   opts.identity = pod_name;  opts.lease_namespace = "podpilot-system";  opts.lease_name = "podpilot";
//   PP_ASSIGN_OR_RETURN(auto elector, LeaderElector::Create(client, opts, {
//       .on_started_leading = [&] { reconciler.Start(); },
//       .on_stopped_leading = [&] { reconciler.Stop(); }}));
//   elector->Start();   ...   elector->Stop();   // releases the Lease if it leads
//
// How it decides (client-go's tryAcquireOrRenew): read the Lease (create it if absent). If another
// identity holds it and the lease has not expired, wait. "Expired" is judged with the LOCAL time at
// which this elector last saw the record change (client-go's observedTime) plus the record's
// leaseDurationSeconds, never with the remote renewTime, so clock skew between replicas does not
// matter (only their clock rates do). Otherwise write holderIdentity, leaseDurationSeconds,
// renewTime, and on a change of holder acquireTime and leaseTransitions+1. Every write carries the
// resourceVersion that was read, so of two candidates racing for an expired lease exactly one
// wins; the other gets a 409 Conflict (kAborted) and waits for the next round.
//
// Timing: candidates retry every RetryPeriod (jittered up to +JitterFactor x, as client-go); the
// leader renews every RetryPeriod and steps down (on_stopped_leading) when no renewal succeeded
// for RenewDeadline. Since RenewDeadline < LeaseDuration, a leader cut off from the API server
// stops acting before anyone else may take over. This is not fencing: a leader whose thread is
// paused longer than LeaseDuration - RenewDeadline can overlap with its successor.
//
// After losing leadership the elector becomes a candidate again (client-go's Run returns instead;
// an operator preferring that can exit the process from on_stopped_leading).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <thread>

#include "common/status.h"
#include "k8s/kube_client.h"

namespace podpilot::op {

// Time and sleeping, injectable so that tests can drive expiry without waiting.
// Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time: all expiry and deadline decisions use this.
  virtual std::chrono::steady_clock::time_point Now() const = 0;
  // Wall time: only written into the Lease (acquireTime, renewTime) for humans and other tools.
  virtual std::chrono::system_clock::time_point SystemNow() const = 0;
  // Blocks for `d` or until `stop` is requested, whichever comes first.
  virtual void SleepFor(std::chrono::nanoseconds d, std::stop_token stop) const = 0;
};

// The process's real clocks. Never null; lives forever.
std::shared_ptr<const Clock> RealClock();

// client-go's JitterFactor: candidates wait RetryPeriod * (1 + rand[0, JitterFactor)).
inline constexpr double kJitterFactor = 1.2;

struct LeaderElectionOptions {
  // Unique per replica (client-go uses the pod name, or hostname + "_" + a UUID). Non-empty.
  std::string identity;
  // The Lease object (coordination.k8s.io/v1). Both non-empty.
  std::string lease_namespace;
  std::string lease_name;
  // How long a non-leader waits, after it last saw the record change, before taking over. A whole
  // number of seconds >= 1: it is written as the integer spec.leaseDurationSeconds.
  std::chrono::milliseconds lease_duration{15'000};
  // How long the leader keeps trying to renew before it steps down. < lease_duration.
  std::chrono::milliseconds renew_deadline{10'000};
  // Interval between attempts. renew_deadline > kJitterFactor * retry_period.
  std::chrono::milliseconds retry_period{2'000};
  // On Stop(), a leader hands the Lease back (holderIdentity "", leaseDurationSeconds 1) so a
  // successor takes over within a RetryPeriod or so instead of after LeaseDuration. Only safe if
  // the work guarded by the lease has stopped by then: on_stopped_leading runs first, see Stop().
  bool release_on_cancel = true;
  // Null: RealClock().
  std::shared_ptr<const Clock> clock;
};

// InvalidArgument naming the field and value, with client-go's rules: lease_duration >
// renew_deadline > kJitterFactor * retry_period, all > 0; lease_duration a whole number of
// seconds; identity, lease_namespace and lease_name non-empty.
Status ValidateOptions(const LeaderElectionOptions& opts);

// All optional. Called on the elector's own thread, one at a time, never concurrently with each
// other; they must not call Stop()/Abandon() of the same elector (that joins this thread).
struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  // Also called when the elector is stopped while leading, before the Lease is released.
  std::function<void()> on_stopped_leading;
  // The observed holder changed to a non-empty identity different from the last one reported
  // (this elector's own identity included, as client-go's OnNewLeader).
  std::function<void(const std::string& identity)> on_new_leader;
};

// ---- The decision, as pure functions (exposed for the unit test) -----------------------------

// What this elector last saw of the Lease, and the local time at which its spec last changed.
struct LeaseObservation {
  nlohmann::json spec;  // the Lease's spec as last read or written; null before the first look
  std::chrono::steady_clock::time_point time{};
};

// Records `lease` as seen at `now`: observation->time moves only when the spec differs from the
// one seen before (client-go compares the raw record the same way). Returns whether it changed.
bool Observe(LeaseObservation* observation, const nlohmann::json& lease, std::chrono::steady_clock::time_point now);

enum class Action {
  kCreate,   // no Lease yet: create `lease`
  kAcquire,  // take the Lease over (expired, released, or never held): update with `lease`
  kRenew,    // we hold it: update with `lease`
  kBlocked,  // someone else holds a lease that has not expired: do nothing
};
const char* ActionName(Action a);

struct Plan {
  Action action = Action::kBlocked;
  nlohmann::json lease;  // the object to write (kCreate / kAcquire / kRenew), carrying the
                         // resourceVersion of `current`; null for kBlocked
  std::string holder;    // the holder after this step if it succeeds (the current one if blocked)
  std::chrono::steady_clock::duration expires_in{};  // kBlocked: time left by the observed time
};

// client-go's tryAcquireOrRenew as a pure function. `current` is the Lease as just read (null
// when it does not exist); `observation` must already include it (Observe). `now` is the steady
// time the expiry is judged at; `wall_now` is written into acquireTime/renewTime.
Plan PlanAcquireOrRenew(const nlohmann::json& current, const LeaseObservation& observation,
                        std::chrono::steady_clock::time_point now, std::chrono::system_clock::time_point wall_now,
                        const LeaderElectionOptions& opts);

// client-go's release: the Lease `held` (as last written by us, with its resourceVersion) handed
// back: holderIdentity "", leaseDurationSeconds 1, acquireTime = renewTime = wall_now,
// leaseTransitions kept.
nlohmann::json PlanRelease(const nlohmann::json& held, std::chrono::system_clock::time_point wall_now);

// ---- The elector --------------------------------------------------------------------------------

// Thread-safety: all public methods may be called from any thread, except that Start/Stop/
// Abandon must not be called from the callbacks. Destruction stops (as Stop()).
class LeaderElector {
 public:
  using Callbacks = LeaderCallbacks;

  // Validates `opts` (see ValidateOptions). The elector keeps its own client built from
  // client.config() with a request timeout of renew_deadline / 2, so a hung request leaves the
  // leader time for another attempt before it must step down. Does not contact the server;
  // `client` need not outlive the elector.
  static StatusOr<std::unique_ptr<LeaderElector>> Create(const k8s::KubeClient& client, LeaderElectionOptions opts,
                                                         LeaderCallbacks callbacks);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Starts the election thread. Calling it again, or after Stop, does nothing.
  void Start();
  // Stops the thread and waits for it. If leading: on_stopped_leading, then (release_on_cancel)
  // the Lease is released. Idempotent; returns at once if never started.
  void Stop();
  // Test hook simulating a crash: stops the thread like Stop() but never releases the Lease, so
  // others must wait for it to expire. on_stopped_leading still runs (the work must stop).
  void Abandon();

  // Whether this elector currently leads: between on_started_leading and on_stopped_leading, and
  // no longer than RenewDeadline after the last successful renewal (so it turns false on time
  // even while a slow request delays the elector thread's on_stopped_leading).
  bool IsLeader() const;
  // The holder identity last observed ("" before the first read, when released or unknown).
  std::string CurrentHolder() const;
  // The error of the last failed API call (OK when the last call succeeded or none was made),
  // e.g. kPermissionDenied when the identity may not touch the Lease. Also logged (spdlog warn)
  // each time the error changes.
  Status LastError() const;
  // Steady time of the last successful acquire or renew, nullopt if none.
  std::optional<std::chrono::steady_clock::time_point> LastRenewTime() const;

  const LeaderElectionOptions& options() const { return opts_; }

 private:
  LeaderElector(k8s::KubeClient client, LeaderElectionOptions opts, LeaderCallbacks callbacks);

  void Run(std::stop_token stop);
  // One tryAcquireOrRenew round; true when we hold the Lease afterwards.
  bool TryAcquireOrRenew();
  void Release();
  void ReportTransition();
  void SetError(const Status& s);
  void StopThread(bool release);
  std::chrono::nanoseconds JitteredRetry();

  const k8s::KubeClient client_;
  const LeaderElectionOptions opts_;
  const LeaderCallbacks callbacks_;

  // Elector-thread state (no lock needed: only Run and what it calls touch it).
  LeaseObservation observation_;
  nlohmann::json held_;         // the Lease as we last wrote it while leading; null otherwise
  std::string reported_leader_;
  std::mt19937_64 rng_;

  std::mutex thread_mu_;         // serialises Start/Stop/Abandon
  std::jthread thread_;          // guarded by thread_mu_
  bool started_ = false;         // guarded by thread_mu_
  std::atomic<bool> release_on_stop_{true};

  mutable std::mutex mu_;
  bool leader_ = false;                                              // guarded by mu_
  std::string holder_;                                               // guarded by mu_
  Status last_error_;                                                // guarded by mu_
  std::optional<std::chrono::steady_clock::time_point> last_renew_;  // guarded by mu_
};

}  // namespace podpilot::op
