#include "policy/learned/actions.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "policy/hpa/hpa_rule.h"
#include "policy/hpa/normalization_legacy.h"

namespace podpilot::learned {
namespace {

using nlohmann::json;

Status CheckCommon(int num_targets, size_t choices) {
  if (num_targets < 1 || num_targets > 1000) {
    return InvalidArgumentError(fmt::format("actions: num_targets must be in [1, 1000], got {}", num_targets));
  }
  if (choices < 1 || choices > static_cast<size_t>(kMaxActionChoices)) {
    return InvalidArgumentError(fmt::format("actions: need 1 to {} choices per target, got {}", kMaxActionChoices, choices));
  }
  return Status::Ok();
}

}  // namespace

const char* ActionModeName(ActionMode mode) { return mode == ActionMode::kDelta ? "delta" : "setpoint"; }

StatusOr<ActionLayout> MakeDeltaActions(int num_targets, std::vector<int> deltas) {
  PP_RETURN_IF_ERROR(CheckCommon(num_targets, deltas.size()));
  std::set<int> seen;
  for (int d : deltas) {
    if (d < -1000 || d > 1000) return InvalidArgumentError(fmt::format("actions: delta {} is outside [-1000, 1000]", d));
    if (!seen.insert(d).second) return InvalidArgumentError(fmt::format("actions: delta {} appears twice", d));
  }
  ActionLayout l;
  l.mode = ActionMode::kDelta;
  l.num_targets = num_targets;
  l.deltas = std::move(deltas);
  return l;
}

StatusOr<ActionLayout> MakeSetpointActions(int num_targets, std::vector<double> setpoints, double tolerance,
                                           double scale_down_window_s) {
  PP_RETURN_IF_ERROR(CheckCommon(num_targets, setpoints.size()));
  std::set<double> seen;
  for (double s : setpoints) {
    if (!(s > 0 && s <= 10)) {
      return InvalidArgumentError(fmt::format("actions: setpoint {} is outside (0, 10] (a CPU utilisation, 0.5 = 50%)", s));
    }
    if (!seen.insert(s).second) return InvalidArgumentError(fmt::format("actions: setpoint {} appears twice", s));
  }
  if (!(tolerance >= 0 && tolerance < 1)) {
    return InvalidArgumentError(fmt::format("actions: tolerance must be in [0, 1), got {}", tolerance));
  }
  if (!(scale_down_window_s >= 0 && scale_down_window_s <= kMaxScaleDownWindowS)) {
    return InvalidArgumentError(fmt::format("actions: scale_down_window_s must be in [0, {}] seconds, got {}",
                                            kMaxScaleDownWindowS, scale_down_window_s));
  }
  ActionLayout l;
  l.mode = ActionMode::kSetpoint;
  l.num_targets = num_targets;
  l.setpoints = std::move(setpoints);
  l.tolerance = tolerance;
  l.scale_down_window_s = scale_down_window_s;
  return l;
}

std::string ActionLayoutToJson(const ActionLayout& l) {
  json j = {{"mode", ActionModeName(l.mode)}, {"num_targets", l.num_targets}};
  if (l.mode == ActionMode::kDelta) {
    j["deltas"] = l.deltas;
  } else {
    j["setpoints"] = l.setpoints;
    j["tolerance"] = l.tolerance;
    // Only when set, so layouts without it read and write exactly as before the key existed.
    if (l.scale_down_window_s > 0) j["scale_down_window_s"] = l.scale_down_window_s;
  }
  return j.dump();
}

StatusOr<ActionLayout> ActionLayoutFromJson(const std::string& text, const std::string& where) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& what) { return InvalidArgumentError(where + ": action layout: " + what); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("mode") || !j["mode"].is_string()) return bad("missing string field 'mode' (delta|setpoint)");
  if (!j.contains("num_targets") || !j["num_targets"].is_number_integer()) return bad("missing integer field 'num_targets'");
  const std::string mode = j["mode"].get<std::string>();
  const int n = j["num_targets"].get<int>();
  StatusOr<ActionLayout> l = bad("unknown mode '" + mode + "' (known: delta, setpoint)");
  if (mode == "delta") {
    if (!j.contains("deltas") || !j["deltas"].is_array()) return bad("delta mode needs an array 'deltas'");
    std::vector<int> deltas;
    for (const json& d : j["deltas"]) {
      if (!d.is_number_integer()) return bad("deltas holds a non-integer: " + d.dump());
      deltas.push_back(d.get<int>());
    }
    l = MakeDeltaActions(n, std::move(deltas));
  } else if (mode == "setpoint") {
    if (!j.contains("setpoints") || !j["setpoints"].is_array()) return bad("setpoint mode needs an array 'setpoints'");
    std::vector<double> setpoints;
    for (const json& s : j["setpoints"]) {
      if (!s.is_number()) return bad("setpoints holds a non-number: " + s.dump());
      setpoints.push_back(s.get<double>());
    }
    double tolerance = 0.1;
    if (j.contains("tolerance")) {
      if (!j["tolerance"].is_number()) return bad("tolerance is not a number: " + j["tolerance"].dump());
      tolerance = j["tolerance"].get<double>();
    }
    double window = 0;
    if (j.contains("scale_down_window_s")) {
      if (!j["scale_down_window_s"].is_number()) {
        return bad("scale_down_window_s is not a number: " + j["scale_down_window_s"].dump());
      }
      window = j["scale_down_window_s"].get<double>();
    }
    l = MakeSetpointActions(n, std::move(setpoints), tolerance, window);
  }
  if (!l.ok()) return l.status().WithPrefix(where);
  return l;
}

