#include "policy/vpa/container_state.h"

#include <cmath>
#include <string>

namespace podpilot::vpa {

ContainerState::ContainerState(ContainerStateAggregator* aggregator, const AggregationsConfig& config)
    : aggregator_(aggregator), config_(config) {}

bool ContainerState::AddSample(const UsageSample& sample) {
  return sample.resource == ResourceKind::kCpu ? AddCpuSample(sample) : AddMemorySample(sample, false);
}

bool ContainerState::AddCpuSample(const UsageSample& sample) {
  // Discard invalid, duplicate or out-of-order samples (start must be strictly after the last).
  if (sample.usage < 0) return false;
  if (last_cpu_sample_start_s_ && !(sample.measure_start_s > *last_cpu_sample_start_s_)) return false;
  aggregator_->AddSample(sample);
  last_cpu_sample_start_s_ = sample.measure_start_s;
  return true;
}

bool ContainerState::AddMemorySample(const UsageSample& sample, bool is_oom) {
  const double ts = sample.measure_start_s;
  // OOM samples are always processed; regular ones must not go back in time.
  if (sample.usage < 0) return false;
  if (!is_oom && last_memory_sample_start_s_ && ts < *last_memory_sample_start_s_) return false;
  last_memory_sample_start_s_ = ts;
  if (!window_end_s_) window_end_s_ = ts;  // the first sample opens the first interval

  bool add_new_peak = false;
  if (ts < *window_end_s_) {
    ResourceAmount old_peak = GetMaxMemoryPeak();
    if (old_peak != 0 && sample.usage > old_peak) {
      aggregator_->SubtractSample({*window_end_s_, old_peak, 0, ResourceKind::kMemory});
      add_new_peak = true;
    }
  } else {
    // Move to the interval that contains ts: whole intervals (Duration.Truncate) plus one.
    const double interval = config_.memory_aggregation_interval_s;
    double shift = std::trunc((ts - *window_end_s_) / interval) * interval + interval;
    *window_end_s_ += shift;
    memory_peak_ = 0;
    oom_peak_ = 0;
    add_new_peak = true;
  }
  if (add_new_peak) {
    aggregator_->AddSample({*window_end_s_, sample.usage, 0, ResourceKind::kMemory});
    if (is_oom) {
      oom_peak_ = sample.usage;
    } else {
      memory_peak_ = sample.usage;
    }
  }
  return true;
}

Status ContainerState::RecordOom(double time_s, ResourceAmount requested_memory) {
  // Staleness as of kubernetes/autoscaler 18445abe54: relative to the last memory sample (the older
  // rule, relative to the interval end, rejected fresh OOMs just before a boundary).
  const double interval = config_.memory_aggregation_interval_s;
  if (last_memory_sample_start_s_ && time_s < *last_memory_sample_start_s_ - interval) {
    return FailedPreconditionError("vpa: OOM event at t=" + std::to_string(time_s) +
                                   " s discarded: older than one aggregation interval before the "
                                   "last memory sample");
  }
  // The OOM peak is deliberately left out so repeated OOMs do not compound.
  ResourceAmount used = std::max(requested_memory, memory_peak_);
  ResourceAmount needed = std::max(used + MemoryAmountFromBytes(config_.oom_min_bump_up_bytes),
                                   ScaleResource(used, config_.oom_bump_up_ratio));
  if (!AddMemorySample({time_s, needed, 0, ResourceKind::kMemory}, /*is_oom=*/true)) {
    return FailedPreconditionError("vpa: adding the OOM sample failed");
  }
  return Status::Ok();
}

}  // namespace podpilot::vpa
