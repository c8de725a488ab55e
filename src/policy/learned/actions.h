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
//             With scale_down_window_s > 0 the result is then stabilised as the HPA stabilises
//             scale-down (hpa/normalization_legacy.h StabilizeRecommendation): the target gets the
//             highest recommendation of the last scale_down_window_s seconds, so a setpoint that
//             drops for a moment does not remove pods at once. This needs memory per environment
//             (ScaleDownHistory); 0 (the default, and every model file without the key) keeps the
//             rule memoryless.
//
// A target whose result equals its current replicas_spec gets TargetDecision::kKeep, so an action
// that changes nothing decides exactly what `static` does.
//
// JSON form (stored in model files):
//   {"mode":"delta","num_targets":2,"deltas":[-2,-1,0,1,2]}
//   {"mode":"setpoint","num_targets":2,"setpoints":[0.3,0.5,0.7,0.9],"tolerance":0.1}
//   {"mode":"setpoint",...,"scale_down_window_s":300}     (the key is written only when > 0)
//
// Thread-safety: ActionLayout is an immutable value; the functions are pure apart from the
// ScaleDownHistory they are handed, which is not thread-safe (one per environment).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/hpa/recommendation_history.h"
#include "policy/observation.h"

namespace podpilot::learned {

enum class ActionMode { kDelta, kSetpoint };
const char* ActionModeName(ActionMode mode);  // "delta" / "setpoint"

inline constexpr int kMaxActionChoices = 1000;
inline constexpr double kMaxScaleDownWindowS = 3600;  // the HPA's own bound on stabilization windows

struct ActionLayout {
  ActionMode mode = ActionMode::kDelta;
  int num_targets = 0;
  std::vector<int> deltas;         // delta mode: replica change per choice
  std::vector<double> setpoints;   // setpoint mode: target CPU utilisation per choice, in (0, 10]
  double tolerance = 0.1;          // setpoint mode: the HPA's tolerance around ratio 1
  double scale_down_window_s = 0;  // setpoint mode: scale-down stabilisation window, [0, 3600] s

  int choices() const { return static_cast<int>(mode == ActionMode::kDelta ? deltas.size() : setpoints.size()); }
  // Choices per head (the MultiDiscrete nvec): choices() for each of num_targets heads.
  std::vector<int> nvec() const { return std::vector<int>(static_cast<size_t>(num_targets), choices()); }
};

// Layouts with validation (InvalidArgument naming the value): num_targets in [1, 1000]; 1 to
// kMaxActionChoices choices; deltas distinct, within [-1000, 1000]; setpoints distinct, finite, in
// (0, 10]; tolerance in [0, 1); scale_down_window_s finite, in [0, kMaxScaleDownWindowS].
StatusOr<ActionLayout> MakeDeltaActions(int num_targets, std::vector<int> deltas);
StatusOr<ActionLayout> MakeSetpointActions(int num_targets, std::vector<double> setpoints, double tolerance = 0.1,
                                           double scale_down_window_s = 0);

// The recommendations a setpoint layout with a scale-down window remembers, per target, for one
// environment. Reset() at every episode start (a fresh run has no past recommendations). The
// first recommendation after a reset is seeded, as the HPA seeds a new key, with the target's
// current replicas (hpa/recommendation_history.h RecordInitialRecommendation).
class ScaleDownHistory {
 public:
  void Reset() { per_target_.clear(); }

  // The highest of `proposal` and the target's recommendations not older than window_s before
  // `now`; records `proposal`. `target` is the target's index in the observation.
  int Stabilize(size_t target, int current_replicas, int proposal, double window_s, double now);

 private:
  std::vector<std::vector<hpa::TimestampedRecommendation>> per_target_;
};

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

// Fills `decision->targets` (resized to obs.targets.size()) from one index per target; with a
// scale-down window the replicas are stabilised through `history` at obs.time_s (see above).
// InvalidArgument (leaving *decision and *history unchanged) if obs.targets.size() !=
// layout.num_targets, an index lies outside [0, choices()), or the layout has a scale-down window
// and `history` is null. Does not touch decision->reason.
Status ApplyActions(const ActionLayout& layout, const Observation& obs, const int32_t* actions, Decision* decision,
                    ScaleDownHistory* history = nullptr);

}  // namespace podpilot::learned
