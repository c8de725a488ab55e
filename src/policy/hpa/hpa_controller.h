// HpaController: the reconcile of one HPA key (baselines.md 1.3), a port of
// reconcileAutoscaler in upstream horizontal.go, with the per-key state it keeps between
// reconciles (recommendations, scale events, status conditions).
//
// The caller supplies what the real controller would read from the API server — the defaulted
// HPA spec, the scale subresource, the pods matched by its selector — plus a MetricsClient and
// `now`. The caller applies the returned desired replica count (the "scale update", which is
// assumed to succeed). Deterministic given its inputs.
//
// Thread safety: none; one controller per simulation / operator worker.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/hpa/hpa_types.h"
#include "policy/hpa/metrics_client.h"
#include "policy/hpa/recommendation_history.h"

namespace podpilot::hpa {

struct ReconcileInput {
  Scale scale;
  std::vector<Pod> pods;  // pods matched by the scale selector
  Time now = 0;
};

struct ReconcileResult {
  int32_t current_replicas = 0;   // scale.spec_replicas as read
  int32_t desired_replicas = 0;   // what the scale is set to (== current when not rescaled)
  bool rescaled = false;
  int32_t metric_proposal = -1;   // max over metrics before normalisation; -1 if not computed
  std::string metric_name;        // the metric behind metric_proposal
  std::string rescale_reason;     // "cpu resource utilization (percentage of request) above target"
  int32_t stabilized_replicas = -1;  // after the stabilization window(s), before rate limits
  std::string stabilization_reason;  // ReadyForNewScale / ScaleDownStabilized / ScaleUpStabilized
  Status error;                   // metric errors; scaling may still have happened (scale-up)
  std::vector<Condition> conditions;   // HPA status conditions after this reconcile
  std::vector<MetricStatus> current_metrics;
  std::optional<Time> last_scale_time;

  // The condition of the given type, or nullptr.
  const Condition* FindCondition(ConditionType type) const;
};

class HpaController {
 public:
  explicit HpaController(ControllerConfig config = {});

  // Reconciles HPA `key` once. `spec` must be defaulted (SetDefaults) and valid
  // (ValidateHpaSpec); the controller does not re-validate. On the first reconcile of a key the
  // recommendation history is seeded with (current, now), so a scale-down waits one window.
  ReconcileResult Reconcile(const std::string& key, const HpaSpec& spec, const ReconcileInput& input,
                            MetricsClient& client);

  // Drops all state of `key` (the HPA was deleted).
  void Forget(const std::string& key);
  // Drops all state.
  void Reset() { keys_.clear(); }

  // The remembered history of `key`, or nullptr before its first reconcile.
  const KeyHistory* History(const std::string& key) const;
  // Mutable access for tests and for replaying a history (creates the key when absent).
  KeyHistory& MutableHistory(const std::string& key) { return keys_[key].history; }

  const ControllerConfig& config() const { return config_; }

 private:
  struct KeyState {
    KeyHistory history;
    std::vector<Condition> conditions;
    std::optional<Time> last_scale_time;
  };

  ControllerConfig config_;
  std::map<std::string, KeyState> keys_;
};

// setConditionInList: replaces the condition of the same type in place, or appends it.
void SetCondition(std::vector<Condition>& conditions, Condition condition);

}  // namespace podpilot::hpa
