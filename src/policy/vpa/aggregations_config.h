// Constants of the VPA recommender's aggregation model (upstream model/aggregations_config.go and
// recommender/config, baselines.md 2.1 and 2.4). Defaults are upstream's flag defaults.
#pragma once

namespace podpilot::vpa {

struct AggregationsConfig {
  double cpu_half_life_s = 24 * 3600.0;                // --cpu-histogram-decay-half-life
  double memory_half_life_s = 24 * 3600.0;             // --memory-histogram-decay-half-life
  double memory_aggregation_interval_s = 24 * 3600.0;  // --memory-aggregation-interval
  int memory_aggregation_interval_count = 8;           // window 8 x 24 h, used for state expiry
  double oom_bump_up_ratio = 1.2;                      // --oom-bump-up-ratio
  double oom_min_bump_up_bytes = 100.0 * 1024 * 1024;  // --oom-min-bump-up-bytes
  double min_sample_weight = 0.1;                      // CPU sample weight since VPA 1.4.0
  // Before VPA 1.4.0 a CPU sample weighed max(request cores, 0.1), so a larger request made the
  // history decay faster. Off (constant 0.1) matches the current release.
  bool cpu_weight_from_request = false;

  double MemoryAggregationWindowLength() const {
    return memory_aggregation_interval_s * memory_aggregation_interval_count;
  }
};

}  // namespace podpilot::vpa
