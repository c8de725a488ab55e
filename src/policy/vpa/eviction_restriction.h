// How many pods of one controller the VPA updater may disrupt in one loop (upstream
// updater/restriction: pods_restriction_factory.go singleGroupStats, pods_eviction_restriction.go,
// baselines.md 2.6), and the optional eviction rate limiter (a token bucket, Go's rate.Limiter).
//
// A group is skipped entirely when it has fewer live pods than min-replicas (2). Otherwise
// tolerance = int(configured x 0.5), and a running pod may be disrupted while
// (running - evicted) > (configured - tolerance), or as the single allowed disruption when every
// configured pod runs and the tolerance truncates to 0. Pending pods can always be evicted and do
// not count.
//
// Value types; not thread-safe.
#pragma once

#include <optional>

namespace podpilot::vpa {

class EvictionRestriction {
 public:
  // nullopt when the group has fewer than `min_replicas` live pods (it is not touched at all).
  static std::optional<EvictionRestriction> ForGroup(int live_pods, int pending_pods, int configured_replicas,
                                                     int min_replicas, double eviction_tolerance_fraction);

  bool CanEvict(bool pod_pending) const;
  // Records a successful eviction (or in-place resize) of a pod. Pending pods do not count.
  void RecordEviction(bool pod_pending);

  int configured() const { return configured_; }
  int running() const { return running_; }
  int tolerance() const { return tolerance_; }
  int evicted() const { return evicted_; }

 private:
  int configured_ = 0;
  int running_ = 0;
  int tolerance_ = 0;
  int evicted_ = 0;
};

// Go's rate.Limiter(rate, burst) Allow(): tokens refill at `rate` per second up to `burst`; the
// bucket starts full. A rate <= 0 disables limiting (upstream's default -1).
class EvictionRateLimiter {
 public:
  EvictionRateLimiter(double rate_per_s = -1, int burst = 1)
      : rate_(rate_per_s), burst_(burst), tokens_(burst) {}
  bool Allow(double now_s);

 private:
  double rate_;
  int burst_;
  double tokens_;
  std::optional<double> last_s_;
};

}  // namespace podpilot::vpa
