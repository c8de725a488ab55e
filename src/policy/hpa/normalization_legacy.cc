#include "policy/hpa/normalization_legacy.h"

#include <algorithm>
#include <optional>

#include "policy/hpa/usage_ratio.h"

namespace podpilot::hpa {

int32_t CalculateScaleUpLimit(int32_t current_replicas) {
  return TruncToInt32(
      std::max(kScaleUpLimitFactor * static_cast<double>(current_replicas), kScaleUpLimitMinimum));
}

LimitedReplicas ConvertDesiredReplicasWithRules(int32_t current_replicas, int32_t desired,
                                                int32_t min_replicas, int32_t max_replicas) {
  // Capping each step at max(2x, 4) guards against bogus usage reports (kubernetes #32304).
  const int32_t scale_up_limit = CalculateScaleUpLimit(current_replicas);
  LimitedReplicas limit;
  int32_t maximum_allowed = 0;
  if (max_replicas > scale_up_limit) {
    maximum_allowed = scale_up_limit;
    limit = {0, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"};
  } else {
    maximum_allowed = max_replicas;
    limit = {0, "TooManyReplicas", "the desired replica count is more than the maximum replica count"};
  }
  if (desired < min_replicas) {
    return {min_replicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"};
  }
  if (desired > maximum_allowed) {
    limit.replicas = maximum_allowed;
    return limit;
  }
  return {desired, "DesiredWithinRange", "the desired count is within the acceptable range"};
}

int32_t StabilizeRecommendation(std::vector<TimestampedRecommendation>& recommendations,
                                int32_t proposal, double window_s, Time now) {
  int32_t max_recommendation = proposal;
  std::optional<size_t> old_index;
  const Time cutoff = now - window_s;
  for (size_t i = 0; i < recommendations.size(); ++i) {
    const auto& rec = recommendations[i];
    if (rec.timestamp < cutoff) {
      old_index = i;
    } else if (rec.replicas > max_recommendation) {
      max_recommendation = rec.replicas;
    }
  }
  if (old_index) {
    recommendations[*old_index] = {proposal, now};
  } else {
    recommendations.push_back({proposal, now});
  }
  return max_recommendation;
}

Normalized NormalizeLegacy(std::vector<TimestampedRecommendation>& recommendations,
                           int32_t current_replicas, int32_t proposal, int32_t min_replicas,
                           int32_t max_replicas, double downscale_window_s, Time now) {
  Normalized n;
  n.stabilized = StabilizeRecommendation(recommendations, proposal, downscale_window_s, now);
  if (n.stabilized != proposal) {
    n.able_to_scale = {ConditionType::kAbleToScale, true, "ScaleDownStabilized",
                       "recent recommendations were higher than current one, applying the highest "
                       "recent recommendation"};
  } else {
    n.able_to_scale = {ConditionType::kAbleToScale, true, "ReadyForNewScale",
                       "recommended size matches current size"};
  }
  LimitedReplicas limited =
      ConvertDesiredReplicasWithRules(current_replicas, n.stabilized, min_replicas, max_replicas);
  n.replicas = limited.replicas;
  n.scaling_limited = {ConditionType::kScalingLimited, limited.replicas != n.stabilized,
                       limited.reason, limited.message};
  return n;
}

}  // namespace podpilot::hpa
