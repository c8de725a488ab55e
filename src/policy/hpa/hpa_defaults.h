// API defaulting and validation of an HPA spec (pkg/apis/autoscaling/v2/defaults.go and the
// validation rules the API server enforces), plus the per-HPA tolerances the controller derives.
//
// Pure functions; thread-safe.
#pragma once

#include "common/status.h"
#include "policy/hpa/hpa_types.h"

namespace podpilot::hpa {

inline constexpr int32_t kDefaultCpuUtilization = 80;  // autoscaling.DefaultCPUUtilization

// Default scale-up rules: window 0 s, select Max, policies [Pods 4 / 15 s, Percent 100 / 15 s].
ScalingRules DefaultScaleUpRules();
// Default scale-down rules: window unset (the controller fills in its flag), select Max,
// policies [Percent 100 / 15 s].
ScalingRules DefaultScaleDownRules();

// copyHPAScalingRules(from, defaults): every field set in `from` replaces the default.
ScalingRules GenerateScaleUpRules(const std::optional<ScalingRules>& from);
ScalingRules GenerateScaleDownRules(const std::optional<ScalingRules>& from);

// Applies API defaulting in place: an empty metric list becomes cpu Utilization 80 %; a non-nil
// behavior gets both directions filled with GenerateScale{Up,Down}Rules. minReplicas stays
// optional (the controller reads nil as 1). A nil behavior stays nil.
void SetDefaults(HpaSpec& spec);

// API-server validation of a defaulted spec: 1 <= min (0 only with the scale-to-zero gate and an
// Object or External metric), min <= max, targets > 0, policies with value > 0 and period in
// [1, 1800] s, windows in [0, 3600] s, tolerances >= 0. The message names the field and value.
Status ValidateHpaSpec(const HpaSpec& spec, const ControllerConfig& config);

// The tolerances one HPA uses: the controller flag in both directions, overridden per direction
// by behavior.scale{Up,Down}.tolerance when behavior is set and the gate is on.
Tolerances TolerancesFor(const HpaSpec& spec, const ControllerConfig& config);

}  // namespace podpilot::hpa
