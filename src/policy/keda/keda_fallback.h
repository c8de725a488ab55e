// KEDA's fallback metric (pkg/fallback/fallback.go, baselines.md 4.3 "Fallback"): once a trigger
// has failed more than fallback.failureThreshold times in a row, the metrics adapter answers the
// HPA with a synthetic value that makes the HPA land on the fallback replica count.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "policy/keda/keda_types.h"

namespace podpilot::keda {

// True when a fallback is configured and the failures exceed its threshold (strictly).
bool ShouldFallBack(const ScaledObjectSpec& spec, int32_t consecutive_failures);

// The replica count the fallback aims at: fallback.replicas (static), the current replicas, or the
// higher / lower of the two, per fallback.behavior.
int64_t FallbackReplicas(const FallbackSpec& fallback, int32_t current_replicas);

// The synthetic metric in milli-units: int64(target x 1000 x R) for AverageValue targets, and
// int64(target x 1000 x R / readyReplicas) for Value targets (so that the HPA's Value formula
// multiplying by the ready pods lands on R as well; a zero ready count counts as one).
int64_t FallbackMetricMilli(double target, MetricType type, const FallbackSpec& fallback,
                            int32_t current_replicas, int32_t ready_replicas);

}  // namespace podpilot::keda
