// Histogram: a weighted, bucketed distribution (upstream util/histogram.go, baselines.md 2.3).
//
// Each bucket holds the total weight of the samples that fell into it; there is no interpolation.
// A bucket counts as empty when its weight is below the options' epsilon. Percentile(p) returns
// the END of the bucket where the cumulative weight first reaches p x total (the start of the last
// bucket, which has no end). The percentile is an upper estimate by construction: the VPA wants
// requests that cover the usage, not the midpoint of a bucket.
//
// Value type (copyable). Not thread-safe to mutate concurrently.
#pragma once

#include <memory>
#include <vector>

#include "policy/vpa/histogram_options.h"

namespace podpilot::vpa {

class Histogram {
 public:
  explicit Histogram(std::shared_ptr<const HistogramOptions> options);

  // Adds `weight` (>= 0; negative weights are ignored, upstream panics) to the bucket of `value`.
  void AddSample(double value, double weight);
  // Removes up to `weight` from the bucket of `value`; a bucket left within epsilon of zero becomes
  // exactly zero. The total may not go below what was added.
  void SubtractSample(double value, double weight);
  // Adds every bucket of `other`; both must share the same options object.
  void Merge(const Histogram& other);
  // Multiplies all weights by `factor` (>= 0); percentiles do not change.
  void Scale(double factor);

  // 0 if empty.
  double Percentile(double percentile) const;
  bool IsEmpty() const;
  // Same options object, same min/max bucket and bucket weights within 1e-15 (upstream Equals).
  bool Equals(const Histogram& other) const;

  double total_weight() const { return total_weight_; }
  double bucket_weight(int bucket) const { return bucket_weight_[bucket]; }
  int min_bucket() const { return min_bucket_; }
  int max_bucket() const { return max_bucket_; }
  const HistogramOptions& options() const { return *options_; }
  const std::shared_ptr<const HistogramOptions>& shared_options() const { return options_; }

 private:
  // Moves min/max bucket past buckets that became empty after an operation that lowered weights.
  void UpdateMinAndMaxBucket();

  std::shared_ptr<const HistogramOptions> options_;
  std::vector<double> bucket_weight_;
  double total_weight_ = 0.0;
  int min_bucket_;  // first non-empty bucket, or the last bucket when empty
  int max_bucket_;  // last non-empty bucket, or 0 when empty
};

}  // namespace podpilot::vpa
