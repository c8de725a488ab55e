// The VPA recommender's estimation pipeline (upstream logic/estimator.go and logic/recommender.go,
// baselines.md 2.5).
//
// For each of target / lower bound / upper bound:
//   percentile of the CPU and memory histograms (0.9 / 0.5 / 0.95)
//   + safety margin (15 %, integer)
//   x confidence multiplier for the bounds: upper (1 + 1/conf)^1, lower (1 + 0.001/conf)^-2,
//     where conf = min(history span / 24 h, samples / 1440) (more history, tighter bounds)
//   max(minimum resources): 25 millicores and 250 MiB per POD, split evenly over its containers.
// Every stage returns an integer ResourceAmount (truncation at each stage, as upstream).
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include "policy/vpa/aggregate_state.h"
#include "policy/vpa/resource_amount.h"

namespace podpilot::vpa {

struct RecommenderConfig {
  double target_cpu_percentile = 0.9;
  double lower_cpu_percentile = 0.5;
  double upper_cpu_percentile = 0.95;
  double target_memory_percentile = 0.9;
  double lower_memory_percentile = 0.5;
  double upper_memory_percentile = 0.95;
  double safety_margin_fraction = 0.15;          // --recommendation-margin-fraction
  double pod_min_cpu_millicores = 25;            // --pod-recommendation-min-cpu-millicores
  double pod_min_memory_mb = 250;                // --pod-recommendation-min-memory-mb (MiB)
  double confidence_interval_cpu_s = 24 * 3600.0;     // --confidence-interval-cpu
  double confidence_interval_memory_s = 24 * 3600.0;  // --confidence-interval-memory
  double upper_bound_multiplier = 1.0, upper_bound_exponent = 1.0;
  double lower_bound_multiplier = 0.001, lower_bound_exponent = -2.0;
};

// Target, lower and upper bound for one container.
struct RecommendedContainerResources {
  ResourcePair target;
  ResourcePair lower_bound;
  ResourcePair upper_bound;
  bool operator==(const RecommendedContainerResources&) const = default;
};

// History confidence: min(span between first and last CPU sample / interval, samples / interval in
// minutes). A steady one-sample-per-minute stream over N intervals gives N. 0 with no samples.
double GetConfidence(const AggregateContainerState& state, double confidence_interval_s);

// base + ScaleResource(base, fraction).
ResourceAmount WithMargin(ResourceAmount base, double fraction);
// ScaleResource(base, (1 + multiplier / confidence)^exponent). confidence 0 gives +Inf inside the
// power: the upper bound saturates at 1e14 and the lower bound becomes 0.
ResourceAmount WithConfidenceMultiplier(ResourceAmount base, double multiplier, double exponent,
                                        double confidence);

// Per-container minimum: the pod minimum divided by the number of containers (truncated).
ResourcePair MinResourcesPerContainer(const RecommenderConfig& config, int num_containers);

// The full pipeline for one merged container state of a pod with `num_containers` containers.
RecommendedContainerResources EstimateContainerResources(const AggregateContainerState& state,
                                                         int num_containers,
                                                         const RecommenderConfig& config);

}  // namespace podpilot::vpa
