#include "policy/hpa/hpa_policy.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "policy/hpa/hpa_defaults.h"
#include "policy/hpa/observation_metrics.h"

namespace podpilot::hpa {

HpaPolicy::HpaPolicy(HpaPolicyOptions options)
    : options_(std::move(options)), controller_(options_.controller) {}

StatusOr<std::unique_ptr<HpaPolicy>> HpaPolicy::Create(HpaPolicyOptions options) {
  SetDefaults(options.spec);
  HpaSpec probe = options.spec;
  probe.min_replicas = options.min_replicas.value_or(1);
  probe.max_replicas = options.max_replicas.value_or(std::max<int32_t>(*probe.min_replicas, 1));
  Status s = ValidateHpaSpec(probe, options.controller);
  if (!s.ok()) return s.WithPrefix(options.name);
  if (!(options.sync_period_s > 0)) {
    return InvalidArgumentError(fmt::format("{}: sync period must be > 0 s, got {}", options.name,
                                            options.sync_period_s));
  }
  return std::unique_ptr<HpaPolicy>(new HpaPolicy(std::move(options)));
}

void HpaPolicy::Reset(const PolicyContext& /*context*/) {
  // A fresh controller: no recommendations, so the first reconcile seeds the history again.
  controller_.Reset();
  last_results_.clear();
}

HpaSpec HpaPolicy::SpecFor(const TargetObservation& target) const {
  HpaSpec spec = options_.spec;
  int32_t min = options_.min_replicas.value_or(target.min_replicas);
  // Without the scale-to-zero gate the API rejects minReplicas 0; a target reported with 0 is
  // autoscaled from 1 rather than left without an HPA.
  if (min < 1 && !(options_.controller.scale_to_zero && min == 0)) min = 1;
  spec.min_replicas = min;
  spec.max_replicas = std::max(options_.max_replicas.value_or(target.max_replicas), std::max(min, 1));
  return spec;
}

Decision HpaPolicy::Decide(const Observation& observation) {
  Decision decision;
  decision.targets.resize(observation.targets.size());
  last_results_.clear();
  std::vector<std::string> reasons;
  for (size_t i = 0; i < observation.targets.size(); ++i) {
    const TargetObservation& target = observation.targets[i];
    const std::string key = target.name.empty() ? fmt::format("target-{}", i) : target.name;
    ObservationMetricsClient client(observation, target);
    ReconcileInput input{ScaleFromTarget(target), PodsFromTarget(target), observation.time_s};
    ReconcileResult result = controller_.Reconcile(key, SpecFor(target), input, client);
    if (result.rescaled) decision.targets[i].replicas = result.desired_replicas;
    reasons.push_back(DescribeReconcile(key, result));
    last_results_.push_back(std::move(result));
  }
  decision.reason = fmt::format("{}", fmt::join(reasons, "; "));
  return decision;
}

std::string DescribeReconcile(const std::string& target, const ReconcileResult& r) {
  std::vector<std::string> parts;
  const Condition* active = r.FindCondition(ConditionType::kScalingActive);
  const Condition* limited = r.FindCondition(ConditionType::kScalingLimited);
  if (r.metric_proposal < 0) {
    // No metric computation: out of range, disabled at zero, or every metric failed.
    if (!r.rescale_reason.empty()) parts.push_back(r.rescale_reason);
    if (active && !active->status) parts.push_back(active->reason + ": " + active->message);
  } else {
    const char* direction = r.metric_proposal > r.current_replicas   ? "above target"
                            : r.metric_proposal < r.current_replicas ? "all metrics below target"
                                                                     : "within tolerance";
    parts.push_back(fmt::format("{} proposes {}, {}", r.metric_name, r.metric_proposal, direction));
    if (r.stabilized_replicas != r.metric_proposal) {
      parts.push_back(fmt::format("{} at {}", r.stabilization_reason, r.stabilized_replicas));
    }
    if (limited && limited->status) parts.push_back("ScalingLimited=True " + limited->reason);
    if (!r.error.ok()) parts.push_back("metric error: " + r.error.message());
  }
  const std::string head = r.rescaled
                               ? fmt::format("{}: {} -> {}", target, r.current_replicas, r.desired_replicas)
                               : fmt::format("{}: stays {}", target, r.current_replicas);
  return parts.empty() ? head : fmt::format("{} ({})", head, fmt::join(parts, "; "));
}

}  // namespace podpilot::hpa
