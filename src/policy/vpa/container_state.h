// ContainerState: the recent history of ONE container instance, feeding its aggregate
// (upstream model/container.go, baselines.md 2.4).
//
// It deduplicates CPU samples (a sample must start strictly after the previous one) and turns the
// memory stream into one PEAK per aggregation interval (24 h): the interval's highest usage is
// added to the aggregate timestamped at the END of the interval, and replaced (subtract old, add
// new) when a higher value arrives. OOM kills become synthetic memory samples:
// max(used + 100 MiB, used x 1.2) with used = max(memory request, memory peak).
//
// Does not own the aggregator, which must outlive it. Not thread-safe.
#pragma once

#include <algorithm>
#include <optional>

#include "common/status.h"
#include "policy/vpa/aggregate_state.h"

namespace podpilot::vpa {

class ContainerState {
 public:
  ContainerState(ContainerStateAggregator* aggregator, const AggregationsConfig& config = {});

  // Returns false for invalid (negative), duplicate or out-of-order samples, which are dropped.
  bool AddSample(const UsageSample& sample);
  // Records an OOM kill at `time_s` for a container whose memory request was
  // `requested_memory` bytes. Errors if the event is too old (more than one aggregation interval
  // before the last memory sample) or the synthetic sample is rejected.
  Status RecordOom(double time_s, ResourceAmount requested_memory);

  // max(memory peak, OOM peak) of the current interval.
  ResourceAmount GetMaxMemoryPeak() const { return std::max(memory_peak_, oom_peak_); }
  std::optional<double> window_end_s() const { return window_end_s_; }
  std::optional<double> last_cpu_sample_start_s() const { return last_cpu_sample_start_s_; }

 private:
  bool AddCpuSample(const UsageSample& sample);
  bool AddMemorySample(const UsageSample& sample, bool is_oom);

  ContainerStateAggregator* aggregator_;
  AggregationsConfig config_;
  std::optional<double> last_cpu_sample_start_s_;
  ResourceAmount memory_peak_ = 0;
  ResourceAmount oom_peak_ = 0;
  std::optional<double> window_end_s_;           // end (exclusive) of the current memory interval
  std::optional<double> last_memory_sample_start_s_;
};

}  // namespace podpilot::vpa
