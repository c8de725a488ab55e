#include "rl/slo_constraint.h"

#include <algorithm>
#include <cmath>

#include <fmt/ranges.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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

StatusOr<SloConstraints> SloConstraints::Create(const SloConstraintOptions& options, const std::string& scope,
                                                double initial_weight, int num_workloads) {
  if (scope != "run" && scope != "workload") {
    return InvalidArgumentError(fmt::format("train: --slo-target-scope '{}': want run or workload", scope));
  }
  if (num_workloads < 1) return InvalidArgumentError("train: SLO constraints without a workload");
  PP_ASSIGN_OR_RETURN(SloConstraint one, SloConstraint::Create(options, initial_weight));
  const bool per_workload = scope == "workload";
  return SloConstraints(std::vector<SloConstraint>(per_workload ? num_workloads : 1, one), per_workload, num_workloads);
}

std::vector<std::string> SloConstraints::ColumnNames() const {
  std::vector<std::string> names = {"rollout_slo", "slo_weight"};
  if (!per_workload_) return names;
  for (int k = 0; k < num_workloads_; ++k) {
    names.push_back(fmt::format("rollout_slo_w{}", k));
    names.push_back(fmt::format("slo_weight_w{}", k));
  }
  return names;
}

std::vector<double> SloConstraints::Columns(const TrainEnvs::RolloutTotals& rollout) const {
  double log_sum = 0;
  for (const auto& c : constraints_) log_sum += std::log(std::max(c.weight(), 1e-300));
  std::vector<double> row = {rollout.all.attainment(),
                             per_workload_ ? std::exp(log_sum / constraints_.size()) : constraints_[0].weight()};
  if (!per_workload_) return row;
  for (int k = 0; k < num_workloads_; ++k) {
    row.push_back(k < static_cast<int>(rollout.by_workload.size()) ? rollout.by_workload[k].attainment() : 1.0);
    row.push_back(constraints_[k].weight());
  }
  return row;
}

std::string SloConstraints::Summary(const TrainEnvs::RolloutTotals& rollout) const {
  const double all = rollout.all.attainment();
  if (!per_workload_) return fmt::format("rollout slo {:.4f}, slo weight {:.3g}", all, weight(0));
  std::vector<std::string> w;
  for (const auto& c : constraints_) w.push_back(fmt::format("{:.3g}", c.weight()));
  return fmt::format("rollout slo {:.4f}, slo weights {}", all, fmt::join(w, "/"));
}

void SloConstraints::Update(const TrainEnvs::RolloutTotals& rollout) {
  if (!per_workload_) {
    constraints_[0].Update(rollout.all.attainment());
    return;
  }
  // A workload without requests in this rollout (none in flight) gives no evidence: keep its weight.
  for (int k = 0; k < num_workloads_ && k < static_cast<int>(rollout.by_workload.size()); ++k) {
    const auto& t = rollout.by_workload[k];
    if (t.requests > 0) constraints_[k].Update(t.attainment());
  }
}

void SloConstraints::Apply(TrainEnvs* envs) const {
  for (int k = 0; k < num_workloads_; ++k) envs->set_slo_weight(k, weight(k));
}

void SloConstraints::Save(nlohmann::json* state) const {
  (*state)["slo_weight"] = constraints_[0].weight();
  auto weights = nlohmann::json::array();
  for (const auto& c : constraints_) weights.push_back(c.weight());
  (*state)["slo_weights"] = weights;
}

void SloConstraints::Restore(const nlohmann::json& state, double initial_weight) {
  const double first = state.value("slo_weight", initial_weight);
  const auto weights = state.value("slo_weights", nlohmann::json::array());
  for (size_t k = 0; k < constraints_.size(); ++k) {
    constraints_[k].set_weight(weights.size() == constraints_.size() ? weights[k].get<double>() : first);
  }
}

}  // namespace podpilot::rl
