#include "policy/vpa/estimator.h"

#include <algorithm>
#include <cmath>

namespace podpilot::vpa {
namespace {

enum class Bound { kTarget, kLower, kUpper };

ResourcePair Estimate(const AggregateContainerState& s, Bound bound, const RecommenderConfig& c,
                      const ResourcePair& minimum) {
  double cpu_p = bound == Bound::kTarget ? c.target_cpu_percentile
                 : bound == Bound::kLower ? c.lower_cpu_percentile
                                          : c.upper_cpu_percentile;
  double mem_p = bound == Bound::kTarget ? c.target_memory_percentile
                 : bound == Bound::kLower ? c.lower_memory_percentile
                                          : c.upper_memory_percentile;
  ResourceAmount cpu = CpuAmountFromCores(s.cpu_usage().Percentile(cpu_p));
  ResourceAmount mem = MemoryAmountFromBytes(s.memory_peaks().Percentile(mem_p));
  cpu = WithMargin(cpu, c.safety_margin_fraction);
  mem = WithMargin(mem, c.safety_margin_fraction);
  if (bound != Bound::kTarget) {
    double mult = bound == Bound::kUpper ? c.upper_bound_multiplier : c.lower_bound_multiplier;
    double exp = bound == Bound::kUpper ? c.upper_bound_exponent : c.lower_bound_exponent;
    cpu = WithConfidenceMultiplier(cpu, mult, exp, GetConfidence(s, c.confidence_interval_cpu_s));
    mem = WithConfidenceMultiplier(mem, mult, exp, GetConfidence(s, c.confidence_interval_memory_s));
  }
  return {std::max(cpu, minimum.cpu), std::max(mem, minimum.memory)};
}

}  // namespace

double GetConfidence(const AggregateContainerState& state, double confidence_interval_s) {
  double lifespan = 0.0;
  if (state.first_sample_start_s() && state.last_sample_start_s()) {
    lifespan = (*state.last_sample_start_s() - *state.first_sample_start_s()) / confidence_interval_s;
  }
  double samples = state.total_samples_count() / (confidence_interval_s / 60.0);
  return std::min(lifespan, samples);
}

ResourceAmount WithMargin(ResourceAmount base, double fraction) {
  return base + ScaleResource(base, fraction);
}

ResourceAmount WithConfidenceMultiplier(ResourceAmount base, double multiplier, double exponent,
                                        double confidence) {
  return ScaleResource(base, std::pow(1.0 + multiplier / confidence, exponent));
}

ResourcePair MinResourcesPerContainer(const RecommenderConfig& config, int num_containers) {
  double fraction = 1.0 / std::max(num_containers, 1);
  return {ScaleResource(CpuAmountFromCores(config.pod_min_cpu_millicores * 0.001), fraction),
          ScaleResource(MemoryAmountFromBytes(config.pod_min_memory_mb * 1024 * 1024), fraction)};
}

RecommendedContainerResources EstimateContainerResources(const AggregateContainerState& state,
                                                         int num_containers,
                                                         const RecommenderConfig& config) {
  ResourcePair minimum = MinResourcesPerContainer(config, num_containers);
  return {Estimate(state, Bound::kTarget, config, minimum),
          Estimate(state, Bound::kLower, config, minimum),
          Estimate(state, Bound::kUpper, config, minimum)};
}

}  // namespace podpilot::vpa
