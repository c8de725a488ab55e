// HpaPolicy: the Kubernetes HPA (autoscaling/v2) as a podpilot Policy.
//
// One HPA per target of the Observation, each with its own controller state keyed by the target
// name (recommendation history, scale events, conditions), reconciled once per Decide() at
// now = Observation::time_s. Metrics come from the Observation (observation_metrics.h); min/max
// come from the options when set, else from the target (TargetObservation::min/max_replicas).
//
// Decide() returns, per target, the new replica count when the HPA rescales (kKeep otherwise) and
// a reason naming the metric that drove the proposal and the HPA conditions that shaped it, e.g.
//   "web: 3 -> 6 (cpu resource utilization (percentage of request) proposes 8, above target;
//    ScalingLimited=True ScaleUpLimit)"
//   "web: stays 5 (cpu resource utilization (percentage of request) proposes 2, all metrics below
//    target; ScaleDownStabilized at 5)"
//   "web: stays 3 (FailedGetResourceMetric: the HPA was unable to compute the replica count: ...)".
//
// Not thread-safe (see Policy).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/hpa/hpa_controller.h"
#include "policy/hpa/hpa_types.h"
#include "policy/policy.h"

namespace podpilot::hpa {

struct HpaPolicyOptions {
  std::string name = "hpa";             // Name() in reports
  HpaSpec spec;                         // metrics + behavior; min/max are filled per target
  std::optional<int32_t> min_replicas;  // override of TargetObservation::min_replicas
  std::optional<int32_t> max_replicas;  // override of TargetObservation::max_replicas
  ControllerConfig controller;
  double sync_period_s = 15;            // --horizontal-pod-autoscaler-sync-period
};

class HpaPolicy : public Policy {
 public:
  // Applies API defaulting to options.spec and validates it (with a provisional min/max when no
  // override is set). Errors name the offending field and value.
  static StatusOr<std::unique_ptr<HpaPolicy>> Create(HpaPolicyOptions options);

  std::string Name() const override { return options_.name; }
  bool NeedsPodSamples() const override { return true; }
  double PreferredControlIntervalSeconds() const override { return options_.sync_period_s; }
  void Reset(const PolicyContext& context) override;
  Decision Decide(const Observation& observation) override;

  // The reconcile results of the last Decide(), index-aligned with its targets.
  const std::vector<ReconcileResult>& last_results() const { return last_results_; }
  const HpaPolicyOptions& options() const { return options_; }

 private:
  explicit HpaPolicy(HpaPolicyOptions options);
  // The defaulted spec of one target with its min/max resolved.
  HpaSpec SpecFor(const TargetObservation& target) const;

  HpaPolicyOptions options_;
  HpaController controller_;
  std::vector<ReconcileResult> last_results_;
};

// A one-line, human-readable account of one reconcile (the Decision reason of one target).
std::string DescribeReconcile(const std::string& target, const ReconcileResult& result);

}  // namespace podpilot::hpa
