// AggregateContainerState: the CPU and memory history of all containers that share an aggregation
// key (namespace, container name, pod labels) — upstream model/aggregate_container_state.go,
// baselines.md 2.4.
//
// CPU samples go into a decaying histogram with a constant weight (0.1) at their measure start;
// memory samples are per-interval PEAKS (one per container per 24 h), added and replaced by
// ContainerState. Only CPU samples move FirstSampleStart, LastSampleStart and the sample count,
// which drive the confidence of the recommendation.
//
// Implements ContainerStateAggregator so ContainerState can feed it (and tests can observe the
// calls). Value semantics apart from that; not thread-safe.
#pragma once

#include <optional>

#include "policy/vpa/aggregations_config.h"
#include "policy/vpa/decaying_histogram.h"
#include "policy/vpa/resource_amount.h"

namespace podpilot::vpa {

enum class ResourceKind { kCpu, kMemory };

// One usage measurement. CPU usage in millicores averaged over the interval that starts at
// measure_start_s; memory usage in bytes. `request` is the container's request of that resource
// at the time (only read by the pre-1.4.0 CPU weighting).
struct UsageSample {
  double measure_start_s = 0;
  ResourceAmount usage = 0;
  ResourceAmount request = 0;
  ResourceKind resource = ResourceKind::kCpu;
};

// Consumer of container samples (upstream ContainerStateAggregator).
class ContainerStateAggregator {
 public:
  virtual ~ContainerStateAggregator() = default;
  virtual void AddSample(const UsageSample& sample) = 0;
  // Removes a sample added earlier with AddSample (memory only).
  virtual void SubtractSample(const UsageSample& sample) = 0;
};

class AggregateContainerState final : public ContainerStateAggregator {
 public:
  explicit AggregateContainerState(const AggregationsConfig& config = {});

  void AddSample(const UsageSample& sample) override;
  void SubtractSample(const UsageSample& sample) override;
  // Merges `other` into this state (histograms, min first / max last sample start, counts).
  // `other`'s histograms may have their reference shifted.
  void MergeContainerState(AggregateContainerState& other);
  // True once no CPU sample has been seen for the whole memory aggregation window (8 days).
  bool IsExpired(double now_s) const;

  const DecayingHistogram& cpu_usage() const { return cpu_; }
  const DecayingHistogram& memory_peaks() const { return memory_; }
  std::optional<double> first_sample_start_s() const { return first_sample_start_s_; }
  std::optional<double> last_sample_start_s() const { return last_sample_start_s_; }
  int total_samples_count() const { return total_samples_count_; }

 private:
  void AddCpuSample(const UsageSample& sample);

  AggregationsConfig config_;
  DecayingHistogram cpu_;
  DecayingHistogram memory_;
  std::optional<double> first_sample_start_s_;
  std::optional<double> last_sample_start_s_;
  int total_samples_count_ = 0;
};

}  // namespace podpilot::vpa
