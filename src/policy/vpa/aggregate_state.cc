#include "policy/vpa/aggregate_state.h"

#include <algorithm>

#include "policy/vpa/histogram_options.h"

namespace podpilot::vpa {

AggregateContainerState::AggregateContainerState(const AggregationsConfig& config)
    : config_(config),
      cpu_(CpuHistogramOptions(), config.cpu_half_life_s),
      memory_(MemoryHistogramOptions(), config.memory_half_life_s) {}

void AggregateContainerState::AddSample(const UsageSample& sample) {
  if (sample.resource == ResourceKind::kCpu) {
    AddCpuSample(sample);
  } else {
    memory_.AddSample(BytesFromMemoryAmount(sample.usage), 1.0, sample.measure_start_s);
  }
}

void AggregateContainerState::SubtractSample(const UsageSample& sample) {
  // Upstream supports subtraction of memory samples only (peaks are replaced, CPU never is).
  if (sample.resource != ResourceKind::kMemory) return;
  memory_.SubtractSample(BytesFromMemoryAmount(sample.usage), 1.0, sample.measure_start_s);
}

void AggregateContainerState::AddCpuSample(const UsageSample& sample) {
  double weight = config_.min_sample_weight;
  if (config_.cpu_weight_from_request) weight = std::max(CoresFromCpuAmount(sample.request), weight);
  cpu_.AddSample(CoresFromCpuAmount(sample.usage), weight, sample.measure_start_s);
  if (!last_sample_start_s_ || sample.measure_start_s > *last_sample_start_s_) {
    last_sample_start_s_ = sample.measure_start_s;
  }
  if (!first_sample_start_s_ || sample.measure_start_s < *first_sample_start_s_) {
    first_sample_start_s_ = sample.measure_start_s;
  }
  ++total_samples_count_;
}

void AggregateContainerState::MergeContainerState(AggregateContainerState& other) {
  cpu_.Merge(other.cpu_);
  memory_.Merge(other.memory_);
  // First: min ignoring unset; last: max.
  if (other.first_sample_start_s_ &&
      (!first_sample_start_s_ || *other.first_sample_start_s_ < *first_sample_start_s_)) {
    first_sample_start_s_ = other.first_sample_start_s_;
  }
  if (other.last_sample_start_s_ &&
      (!last_sample_start_s_ || *other.last_sample_start_s_ > *last_sample_start_s_)) {
    last_sample_start_s_ = other.last_sample_start_s_;
  }
  total_samples_count_ += other.total_samples_count_;
}

bool AggregateContainerState::IsExpired(double now_s) const {
  return last_sample_start_s_.has_value() &&
         now_s - *last_sample_start_s_ >= config_.MemoryAggregationWindowLength();
}

}  // namespace podpilot::vpa
