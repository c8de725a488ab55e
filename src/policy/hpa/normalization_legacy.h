// Legacy normalisation of a replica proposal, used when spec.behavior is nil (baselines.md 1.7):
// one scale-down stabilization window over the recommendation history, then clamps to
// [minReplicas, min(maxReplicas, max(2 x current, 4))].
//
// Pure functions apart from the history they are handed. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/hpa/hpa_types.h"
#include "policy/hpa/recommendation_history.h"

namespace podpilot::hpa {

inline constexpr double kScaleUpLimitFactor = 2.0;
inline constexpr double kScaleUpLimitMinimum = 4.0;

// A replica count with the ScalingLimited reason and message upstream attaches to it
// ("DesiredWithinRange", "TooFewReplicas", "TooManyReplicas", "ScaleUpLimit", "ScaleDownLimit").
struct LimitedReplicas {
  int32_t replicas = 0;
  std::string reason;
  std::string message;
};

// int32(max(2.0 * current, 4.0)).
int32_t CalculateScaleUpLimit(int32_t current_replicas);

// convertDesiredReplicasWithRules: clamps `desired` to [min, min(max, scaleUpLimit)].
LimitedReplicas ConvertDesiredReplicasWithRules(int32_t current_replicas, int32_t desired,
                                                int32_t min_replicas, int32_t max_replicas);

// stabilizeRecommendation: returns the maximum of `proposal` and every recommendation not older
// than the window (entries strictly before now - window are "old"), then stores (proposal, now)
// into the last old slot or appends it.
int32_t StabilizeRecommendation(std::vector<TimestampedRecommendation>& recommendations,
                                int32_t proposal, double window_s, Time now);

// The outcome of one normalisation with the two conditions it sets.
struct Normalized {
  int32_t replicas = 0;
  int32_t stabilized = 0;   // after stabilization, before limits
  Condition able_to_scale;  // AbleToScale: ScaleDownStabilized / ScaleUpStabilized / ReadyForNewScale
  Condition scaling_limited;
};

// normalizeDesiredReplicas: StabilizeRecommendation then ConvertDesiredReplicasWithRules.
Normalized NormalizeLegacy(std::vector<TimestampedRecommendation>& recommendations,
                           int32_t current_replicas, int32_t proposal, int32_t min_replicas,
                           int32_t max_replicas, double downscale_window_s, Time now);

}  // namespace podpilot::hpa
