#include "policy/vpa/histogram_options.h"

#include <cmath>
#include <string>

namespace podpilot::vpa {
namespace {

// log of x in `base`, computed as upstream does (ln x / ln base) so bucket edges match bit for bit.
double LogBase(double base, double x) { return std::log(x) / std::log(base); }

class LinearHistogramOptions final : public HistogramOptions {
 public:
  LinearHistogramOptions(int num_buckets, double bucket_size, double epsilon)
      : num_buckets_(num_buckets), bucket_size_(bucket_size), epsilon_(epsilon) {}
  int NumBuckets() const override { return num_buckets_; }
  int FindBucket(double value) const override {
    // Go's int() truncates toward zero; negative values land in bucket 0 either way.
    double b = value / bucket_size_;
    if (!(b >= 0)) return 0;  // also NaN
    if (b >= num_buckets_) return num_buckets_ - 1;
    return static_cast<int>(b);
  }
  double GetBucketStart(int bucket) const override { return bucket * bucket_size_; }
  double Epsilon() const override { return epsilon_; }

 private:
  int num_buckets_;
  double bucket_size_;
  double epsilon_;
};

class ExponentialHistogramOptions final : public HistogramOptions {
 public:
  ExponentialHistogramOptions(int num_buckets, double first, double ratio, double epsilon)
      : num_buckets_(num_buckets), first_(first), ratio_(ratio), epsilon_(epsilon) {}
  int NumBuckets() const override { return num_buckets_; }
  int FindBucket(double value) const override {
    if (!(value >= first_)) return 0;  // below the first bucket's end, or NaN
    double b = LogBase(ratio_, value * (ratio_ - 1) / first_ + 1);
    if (b >= num_buckets_) return num_buckets_ - 1;
    return static_cast<int>(b);
  }
  double GetBucketStart(int bucket) const override {
    if (bucket == 0) return 0.0;
    return first_ * (std::pow(ratio_, bucket) - 1) / (ratio_ - 1);
  }
  double Epsilon() const override { return epsilon_; }

 private:
  int num_buckets_;
  double first_;
  double ratio_;
  double epsilon_;
};

constexpr double kMinSampleWeight = 0.1;
constexpr double kEpsilon = 0.001 * kMinSampleWeight;

}  // namespace

StatusOr<std::shared_ptr<const HistogramOptions>> NewLinearHistogramOptions(double max_value,
                                                                            double bucket_size,
                                                                            double epsilon) {
  if (!(max_value > 0) || !(bucket_size > 0) || !(epsilon > 0)) {
    return InvalidArgumentError("linear histogram options: max_value (" + std::to_string(max_value) +
                                "), bucket_size (" + std::to_string(bucket_size) + ") and epsilon (" +
                                std::to_string(epsilon) + ") must all be > 0");
  }
  int n = static_cast<int>(std::ceil(max_value / bucket_size)) + 1;
  return std::shared_ptr<const HistogramOptions>(
      std::make_shared<LinearHistogramOptions>(n, bucket_size, epsilon));
}

StatusOr<std::shared_ptr<const HistogramOptions>> NewExponentialHistogramOptions(
    double max_value, double first_bucket_size, double ratio, double epsilon) {
  if (!(max_value > 0) || !(first_bucket_size > 0) || !(ratio > 1) || !(epsilon > 0)) {
    return InvalidArgumentError(
        "exponential histogram options: need max_value > 0, first_bucket_size > 0, ratio > 1, "
        "epsilon > 0; got max_value=" + std::to_string(max_value) + ", first_bucket_size=" +
        std::to_string(first_bucket_size) + ", ratio=" + std::to_string(ratio) +
        ", epsilon=" + std::to_string(epsilon));
  }
  int n = static_cast<int>(std::ceil(LogBase(ratio, max_value * (ratio - 1) / first_bucket_size + 1))) + 1;
  return std::shared_ptr<const HistogramOptions>(
      std::make_shared<ExponentialHistogramOptions>(n, first_bucket_size, ratio, epsilon));
}

std::shared_ptr<const HistogramOptions> CpuHistogramOptions() {
  static const auto options = *NewExponentialHistogramOptions(1000.0, 0.01, 1.05, kEpsilon);
  return options;
}

std::shared_ptr<const HistogramOptions> MemoryHistogramOptions() {
  static const auto options = *NewExponentialHistogramOptions(1e12, 1e7, 1.05, kEpsilon);
  return options;
}

}  // namespace podpilot::vpa
