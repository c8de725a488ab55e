// Action spaces of learned policies and their mapping to a Decision.
//
// Both modes are multi-discrete: one head per target, each choosing an index in [0, n).
//
//   delta     index k changes the target's replicas by deltas[k] (e.g. {-2,-1,0,+1,+2}); the
//             result is clamped to the target's [min_replicas, max_replicas].
//   setpoint  index k picks a target CPU utilisation setpoints[k] (of the request, 0.5 = 50 %),
//             and the HPA rule turns it into replicas (hpa/hpa_rule.h, PlainHpaRule):
//                 ratio   = cpu_utilization / setpoint
//                 desired = replicas_spec                       if |ratio - 1| <= tolerance
//                         = ceil(replicas_spec * ratio)         otherwise
//             clamped to [min_replicas, max_replicas] (HpaRuleReplicas below).
//
// A target whose result equals its current replicas_spec gets TargetDecision::kKeep, so an action
// that changes nothing decides exactly what `static` does.
//
// JSON form (stored in model files):
//   {"mode":"delta","num_targets":2,"deltas":[-2,-1,0,1,2]}
//   {"mode":"setpoint","num_targets":2,"setpoints":[0.3,0.5,0.7,0.9],"tolerance":0.1}
//
// Thread-safety: ActionLayout is an immutable value; the functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/observation.h"

namespace podpilot::learned {

enum class ActionMode { kDelta, kSetpoint };
const char* ActionModeName(ActionMode mode);  // "delta" / "setpoint"

inline constexpr int kMaxActionChoices = 1000;

struct ActionLayout {
  ActionMode mode = ActionMode::kDelta;
  int num_targets = 0;
  std::vector<int> deltas;         // delta mode: replica change per choice
  std::vector<double> setpoints;   // setpoint mode: target CPU utilisation per choice, in (0, 10]
  double tolerance = 0.1;          // setpoint mode: the HPA's tolerance around ratio 1

  int choices() const { return static_cast<int>(mode == ActionMode::kDelta ? deltas.size() : setpoints.size()); }
  // Choices per head (the MultiDiscrete nvec): choices() for each of num_targets heads.
  std::vector<int> nvec() const { return std::vector<int>(static_cast<size_t>(num_targets), choices()); }
};

// Layouts with validation (InvalidArgument naming the value): num_targets in [1, 1000]; 1 to
// kMaxActionChoices choices; deltas distinct, within [-1000, 1000]; setpoints distinct, finite, in
// (0, 10]; tolerance in [0, 1).
StatusOr<ActionLayout> MakeDeltaActions(int num_targets, std::vector<int> deltas);
StatusOr<ActionLayout> MakeSetpointActions(int num_targets, std::vector<double> setpoints, double tolerance = 0.1);

std::string ActionLayoutToJson(const ActionLayout& layout);
// Parses and validates ActionLayoutToJson output; errors start with `where`.
StatusOr<ActionLayout> ActionLayoutFromJson(const std::string& text, const std::string& where);

// Human-readable meaning of choice `index` of a head: "+1", "-2", "0" (delta) or "cpu 50%".
std::string DescribeChoice(const ActionLayout& layout, int index);

// The HPA rule on CPU utilisation for one target, clamped to its [min, max]. The utilisation is
// a window average (metrics-server style), so it can still be reported for a target whose only
// pod crashed a moment ago; the rule applies whenever there is a measurement: a ready pod, or a
// utilisation > 0. With neither (nothing to measure yet) the target keeps its replicas, as do
// invalid inputs (negative or NaN utilisation). Shared by set-point actions and LearnedPolicy's
// fallback.
int HpaRuleReplicas(const TargetObservation& target, double target_utilization, double tolerance);

// Replicas that choice `index` asks for on `target` (already clamped to its [min, max]).
// Requires 0 <= index < layout.choices().
int ReplicasForChoice(const ActionLayout& layout, const TargetObservation& target, int index);

// Fills `decision->targets` (resized to obs.targets.size()) from one index per target.
// InvalidArgument (leaving *decision unchanged) if obs.targets.size() != layout.num_targets or an
// index lies outside [0, choices()). Does not touch decision->reason.
Status ApplyActions(const ActionLayout& layout, const Observation& obs, const int32_t* actions, Decision* decision);

}  // namespace podpilot::learned
