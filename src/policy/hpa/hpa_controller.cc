#include "policy/hpa/hpa_controller.h"

#include <algorithm>

#include <fmt/format.h>

#include "policy/hpa/hpa_defaults.h"
#include "policy/hpa/metric_replicas.h"
#include "policy/hpa/normalization_behavior.h"
#include "policy/hpa/normalization_legacy.h"
#include "policy/hpa/replica_calculator.h"

namespace podpilot::hpa {
namespace {

bool HasObjectOrExternalMetric(const HpaSpec& spec) {
  return std::any_of(spec.metrics.begin(), spec.metrics.end(), [](const MetricSpec& m) {
    return m.type == MetricSourceType::kObject || m.type == MetricSourceType::kExternal;
  });
}

}  // namespace

const Condition* ReconcileResult::FindCondition(ConditionType type) const {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

void SetCondition(std::vector<Condition>& conditions, Condition condition) {
  for (auto& c : conditions) {
    if (c.type == condition.type) {
      c = std::move(condition);
      return;
    }
  }
  conditions.push_back(std::move(condition));
}

HpaController::HpaController(ControllerConfig config) : config_(config) {}

const KeyHistory* HpaController::History(const std::string& key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second.history;
}

void HpaController::Forget(const std::string& key) { keys_.erase(key); }

ReconcileResult HpaController::Reconcile(const std::string& key, const HpaSpec& spec,
                                         const ReconcileInput& input, MetricsClient& client) {
  KeyState& state = keys_[key];
  std::vector<Condition>& conditions = state.conditions;
  const Time now = input.now;
  ReconcileResult result;

  SetCondition(conditions, {ConditionType::kAbleToScale, true, "SucceededGetScale",
                            "the HPA controller was able to get the target's current scale"});
  const int32_t current = input.scale.spec_replicas;
  result.current_replicas = current;
  RecordInitialRecommendation(state.history, current, now);

  const int32_t min_replicas = spec.min_replicas.value_or(1);
  const int32_t max_replicas = spec.max_replicas;
  bool rescale = true;
  bool need_metrics = true;
  int32_t desired = 0;

  if (current == 0) {
    // Only the alpha HPAScaleToZero gate lets the HPA act from zero, and only when the HPA
    // itself scaled the target to zero (a manual zero still pauses the HPA).
    const bool resumable = config_.scale_to_zero && state.history.scaled_to_zero &&
                           (min_replicas != 0 || HasObjectOrExternalMetric(spec));
    if (!resumable) {
      rescale = false;
      need_metrics = false;
      SetCondition(conditions, {ConditionType::kScalingActive, false, "ScalingDisabled",
                                "scaling is disabled since the replica count of the target is zero"});
    } else if (min_replicas != 0) {
      desired = min_replicas;
      need_metrics = false;
      result.rescale_reason = "Current number of replicas below Spec.MinReplicas";
    }
  } else if (current > max_replicas) {
    // Out of range: clamp without touching the history or any rate limit.
    desired = max_replicas;
    need_metrics = false;
    result.rescale_reason = "Current number of replicas above Spec.MaxReplicas";
  } else if (current < min_replicas) {
    desired = min_replicas;
    need_metrics = false;
    result.rescale_reason = "Current number of replicas below Spec.MinReplicas";
  }

  if (need_metrics) {
    const Tolerances tolerances = TolerancesFor(spec, config_);
    MetricsProposal proposal =
        ComputeReplicasForMetrics(spec.metrics, input.scale, input.pods, client, tolerances, now,
                                  CalculatorConfig::From(config_));
    result.current_metrics = proposal.statuses;
    SetCondition(conditions, proposal.scaling_active);
    result.error = proposal.error;
    if (proposal.replicas == -1) {
      // No usable proposal: keep the target as it is and report the first metric error.
      result.desired_replicas = current;
      result.conditions = conditions;
      result.last_scale_time = state.last_scale_time;
      return result;
    }
    result.metric_proposal = proposal.replicas;
    result.metric_name = proposal.metric_name;
    std::string rescale_metric;
    if (proposal.replicas > desired) {
      desired = proposal.replicas;
      rescale_metric = proposal.metric_name;
    }
    if (desired > current) result.rescale_reason = rescale_metric + " above target";
    if (desired < current) result.rescale_reason = "All metrics below target";

    Normalized n = spec.behavior.has_value()
                       ? NormalizeWithBehaviors(state.history, *spec.behavior, current, desired,
                                                min_replicas, max_replicas,
                                                config_.downscale_stabilization_window_s, now)
                       : NormalizeLegacy(state.history.recommendations, current, desired,
                                         min_replicas, max_replicas,
                                         config_.downscale_stabilization_window_s, now);
    result.stabilized_replicas = n.stabilized;
    result.stabilization_reason = n.able_to_scale.reason;
    SetCondition(conditions, n.able_to_scale);
    SetCondition(conditions, n.scaling_limited);
    desired = n.replicas;
    rescale = desired != current;
  }

  if (rescale) {
    SetCondition(conditions,
                 {ConditionType::kAbleToScale, true, "SucceededRescale",
                  fmt::format("the HPA controller was able to update the target scale to {}", desired)});
    StoreScaleEvent(state.history, spec.behavior, current, desired, now);
    state.last_scale_time = now;
    if (config_.scale_to_zero) {
      state.history.scaled_to_zero =
          desired == 0 && current > 0 && min_replicas == 0 && HasObjectOrExternalMetric(spec);
    }
  } else {
    desired = current;
  }
  if (config_.scale_to_zero) {
    SetCondition(conditions,
                 state.history.scaled_to_zero
                     ? Condition{ConditionType::kScaledToZero, true, "ScaledToZero",
                                 "the HPA controller scaled the workload to zero"}
                     : Condition{ConditionType::kScaledToZero, false, "NotScaledToZero",
                                 "the HPA controller did not scale the workload to zero"});
  }
  result.desired_replicas = desired;
  result.rescaled = rescale;
  result.conditions = conditions;
  result.last_scale_time = state.last_scale_time;
  return result;
}

}  // namespace podpilot::hpa