std::string DescribeChoice(const ActionLayout& l, int index) {
  if (l.mode == ActionMode::kDelta) {
    const int d = l.deltas[static_cast<size_t>(index)];
    return d > 0 ? fmt::format("+{}", d) : fmt::format("{}", d);
  }
  return fmt::format("cpu {:g}%", l.setpoints[static_cast<size_t>(index)] * 100);
}

int HpaRuleReplicas(const TargetObservation& t, double target_utilization, double tolerance) {
  int desired = t.replicas_spec;
  if (t.replicas_ready > 0 || t.cpu_utilization > 0) {
    hpa::Tolerances tol;
    tol.scale_down = tol.scale_up = tolerance;
    auto r = hpa::PlainHpaRule(t.replicas_spec, t.cpu_utilization, target_utilization, tol);
    if (r.ok()) desired = *r;  // errors (negative or NaN usage, negative spec) keep the target as it is
  }
  return std::clamp(desired, t.min_replicas, std::max(t.min_replicas, t.max_replicas));
}

int ReplicasForChoice(const ActionLayout& l, const TargetObservation& t, int index) {
  if (l.mode == ActionMode::kSetpoint) return HpaRuleReplicas(t, l.setpoints[static_cast<size_t>(index)], l.tolerance);
  const int64_t desired = static_cast<int64_t>(t.replicas_spec) + l.deltas[static_cast<size_t>(index)];
  return static_cast<int>(std::clamp<int64_t>(desired, t.min_replicas, std::max(t.min_replicas, t.max_replicas)));
}

int ScaleDownHistory::Stabilize(size_t target, int current_replicas, int proposal, double window_s, double now) {
  if (per_target_.size() <= target) per_target_.resize(target + 1);
  auto& recommendations = per_target_[target];
  if (recommendations.empty()) recommendations.push_back({current_replicas, now});
  return hpa::StabilizeRecommendation(recommendations, proposal, window_s, now);
}

Status ApplyActions(const ActionLayout& l, const Observation& obs, const int32_t* actions, Decision* decision,
                    ScaleDownHistory* history) {
  const bool stabilise = l.mode == ActionMode::kSetpoint && l.scale_down_window_s > 0;
  if (stabilise && history == nullptr) {
    return InvalidArgumentError("actions: the layout has a scale-down window but no recommendation history was given");
  }
  if (static_cast<int>(obs.targets.size()) != l.num_targets) {
    return InvalidArgumentError(fmt::format("actions: the observation has {} targets but the action layout {}",
                                            obs.targets.size(), l.num_targets));
  }
  for (int i = 0; i < l.num_targets; ++i) {
    if (actions[i] < 0 || actions[i] >= l.choices()) {
      return InvalidArgumentError(fmt::format("actions: index {} for target {} ('{}') is outside [0, {})", actions[i], i,
                                              obs.targets[static_cast<size_t>(i)].name, l.choices()));
    }
  }
  decision->targets.assign(obs.targets.size(), TargetDecision{});
  for (int i = 0; i < l.num_targets; ++i) {
    const TargetObservation& t = obs.targets[static_cast<size_t>(i)];
    int want = ReplicasForChoice(l, t, actions[i]);
    if (stabilise) {
      want = history->Stabilize(static_cast<size_t>(i), t.replicas_spec, want, l.scale_down_window_s, obs.time_s);
      want = std::clamp(want, t.min_replicas, std::max(t.min_replicas, t.max_replicas));  // bounds may have moved
    }
    if (want != t.replicas_spec) decision->targets[static_cast<size_t>(i)].replicas = want;
  }
  return Status::Ok();
}

}  // namespace podpilot::learned
