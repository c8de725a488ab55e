// KEDA's own scale loop for a ScaledObject (pkg/scaling/executor/scale_scaledobjects.go
// RequestScale, baselines.md 4.3), run every pollingInterval. It owns only the 0 <-> 1 (or idle
// <-> min) steps and the cooldown before going back to zero; between 1 and N replicas the
// generated HPA decides.
//
//   active:   from 0 (or below min while an idle count is set) -> min (or 1); lastActiveTime = now
//   inactive: above idle (or > 0 with min 0) -> idle / min once the cooldown since lastActiveTime
//             has passed (initialCooldownPeriod since creation if never active); below min -> min
//   errors:   with a fallback the HPA handles it; without one the object is not Ready.
//
// Pure function over the status it updates; `now` is a parameter. Thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "policy/keda/keda_types.h"

namespace podpilot::keda {

struct ScaleAction {
  std::optional<int32_t> set_replicas;  // write the scale target's replicas
  std::string note;                     // the condition / event KEDA would record
};

ScaleAction RequestScale(const ScaledObjectSpec& spec, ScaledObjectStatus& status, bool is_active,
                         bool is_error, int32_t current_replicas, Time now_s);

}  // namespace podpilot::keda
