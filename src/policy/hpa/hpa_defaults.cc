#include "policy/hpa/hpa_defaults.h"

#include <cmath>

#include <fmt/format.h>

namespace podpilot::hpa {
namespace {

ScalingRules CopyRules(const std::optional<ScalingRules>& from, ScalingRules to) {
  if (!from.has_value()) return to;
  if (from->select_policy) to.select_policy = from->select_policy;
  if (from->stabilization_window_seconds) to.stabilization_window_seconds = from->stabilization_window_seconds;
  if (from->policies) to.policies = from->policies;
  if (from->tolerance) to.tolerance = from->tolerance;
  return to;
}

Status ValidateRules(const ScalingRules& rules, const char* direction) {
  if (rules.stabilization_window_seconds) {
    const int32_t w = *rules.stabilization_window_seconds;
    if (w < 0 || w > 3600) {
      return InvalidArgumentError(fmt::format(
          "behavior.{}.stabilizationWindowSeconds: must be in [0, 3600], got {}", direction, w));
    }
  }
  if (rules.policies) {
    if (rules.policies->empty()) {
      return InvalidArgumentError(
          fmt::format("behavior.{}.policies: must hold at least one policy", direction));
    }
    for (size_t i = 0; i < rules.policies->size(); ++i) {
      const ScalingPolicy& p = (*rules.policies)[i];
      if (p.value <= 0) {
        return InvalidArgumentError(fmt::format(
            "behavior.{}.policies[{}].value: must be greater than 0, got {}", direction, i, p.value));
      }
      if (p.period_seconds <= 0 || p.period_seconds > 1800) {
        return InvalidArgumentError(fmt::format(
            "behavior.{}.policies[{}].periodSeconds: must be in [1, 1800], got {}", direction, i,
            p.period_seconds));
      }
    }
  }
  if (rules.tolerance && !(*rules.tolerance >= 0.0 && std::isfinite(*rules.tolerance))) {
    return InvalidArgumentError(fmt::format(
        "behavior.{}.tolerance: must be a finite value >= 0, got {}", direction, *rules.tolerance));
  }
  return Status::Ok();
}

Status ValidateMetric(const MetricSpec& m, size_t i) {
  const MetricTarget& t = m.target;
  auto bad = [&](const std::string& what) {
    return InvalidArgumentError(fmt::format("metrics[{}].target: {}", i, what));
  };
  switch (m.type) {
    case MetricSourceType::kResource:
    case MetricSourceType::kContainerResource:
      if (m.type == MetricSourceType::kContainerResource && m.container.empty()) {
        return InvalidArgumentError(fmt::format("metrics[{}].containerResource.container: must be set", i));
      }
      if (t.type == MetricTargetType::kUtilization) {
        if (t.average_utilization <= 0) return bad(fmt::format("averageUtilization must be > 0, got {}", t.average_utilization));
      } else if (t.type == MetricTargetType::kAverageValue) {
        if (t.average_value_milli <= 0) return bad("averageValue must be > 0");
      } else {
        return bad("resource metrics need a Utilization or AverageValue target");
      }
      return Status::Ok();
    case MetricSourceType::kPods:
      if (m.metric_name.empty()) return InvalidArgumentError(fmt::format("metrics[{}].pods.metric.name: must be set", i));
      if (t.type != MetricTargetType::kAverageValue || t.average_value_milli <= 0) {
        return bad("pods metrics need an AverageValue target > 0");
      }
      return Status::Ok();
    case MetricSourceType::kObject:
    case MetricSourceType::kExternal:
      if (m.metric_name.empty()) return InvalidArgumentError(fmt::format("metrics[{}].metric.name: must be set", i));
      if (t.type == MetricTargetType::kValue) {
        if (t.value_milli <= 0) return bad("value must be > 0");
      } else if (t.type == MetricTargetType::kAverageValue) {
        if (t.average_value_milli <= 0) return bad("averageValue must be > 0");
      } else {
        return bad("object/external metrics need a Value or AverageValue target");
      }
      return Status::Ok();
    case MetricSourceType::kUnknown:
      return InvalidArgumentError(fmt::format("metrics[{}].type: unknown metric source type", i));
  }
  return Status::Ok();
}

}  // namespace

ScalingRules DefaultScaleUpRules() {
  ScalingRules r;
  r.stabilization_window_seconds = 0;
  r.select_policy = SelectPolicy::kMax;
  r.policies = std::vector<ScalingPolicy>{{PolicyType::kPods, 4, 15}, {PolicyType::kPercent, 100, 15}};
  return r;
}

ScalingRules DefaultScaleDownRules() {
  ScalingRules r;
  r.select_policy = SelectPolicy::kMax;
  r.policies = std::vector<ScalingPolicy>{{PolicyType::kPercent, 100, 15}};
  return r;
}

ScalingRules GenerateScaleUpRules(const std::optional<ScalingRules>& from) {
  return CopyRules(from, DefaultScaleUpRules());
}

ScalingRules GenerateScaleDownRules(const std::optional<ScalingRules>& from) {
  return CopyRules(from, DefaultScaleDownRules());
}

void SetDefaults(HpaSpec& spec) {
  if (spec.metrics.empty()) {
    MetricSpec cpu;
    cpu.type = MetricSourceType::kResource;
    cpu.resource = ResourceName::kCpu;
    cpu.target.type = MetricTargetType::kUtilization;
    cpu.target.average_utilization = kDefaultCpuUtilization;
    spec.metrics.push_back(cpu);
  }
  if (spec.behavior.has_value()) {
    spec.behavior->scale_up = GenerateScaleUpRules(spec.behavior->scale_up);
    spec.behavior->scale_down = GenerateScaleDownRules(spec.behavior->scale_down);
  }
}

Status ValidateHpaSpec(const HpaSpec& spec, const ControllerConfig& config) {
  const int32_t min = spec.min_replicas.value_or(1);
  bool has_object_or_external = false;
  for (const auto& m : spec.metrics) {
    has_object_or_external |= m.type == MetricSourceType::kObject || m.type == MetricSourceType::kExternal;
  }
  if (min == 0) {
    if (!config.scale_to_zero) {
      return InvalidArgumentError("minReplicas: must be >= 1 unless the HPAScaleToZero gate is on, got 0");
    }
    if (!has_object_or_external) {
      return InvalidArgumentError("minReplicas: 0 needs at least one Object or External metric");
    }
  } else if (min < 0) {
    return InvalidArgumentError(fmt::format("minReplicas: must be >= 1, got {}", min));
  }
  if (spec.max_replicas < 1) {
    return InvalidArgumentError(fmt::format("maxReplicas: must be >= 1, got {}", spec.max_replicas));
  }
  if (spec.max_replicas < min) {
    return InvalidArgumentError(fmt::format("maxReplicas: must be >= minReplicas ({}), got {}", min,
                                            spec.max_replicas));
  }
  if (spec.metrics.empty()) return InvalidArgumentError("metrics: must hold at least one metric");
  for (size_t i = 0; i < spec.metrics.size(); ++i) PP_RETURN_IF_ERROR(ValidateMetric(spec.metrics[i], i));
  if (spec.behavior) {
    if (spec.behavior->scale_up) PP_RETURN_IF_ERROR(ValidateRules(*spec.behavior->scale_up, "scaleUp"));
    if (spec.behavior->scale_down) PP_RETURN_IF_ERROR(ValidateRules(*spec.behavior->scale_down, "scaleDown"));
  }
  return Status::Ok();
}

Tolerances TolerancesFor(const HpaSpec& spec, const ControllerConfig& config) {
  Tolerances t{config.tolerance, config.tolerance};
  if (!spec.behavior || !config.configurable_tolerance) return t;
  if (spec.behavior->scale_down && spec.behavior->scale_down->tolerance) {
    t.scale_down = *spec.behavior->scale_down->tolerance;
  }
  if (spec.behavior->scale_up && spec.behavior->scale_up->tolerance) {
    t.scale_up = *spec.behavior->scale_up->tolerance;
  }
  return t;
}

}  // namespace podpilot::hpa
