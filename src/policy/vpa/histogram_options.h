// Bucket layouts of the VPA histograms (upstream util/histogram_options.go, baselines.md 2.3).
//
// A layout maps a value to a bucket index and a bucket index to the bucket's start. Two layouts
// exist: linear (fixed-size buckets from 0, used by upstream's tests) and exponential (bucket n
// has size first * ratio^n, used for production CPU and memory histograms).
// Immutable after construction; thread-safe.
#pragma once

#include <memory>

#include "common/status.h"

namespace podpilot::vpa {

class HistogramOptions {
 public:
  virtual ~HistogramOptions() = default;
  virtual int NumBuckets() const = 0;
  // Index of the bucket holding `value`; values outside the range map to the first or last bucket.
  virtual int FindBucket(double value) const = 0;
  // Start of bucket `bucket`; requires 0 <= bucket < NumBuckets().
  virtual double GetBucketStart(int bucket) const = 0;
  // Minimum weight for a bucket to count as non-empty.
  virtual double Epsilon() const = 0;
};

// numBuckets = ceil(max / bucket_size) + 1. Errors unless all arguments are > 0.
StatusOr<std::shared_ptr<const HistogramOptions>> NewLinearHistogramOptions(double max_value,
                                                                            double bucket_size,
                                                                            double epsilon);

// numBuckets = ceil(log_ratio(max * (ratio - 1) / first + 1)) + 1; start(n) = first *
// (ratio^n - 1) / (ratio - 1). Errors unless max, first, epsilon > 0 and ratio > 1.
StatusOr<std::shared_ptr<const HistogramOptions>> NewExponentialHistogramOptions(
    double max_value, double first_bucket_size, double ratio, double epsilon);

// Production layouts (model/aggregations_config.go): CPU 0.01 core .. 1000 cores, memory 1e7 ..
// 1e12 bytes, ratio 1.05, epsilon 0.001 x minSampleWeight (0.1) = 1e-4. Shared singletons.
std::shared_ptr<const HistogramOptions> CpuHistogramOptions();
std::shared_ptr<const HistogramOptions> MemoryHistogramOptions();

}  // namespace podpilot::vpa
