// Safety rails: whatever a policy proposes, the replicas the operator writes stay within the
// target's [min, max] and move no faster than the autoscaler's rate limits (pods per rolling
// minute, per direction). Applied after every policy, the HPA fallback included.
//
// Not thread-safe: one ScaleHistory per target, used by the worker reconciling its autoscaler.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "operator/autoscaler_spec.h"

namespace podpilot::op {

// Scale changes written for one target, to enforce per-minute limits.
class ScaleHistory {
 public:
  // Records a change of `delta` replicas (positive up, negative down) written at `now_s`.
  void Record(double now_s, int delta);
  // Pods added (up) or removed (down) within (now_s - 60, now_s].
  int ScaledUpWithinMinute(double now_s) const;
  int ScaledDownWithinMinute(double now_s) const;

 private:
  void Prune(double now_s) const;
  mutable std::deque<std::pair<double, int>> changes_;
};

struct RailsResult {
  int replicas = 0;
  std::vector<std::string> rails;  // which rails changed the proposal: "min", "max", "rate"
  std::string note;                // human-readable, for the decision's reason
};

// The replicas to write for a target now at `current` when the policy proposes `proposed`.
// Bounds first (a proposal outside [min, max] is clamped), then the rate limits (a move the
// limits do not allow is cut to what they still allow this minute; 0 limits mean none).
RailsResult ApplyRails(int current, int proposed, const TargetRef& target, const RateLimits& limits,
                       const ScaleHistory& history, double now_s);

}  // namespace podpilot::op
