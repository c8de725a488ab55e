#include "policy/kpa/kpa_autoscaler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace podpilot::kpa {
namespace {

// Go's int32(x) on the (integral, non-negative) pod counts, guarded against overflow.
int32_t ToInt32(double x) {
  if (x >= static_cast<double>(std::numeric_limits<int32_t>::max())) return std::numeric_limits<int32_t>::max();
  if (x <= static_cast<double>(std::numeric_limits<int32_t>::min())) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(x);
}

}  // namespace

KpaAutoscaler::KpaAutoscaler(const DeciderSpec& spec, int initial_ready_pods, double now_s) : spec_(spec) {
  if (initial_ready_pods > 1) panic_time_s_ = now_s;
  max_panic_pods_ = initial_ready_pods;
  if (spec.scale_down_delay_s > 0) delay_window_.emplace(spec.scale_down_delay_s, kDeciderTickS);
}

ScaleResult KpaAutoscaler::Scale(double now_s, int ready_pods, const std::optional<ObservedMetrics>& metrics) {
  if (!metrics) return {};  // no data to scale on yet
  const double ready = std::max(1.0, static_cast<double>(ready_pods));

  // Ceil for scale-up so a conservative rate still grows by at least one pod (upstream comment).
  const double max_scale_up = std::ceil(spec_.max_scale_up_rate * ready);
  const double max_scale_down = spec_.reachable ? std::floor(ready / spec_.max_scale_down_rate) : 0.0;

  const double dspc = std::ceil(metrics->stable / spec_.target_value);
  const double dppc = std::ceil(metrics->panic / spec_.target_value);
  int32_t desired_stable = ToInt32(std::min(std::max(dspc, max_scale_down), max_scale_up));
  int32_t desired_panic = ToInt32(std::min(std::max(dppc, max_scale_down), max_scale_up));
  if (spec_.activation_scale > 1) {
    if (dspc > 0 && spec_.activation_scale > desired_stable) desired_stable = spec_.activation_scale;
    if (dppc > 0 && spec_.activation_scale > desired_panic) desired_panic = spec_.activation_scale;
  }

  const bool over_threshold = dppc / ready >= spec_.panic_threshold;
  if (over_threshold) {
    panic_time_s_ = now_s;  // enter, or extend
  } else if (panic_time_s_ && *panic_time_s_ + spec_.stable_window_s < now_s) {
    // The surge has made its way into the stable window.
    panic_time_s_.reset();
    max_panic_pods_ = 0;
  }

  int32_t desired = desired_stable;
  if (panic_time_s_) {
    desired = std::max(desired, desired_panic);
    // Never scale down while panicking.
    if (desired > max_panic_pods_) max_panic_pods_ = desired;
    desired = max_panic_pods_;
  }

  // The delay only holds scale-downs of a reachable revision (an unreachable one goes straight down).
  if (delay_window_ && spec_.reachable) {
    delay_window_->Record(now_s, desired);
    desired = ToInt32(delay_window_->Current());
  }

  double ebc = -1.0;
  if (spec_.target_burst_capacity == 0) {
    ebc = 0.0;
  } else if (spec_.target_burst_capacity > 0) {
    ebc = std::floor(ready_pods * spec_.total_value - spec_.target_burst_capacity - metrics->panic);
  }
  return {desired, ToInt32(ebc), true};
}

}  // namespace podpilot::kpa
