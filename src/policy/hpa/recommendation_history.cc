#include "policy/hpa/recommendation_history.h"

#include <algorithm>

namespace podpilot::hpa {

void RecordInitialRecommendation(KeyHistory& history, int32_t current_replicas, Time now) {
  if (history.recommendations.empty()) history.recommendations.push_back({current_replicas, now});
}

int32_t ReplicasChangePerPeriod(int32_t period_seconds,
                                const std::vector<TimestampedScaleEvent>& events, Time now) {
  const Time cutoff = now - static_cast<double>(period_seconds);
  int32_t replicas = 0;
  for (const auto& e : events) {
    if (e.timestamp > cutoff) replicas += e.replica_change;  // Go's After: strict
  }
  return replicas;
}

int32_t LongestPolicyPeriod(const ScalingRules& rules) {
  int32_t longest = 0;
  if (!rules.policies) return longest;
  for (const auto& p : *rules.policies) longest = std::max(longest, p.period_seconds);
  return longest;
}

void MarkScaleEventsOutdated(std::vector<TimestampedScaleEvent>& events, int32_t longest_period,
                             Time now) {
  const Time cutoff = now - static_cast<double>(longest_period);
  for (auto& e : events) {
    if (e.timestamp < cutoff) e.outdated = true;  // Go's Before: strict
  }
}

void StoreScaleEvent(KeyHistory& history, const std::optional<Behavior>& behavior, int32_t prev,
                     int32_t next, Time now) {
  if (!behavior.has_value()) return;  // the legacy path never reads events
  const bool up = next > prev;
  const std::optional<ScalingRules>& rules = up ? behavior->scale_up : behavior->scale_down;
  std::vector<TimestampedScaleEvent>& events = up ? history.scale_up_events : history.scale_down_events;
  const int32_t longest = rules ? LongestPolicyPeriod(*rules) : 0;
  MarkScaleEventsOutdated(events, longest, now);
  const TimestampedScaleEvent event{up ? next - prev : prev - next, now, false};
  std::optional<size_t> old_index;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].outdated) old_index = i;  // the last outdated slot wins
  }
  if (old_index) {
    events[*old_index] = event;
  } else {
    events.push_back(event);
  }
}

}  // namespace podpilot::hpa
