#include "policy/vpa/eviction_restriction.h"

#include <algorithm>

namespace podpilot::vpa {

std::optional<EvictionRestriction> EvictionRestriction::ForGroup(int live_pods, int pending_pods,
                                                                 int configured_replicas, int min_replicas,
                                                                 double eviction_tolerance_fraction) {
  if (live_pods < min_replicas) return std::nullopt;
  EvictionRestriction r;
  r.configured_ = configured_replicas;
  r.tolerance_ = static_cast<int>(configured_replicas * eviction_tolerance_fraction);  // truncation
  r.running_ = live_pods - pending_pods;
  return r;
}

bool EvictionRestriction::CanEvict(bool pod_pending) const {
  if (pod_pending) return true;
  int should_be_alive = configured_ - tolerance_;
  int actually_alive = running_ - evicted_;
  return actually_alive > should_be_alive ||
         (configured_ == running_ && tolerance_ == 0 && evicted_ == 0);
}

void EvictionRestriction::RecordEviction(bool pod_pending) {
  if (!pod_pending) ++evicted_;
}

bool EvictionRateLimiter::Allow(double now_s) {
  if (rate_ <= 0) return true;
  if (last_s_) tokens_ = std::min<double>(burst_, tokens_ + (now_s - *last_s_) * rate_);
  last_s_ = now_s;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

}  // namespace podpilot::vpa
