// SloConstraint: a Lagrangian multiplier on SLO attainment for training, so that a policy is
// trained to *meet* an attainment target at the lowest cost instead of trading SLO for cost at a
// fixed exchange rate (the reward's slo weight).
//
// The reward is -cost - lambda * (SLO shortfall) - churn; after every update the driver reports the
// attainment of that update's rollout, and lambda moves by dual ascent in log space:
//
//   lambda <- clamp(lambda * exp(rate * clamp((target - attainment) / (1 - target), -1, 1)),
//                   min_weight, max_weight)
//
// i.e. up when the rollout missed the target, down when it beat it, by at most a factor e^rate per
// update, and it stands still where attainment equals the target. Normalising the violation by the
// allowed shortfall (1 - target) makes `rate` mean the same for a 99 % and a 99.9 % target.
//
// Thread-safety: a value type; no shared state.
#pragma once

#include "common/status.h"

namespace podpilot::rl {

struct SloConstraintOptions {
  double target = 0;        // attainment to reach, in (0, 1); 0 = off (the weight stays put)
  double rate = 0.05;       // log-step per update at full violation, (0, 1]
  double min_weight = 0.1;
  double max_weight = 1e4;
};

class SloConstraint {
 public:
  // InvalidArgument naming the option when one is out of range, or when the initial weight lies
  // outside [min_weight, max_weight] while the constraint is on.
  static StatusOr<SloConstraint> Create(const SloConstraintOptions& options, double initial_weight);

  bool enabled() const { return options_.target > 0; }
  double weight() const { return weight_; }
  // Restores a weight saved in a checkpoint (clamped to the bounds when enabled).
  void set_weight(double w);
  // Feeds one rollout's attainment; returns the weight for the next rollout.
  double Update(double attainment);

 private:
  SloConstraint(const SloConstraintOptions& o, double w) : options_(o), weight_(w) {}
  SloConstraintOptions options_;
  double weight_;
};

}  // namespace podpilot::rl
