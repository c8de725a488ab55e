// Normalisation of a replica proposal with spec.behavior set (baselines.md 1.8): per-direction
// stabilization windows over the recommendation history, then rate limits from the Pods/Percent
// policies over their periods, using the scale-event history, and min/max clamps.
//
// Pure functions apart from the history they are handed; `now` is a parameter. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/hpa/hpa_types.h"
#include "policy/hpa/normalization_legacy.h"
#include "policy/hpa/recommendation_history.h"

namespace podpilot::hpa {

// NormalizationArg: rules must be defaulted (select policy and policies set; see hpa_defaults.h).
struct NormalizationArg {
  ScalingRules scale_up;
  ScalingRules scale_down;
  int32_t min_replicas = 1;
  int32_t max_replicas = 1;
  int32_t current_replicas = 0;
  int32_t desired_replicas = 0;
};

// stabilizeRecommendationWithBehaviors. Scale-up goes to the minimum proposal strictly inside the
// up window (never below current); scale-down to the maximum strictly inside the down window
// (never above current). Stores (desired, now) into the last slot old for both windows, or
// appends. `reason` is ScaleUpStabilized when desired >= current, else ScaleDownStabilized.
LimitedReplicas StabilizeRecommendationWithBehaviors(
    std::vector<TimestampedRecommendation>& recommendations, const NormalizationArg& arg,
    double up_window_s, double down_window_s, Time now);

// The highest replica count the scale-up policies allow now (current when Disabled).
int32_t CalculateScaleUpLimitWithScalingRules(int32_t current_replicas,
                                              const std::vector<TimestampedScaleEvent>& up_events,
                                              const std::vector<TimestampedScaleEvent>& down_events,
                                              const ScalingRules& rules, Time now);

// The lowest replica count the scale-down policies allow now (current when Disabled). Percent
// policies truncate toward zero.
int32_t CalculateScaleDownLimitWithBehaviors(int32_t current_replicas,
                                             const std::vector<TimestampedScaleEvent>& up_events,
                                             const std::vector<TimestampedScaleEvent>& down_events,
                                             const ScalingRules& rules, Time now);

// convertDesiredReplicasWithBehaviorRate: applies the rate limits and min/max to
// arg.desired_replicas (the stabilized value).
LimitedReplicas ConvertDesiredReplicasWithBehaviorRate(
    const NormalizationArg& arg, const std::vector<TimestampedScaleEvent>& up_events,
    const std::vector<TimestampedScaleEvent>& down_events, Time now);

// normalizeDesiredReplicasWithBehaviors. `behavior` must be defaulted; a scale-down window left
// unset takes `default_down_window_s` (the controller flag, 300 s).
Normalized NormalizeWithBehaviors(KeyHistory& history, const Behavior& behavior,
                                  int32_t current_replicas, int32_t proposal, int32_t min_replicas,
                                  int32_t max_replicas, double default_down_window_s, Time now);

}  // namespace podpilot::hpa
