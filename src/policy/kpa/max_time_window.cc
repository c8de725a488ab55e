#include "policy/kpa/max_time_window.h"

#include <algorithm>
#include <cmath>

namespace podpilot::kpa {

MaxTimeWindow::MaxTimeWindow(double duration_s, double granularity_s)
    : slots_(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(duration_s / granularity_s)))),
      granularity_s_(std::max<int64_t>(1, static_cast<int64_t>(granularity_s))) {}

void MaxTimeWindow::Record(double now_s, double value) {
  const int64_t index = static_cast<int64_t>(std::floor(now_s)) / granularity_s_;
  // Entries not above the new value can never be the maximum again.
  while (!maxima_.empty() && !(value < maxima_.back().value)) maxima_.pop_back();
  // Entries older than the window leave from the front.
  while (!maxima_.empty() && index - maxima_.front().index >= slots_) maxima_.pop_front();
  // Defensive, as upstream: a second record in the same slot keeps the larger value.
  if (!maxima_.empty() && maxima_.back().index == index) {
    value = std::max(value, maxima_.back().value);
    maxima_.pop_back();
  }
  maxima_.push_back({index, value});
}

}  // namespace podpilot::kpa
