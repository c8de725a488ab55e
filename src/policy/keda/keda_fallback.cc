#include "policy/keda/keda_fallback.h"

#include <algorithm>

namespace podpilot::keda {

bool ShouldFallBack(const ScaledObjectSpec& spec, int32_t consecutive_failures) {
  return spec.fallback.has_value() && spec.fallback->failure_threshold >= 0 && spec.fallback->replicas >= 0 &&
         consecutive_failures > spec.fallback->failure_threshold;
}

int64_t FallbackReplicas(const FallbackSpec& fallback, int32_t current_replicas) {
  const int64_t fixed = fallback.replicas;
  const int64_t current = current_replicas;
  switch (fallback.behavior) {
    case FallbackBehavior::kStatic: return fixed;
    case FallbackBehavior::kCurrentReplicas: return current;
    case FallbackBehavior::kCurrentReplicasIfHigher: return std::max(current, fixed);
    case FallbackBehavior::kCurrentReplicasIfLower: return std::min(current, fixed);
  }
  return fixed;
}

int64_t FallbackMetricMilli(double target, MetricType type, const FallbackSpec& fallback,
                            int32_t current_replicas, int32_t ready_replicas) {
  double r = static_cast<double>(FallbackReplicas(fallback, current_replicas));
  if (type == MetricType::kValue) r /= std::max(ready_replicas, 1);
  return static_cast<int64_t>(target * 1000.0 * r);
}

}  // namespace podpilot::keda
