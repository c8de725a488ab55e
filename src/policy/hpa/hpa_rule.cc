#include "policy/hpa/hpa_rule.h"

#include <cmath>

#include <fmt/format.h>

#include "policy/hpa/usage_ratio.h"

namespace podpilot::hpa {

StatusOr<int32_t> PlainHpaRule(int32_t current_replicas, double usage, double target,
                               const Tolerances& tolerances) {
  if (current_replicas < 0) {
    return InvalidArgumentError(fmt::format("hpa rule: current replicas must be >= 0, got {}", current_replicas));
  }
  if (!(target > 0) || !std::isfinite(target)) {
    return InvalidArgumentError(fmt::format("hpa rule: target must be a finite value > 0, got {}", target));
  }
  if (!(usage >= 0) || !std::isfinite(usage)) {
    return InvalidArgumentError(fmt::format("hpa rule: usage must be a finite value >= 0, got {}", usage));
  }
  const double ratio = usage / target;
  if (tolerances.IsWithin(ratio)) return current_replicas;
  return CeilToInt32(static_cast<double>(current_replicas) * ratio);
}

}  // namespace podpilot::hpa
