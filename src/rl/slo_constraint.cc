#include "rl/slo_constraint.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace podpilot::rl {

StatusOr<SloConstraint> SloConstraint::Create(const SloConstraintOptions& o, double initial_weight) {
  if (!(o.target == 0 || (o.target > 0 && o.target < 1))) {
    return InvalidArgumentError(fmt::format("train: --slo-target {}: outside (0, 1) (0 = off)", o.target));
  }
  if (!(o.rate > 0 && o.rate <= 1)) return InvalidArgumentError(fmt::format("train: --slo-target-rate {}: outside (0, 1]", o.rate));
  if (!(o.min_weight > 0 && o.min_weight <= o.max_weight)) {
    return InvalidArgumentError(fmt::format("train: SLO weight bounds [{}, {}]: want 0 < min <= max", o.min_weight, o.max_weight));
  }
  if (o.target > 0 && !(initial_weight >= o.min_weight && initial_weight <= o.max_weight)) {
    return InvalidArgumentError(fmt::format("train: --slo-weight {}: with --slo-target it starts the multiplier, "
                                            "which must be within [{}, {}]",
                                            initial_weight, o.min_weight, o.max_weight));
  }
  return SloConstraint(o, initial_weight);
}

void SloConstraint::set_weight(double w) {
  weight_ = enabled() ? std::clamp(w, options_.min_weight, options_.max_weight) : w;
}

double SloConstraint::Update(double attainment) {
  if (!enabled() || !std::isfinite(attainment)) return weight_;
  const double violation = std::clamp((options_.target - attainment) / (1 - options_.target), -1.0, 1.0);
  weight_ = std::clamp(weight_ * std::exp(options_.rate * violation), options_.min_weight, options_.max_weight);
  return weight_;
}

}  // namespace podpilot::rl
