#include "policy/keda/keda_executor.h"

namespace podpilot::keda {

ScaleAction RequestScale(const ScaledObjectSpec& spec, ScaledObjectStatus& status, bool is_active,
                         bool is_error, int32_t current, Time now_s) {
  ScaleAction a;
  if (spec.paused) {
    a.note = "paused";
    return a;
  }
  const int32_t min = spec.min_replica_count.value_or(0);
  const bool idle_set = spec.idle_replica_count.has_value();
  if (is_active) {
    if ((idle_set && current < min) || current == 0) {
      a.set_replicas = min > 0 ? min : 1;  // scale from zero / idle
      status.last_active_time_s = now_s;
      a.note = "active: scaled from " + std::to_string(current) + " to " + std::to_string(*a.set_replicas);
    } else if (is_error) {
      a.note = "active with a failing trigger";
    } else {
      status.last_active_time_s = now_s;
      a.note = "active: the HPA scales between " + std::to_string(spec.HpaMinReplicas()) + " and " +
               std::to_string(spec.HpaMaxReplicas());
    }
    return a;
  }
  if (is_error && spec.fallback && spec.fallback->replicas != 0) {
    a.note = "trigger failing: the HPA applies the fallback";
    return a;
  }
  if (is_error) {
    a.note = "trigger failing, no fallback: not Ready";
    return a;
  }
  if ((idle_set && current > *spec.idle_replica_count) || (current > 0 && min == 0)) {
    const bool cooled = status.last_active_time_s
                            ? *status.last_active_time_s + spec.cooldown_period_s < now_s
                            : status.creation_time_s + spec.initial_cooldown_period_s < now_s;
    if (cooled) {
      a.set_replicas = idle_set ? *spec.idle_replica_count : min;
      a.note = "inactive past the cooldown: scaled to " + std::to_string(*a.set_replicas);
    } else {
      a.note = "ScalerCooldown";
    }
    return a;
  }
  if (!idle_set && current < min) {
    a.set_replicas = min;
    a.note = "inactive: raised to minReplicaCount " + std::to_string(min);
    return a;
  }
  a.note = "inactive";
  return a;
}

}  // namespace podpilot::keda
