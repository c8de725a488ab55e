// TimedBuckets: Knative's TimedFloat64Buckets (pkg/autoscaler/aggregation/bucketing.go,
// baselines.md 3.2) — a ring of per-second sums covering a window, and its window average.
//
// Record(t, v) adds v to the bucket of second floor(t) (several records in one second add up).
// Gaps between writes are zero-filled; a gap of a whole window resets the history, and the
// average is then taken over the buckets seen since the first write, not the whole window, so the
// metric does not start diluted. WindowAverage(now) also ignores the buckets between the last write
// and now (at most one window), and is floored to 6 decimals as upstream.
//
// Time is seconds on any fixed axis; only whole seconds matter. Value type; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace podpilot::kpa {

class TimedBuckets {
 public:
  // window_s / granularity_s buckets (rounded up); both in whole seconds, granularity >= 1.
  TimedBuckets(int64_t window_s, int64_t granularity_s = 1);

  void Record(double now_s, double value);
  // Average over the valid part of the window at `now_s`; 0 if nothing was written within it.
  double WindowAverage(double now_s) const;
  // True if nothing was recorded during the last window (now - last write > window).
  bool IsEmpty(double now_s) const;

  int64_t window_s() const { return window_; }
  size_t num_buckets() const { return buckets_.size(); }

 private:
  int64_t Truncate(double t) const;
  int64_t TimeToIndex(int64_t t) const { return t / granularity_; }

  std::vector<double> buckets_;
  int64_t granularity_;
  int64_t window_;
  std::optional<int64_t> first_write_;
  int64_t last_write_;  // far in the past until the first write (Go's zero time)
  double window_total_ = 0.0;
};

}  // namespace podpilot::kpa
