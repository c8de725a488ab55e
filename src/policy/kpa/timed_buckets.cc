#include "policy/kpa/timed_buckets.h"

#include <algorithm>
#include <cmath>

namespace podpilot::kpa {
namespace {

// Go's zero time is ~63e9 s before the epoch; any value far before every real time works.
constexpr int64_t kNever = -(int64_t{1} << 50);

double FloorTo6Digits(double x) { return std::floor(x * 1e6) / 1e6; }

}  // namespace

TimedBuckets::TimedBuckets(int64_t window_s, int64_t granularity_s)
    : buckets_(static_cast<size_t>((window_s + granularity_s - 1) / granularity_s), 0.0),
      granularity_(granularity_s),
      window_(window_s),
      last_write_(kNever) {}

int64_t TimedBuckets::Truncate(double t) const {
  int64_t s = static_cast<int64_t>(std::floor(t));
  return s - ((s % granularity_) + granularity_) % granularity_;
}

void TimedBuckets::Record(double now_s, double value) {
  const int64_t bucket_time = Truncate(now_s);
  const int64_t write_idx = TimeToIndex(bucket_time);
  const int64_t n = static_cast<int64_t>(buckets_.size());
  if (last_write_ != bucket_time) {
    if (bucket_time + window_ <= last_write_) return;  // more than a window old: ignored
    if (!first_write_ || *first_write_ > bucket_time) first_write_ = bucket_time;
    if (bucket_time > last_write_) {
      if (bucket_time - last_write_ >= window_) {
        // No writes for a whole window: start over.
        first_write_ = bucket_time;
        std::fill(buckets_.begin(), buckets_.end(), 0.0);
        window_total_ = 0.0;
      } else {
        // Zero the buckets skipped since the last write (and the one being written).
        for (int64_t i = TimeToIndex(last_write_) + 1; i <= write_idx; ++i) {
          double& b = buckets_[static_cast<size_t>(i % n)];
          window_total_ -= b;
          b = 0.0;
        }
      }
      last_write_ = bucket_time;
    }
  }
  buckets_[static_cast<size_t>(write_idx % n)] += value;
  window_total_ += value;
}

bool TimedBuckets::IsEmpty(double now_s) const { return Truncate(now_s) - last_write_ > window_; }

double TimedBuckets::WindowAverage(double now_s) const {
  const int64_t now = Truncate(now_s);
  if (now - last_write_ > window_ || !first_write_) return 0.0;
  const int64_t n = static_cast<int64_t>(buckets_.size());
  const int64_t written = (last_write_ - *first_write_) / granularity_ + 1;  // inclusive
  const int64_t d = now - last_write_;
  if (d <= 0) {
    return FloorTo6Digits(window_total_ / static_cast<double>(std::min(written, n)));
  }
  if (d < window_) {
    const int64_t st = TimeToIndex(last_write_);
    const int64_t e = TimeToIndex(now);
    double total = window_total_;
    for (int64_t i = st + 1; i <= e; ++i) total -= buckets_[static_cast<size_t>(i % n)];
    return FloorTo6Digits(total / static_cast<double>(std::min(written, n - (e - st))));
  }
  return 0.0;
}

}  // namespace podpilot::kpa
