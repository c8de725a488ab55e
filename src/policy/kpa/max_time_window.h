// MaxTimeWindow: the sliding maximum behind the KPA's scale-down delay (Knative
// pkg/autoscaler/aggregation/max/window.go and timewindow.go, baselines.md 3.3).
//
// Values are recorded into slots of `granularity_s` (slot = floor(unix seconds) / granularity);
// Current() is the maximum over the last ceil(duration / granularity) slots, an entry leaving once
// slot - entry slot >= that count. Two records in the same slot keep the larger. Implemented, as
// upstream, with a descending-maxima deque: O(1) amortised per record.
// Value type; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>

namespace podpilot::kpa {

class MaxTimeWindow {
 public:
  MaxTimeWindow(double duration_s, double granularity_s);
  void Record(double now_s, double value);
  // The maximum of the window; 0 before the first record.
  double Current() const { return maxima_.empty() ? 0.0 : maxima_.front().value; }
  int64_t slots() const { return slots_; }

 private:
  struct Entry {
    int64_t index;
    double value;
  };
  int64_t slots_;
  int64_t granularity_s_;
  std::deque<Entry> maxima_;  // indexes ascending, values strictly descending
};

}  // namespace podpilot::kpa
