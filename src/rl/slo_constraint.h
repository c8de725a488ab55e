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

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "rl/train_env.h"

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

// SloConstraints: the multipliers of one training run, by scope:
//   "run"       one multiplier, moved by the attainment of all of a rollout's requests pooled;
//   "workload"  one per TRAIN workload, each moved by that workload's requests only, so that one
//               hard day (a spike no replica count absorbs at once) does not raise the price of the
//               SLO on every other day. The policy does not see which workload it runs: it learns
//               the cheapest behaviour that meets the target on each kind of day it can tell apart.
// Disabled (target 0) it keeps every weight at the initial one.
//
// Thread-safety: a value type; no shared state.
class SloConstraints {
 public:
  // InvalidArgument naming the option for a bad scope (SloConstraint::Create for the rest).
  static StatusOr<SloConstraints> Create(const SloConstraintOptions& options, const std::string& scope,
                                         double initial_weight, int num_workloads);

  bool enabled() const { return constraints_[0].enabled(); }
  bool per_workload() const { return per_workload_; }
  // Workload k's current weight.
  double weight(int k) const { return constraints_[per_workload_ ? k : 0].weight(); }

  // Learning-curve columns: rollout_slo, slo_weight (all requests; the weights' geometric mean),
  // then per workload rollout_slo_wK, slo_weight_wK when per workload. Columns() gives the row
  // values for a rollout (as TrainEnvs::TakeRequestTotals gives it) before Update.
  std::vector<std::string> ColumnNames() const;
  std::vector<double> Columns(const TrainEnvs::RolloutTotals& rollout) const;
  std::string Summary(const TrainEnvs::RolloutTotals& rollout) const;

  // Feeds one rollout's totals (by_workload of size num_workloads).
  void Update(const TrainEnvs::RolloutTotals& rollout);
  // Sets every workload's weight in `envs`.
  void Apply(TrainEnvs* envs) const;

  // Checkpoint state: keys slo_weight (workload 0's, as before scopes existed) and slo_weights.
  // Restore accepts either (a missing key leaves `initial_weight`).
  void Save(nlohmann::json* state) const;
  void Restore(const nlohmann::json& state, double initial_weight);

 private:
  SloConstraints(std::vector<SloConstraint> c, bool per_workload, int n)
      : constraints_(std::move(c)), per_workload_(per_workload), num_workloads_(n) {}
  std::vector<SloConstraint> constraints_;  // 1, or one per workload
  bool per_workload_;
  int num_workloads_;
};

}  // namespace podpilot::rl
