#include "operator/safety_rails.h"

#include <algorithm>

#include <fmt/format.h>

namespace podpilot::op {

void ScaleHistory::Record(double now_s, int delta) {
  if (delta != 0) changes_.emplace_back(now_s, delta);
  Prune(now_s);
}

void ScaleHistory::Prune(double now_s) const {
  while (!changes_.empty() && changes_.front().first <= now_s - 60.0) changes_.pop_front();
}

int ScaleHistory::ScaledUpWithinMinute(double now_s) const {
  Prune(now_s);
  int sum = 0;
  for (const auto& [t, d] : changes_) sum += std::max(d, 0);
  return sum;
}

int ScaleHistory::ScaledDownWithinMinute(double now_s) const {
  Prune(now_s);
  int sum = 0;
  for (const auto& [t, d] : changes_) sum += std::max(-d, 0);
  return sum;
}

RailsResult ApplyRails(int current, int proposed, const TargetRef& target, const RateLimits& limits,
                       const ScaleHistory& history, double now_s) {
  RailsResult r;
  r.replicas = proposed;
  if (r.replicas > target.max_replicas) {
    r.replicas = target.max_replicas;
    r.rails.push_back("max");
    r.note = fmt::format("capped at maxReplicas {}", target.max_replicas);
  } else if (r.replicas < target.min_replicas) {
    r.replicas = target.min_replicas;
    r.rails.push_back("min");
    r.note = fmt::format("raised to minReplicas {}", target.min_replicas);
  }
  if (r.replicas > current && limits.max_scale_up_per_minute > 0) {
    const int allowed = std::max(0, limits.max_scale_up_per_minute - history.ScaledUpWithinMinute(now_s));
    if (r.replicas - current > allowed) {
      r.replicas = current + allowed;
      r.rails.push_back("rate");
      r.note += fmt::format("{}scale-up limited to {} pods/min", r.note.empty() ? "" : "; ", limits.max_scale_up_per_minute);
    }
  } else if (r.replicas < current && limits.max_scale_down_per_minute > 0) {
    const int allowed = std::max(0, limits.max_scale_down_per_minute - history.ScaledDownWithinMinute(now_s));
    if (current - r.replicas > allowed) {
      r.replicas = current - allowed;
      r.rails.push_back("rate");
      r.note += fmt::format("{}scale-down limited to {} pods/min", r.note.empty() ? "" : "; ", limits.max_scale_down_per_minute);
    }
  }
  return r;
}

}  // namespace podpilot::op
