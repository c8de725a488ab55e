#include "policy/vpa/histogram.h"

#include <cassert>

namespace podpilot::vpa {

Histogram::Histogram(std::shared_ptr<const HistogramOptions> options)
    : options_(std::move(options)),
      bucket_weight_(options_->NumBuckets(), 0.0),
      min_bucket_(options_->NumBuckets() - 1),
      max_bucket_(0) {}

void Histogram::AddSample(double value, double weight) {
  if (!(weight >= 0.0)) return;
  int bucket = options_->FindBucket(value);
  bucket_weight_[bucket] += weight;
  total_weight_ += weight;
  // min/max move only when the bucket is non-empty by the epsilon rule.
  if (bucket < min_bucket_ && bucket_weight_[bucket] >= options_->Epsilon()) min_bucket_ = bucket;
  if (bucket > max_bucket_ && bucket_weight_[bucket] >= options_->Epsilon()) max_bucket_ = bucket;
}

void Histogram::SubtractSample(double value, double weight) {
  if (!(weight >= 0.0)) return;
  int bucket = options_->FindBucket(value);
  if (weight > bucket_weight_[bucket] - options_->Epsilon()) weight = bucket_weight_[bucket];
  total_weight_ -= weight;
  bucket_weight_[bucket] -= weight;
  UpdateMinAndMaxBucket();
}

void Histogram::Merge(const Histogram& other) {
  assert(options_ == other.options_ && "merging histograms with different options");
  for (int b = other.min_bucket_; b <= other.max_bucket_; ++b) bucket_weight_[b] += other.bucket_weight_[b];
  total_weight_ += other.total_weight_;
  if (other.min_bucket_ < min_bucket_) min_bucket_ = other.min_bucket_;
  if (other.max_bucket_ > max_bucket_) max_bucket_ = other.max_bucket_;
}

void Histogram::Scale(double factor) {
  if (!(factor >= 0.0)) return;
  for (int b = min_bucket_; b <= max_bucket_; ++b) bucket_weight_[b] *= factor;
  total_weight_ *= factor;
  UpdateMinAndMaxBucket();
}

double Histogram::Percentile(double percentile) const {
  if (IsEmpty()) return 0.0;
  double partial_sum = 0.0;
  double threshold = percentile * total_weight_;
  int bucket = min_bucket_;
  for (; bucket < max_bucket_; ++bucket) {
    partial_sum += bucket_weight_[bucket];
    if (partial_sum >= threshold) break;
  }
  if (bucket < options_->NumBuckets() - 1) return options_->GetBucketStart(bucket + 1);
  return options_->GetBucketStart(bucket);  // the last bucket has no upper end
}

bool Histogram::IsEmpty() const { return bucket_weight_[min_bucket_] < options_->Epsilon(); }

bool Histogram::Equals(const Histogram& other) const {
  if (options_ != other.options_ || min_bucket_ != other.min_bucket_ || max_bucket_ != other.max_bucket_) return false;
  for (int b = min_bucket_; b <= max_bucket_; ++b) {
    double diff = bucket_weight_[b] - other.bucket_weight_[b];
    if (diff > 1e-15 || diff < -1e-15) return false;
  }
  return true;
}

void Histogram::UpdateMinAndMaxBucket() {
  const double epsilon = options_->Epsilon();
  const int last = options_->NumBuckets() - 1;
  while (bucket_weight_[min_bucket_] < epsilon && min_bucket_ < last) ++min_bucket_;
  while (bucket_weight_[max_bucket_] < epsilon && max_bucket_ > 0) --max_bucket_;
}

}  // namespace podpilot::vpa
