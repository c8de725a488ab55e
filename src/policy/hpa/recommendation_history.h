// State the HPA controller remembers per HPA key between reconciles (baselines.md 1.2):
// unstabilized recommendations and, on the behavior path only, scale events.
//
// Free functions over a KeyHistory value; the controller owns one KeyHistory per key. Not
// thread-safe (the owner serialises access).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "policy/hpa/hpa_types.h"

namespace podpilot::hpa {

struct TimestampedRecommendation {
  int32_t replicas = 0;
  Time timestamp = 0;
};

struct TimestampedScaleEvent {
  int32_t replica_change = 0;  // absolute value, >= 0
  Time timestamp = 0;
  bool outdated = false;       // sticky: set once the event fell out of the longest policy period
};

struct KeyHistory {
  std::vector<TimestampedRecommendation> recommendations;
  std::vector<TimestampedScaleEvent> scale_up_events;
  std::vector<TimestampedScaleEvent> scale_down_events;
  bool scaled_to_zero = false;  // the ScaledToZero condition (alpha scale-to-zero only)
};

// recordInitialRecommendation: seeds the list with (current, now) when it is empty. The list
// never shrinks afterwards (slots are reused), so "empty" is "first reconcile of the key".
void RecordInitialRecommendation(KeyHistory& history, int32_t current_replicas, Time now);

// Σ replicaChange of the events with timestamp strictly after now - period.
int32_t ReplicasChangePerPeriod(int32_t period_seconds,
                                const std::vector<TimestampedScaleEvent>& events, Time now);

// The longest periodSeconds among the rules' policies (0 if none).
int32_t LongestPolicyPeriod(const ScalingRules& rules);

// Marks every event older than now - longest_period (strictly) as outdated.
void MarkScaleEventsOutdated(std::vector<TimestampedScaleEvent>& events, int32_t longest_period,
                             Time now);

// storeScaleEvent: after a successful rescale from `prev` to `next`, records |next - prev| in the
// up or down list, overwriting the last outdated slot or appending. A no-op when `behavior` is
// nil (the legacy path keeps no events). `behavior` must be defaulted (both directions set).
void StoreScaleEvent(KeyHistory& history, const std::optional<Behavior>& behavior, int32_t prev,
                     int32_t next, Time now);

}  // namespace podpilot::hpa
