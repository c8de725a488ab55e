// The KPA reconciler's side of a decision (knative/serving pkg/reconciler/autoscaling/kpa:
// scaler.go and kpa.go, baselines.md 3.3 "Applying the decision"): bounds, the scale-to-zero
// state machine, the ServerlessService mode and the PodAutoscaler's Active condition.
//
//   desired -> clamp to [min-scale, max-scale] -> scale to zero only when allowed:
//     PA Active     : hold at 1 until active for a stable window, then mark Inactive (no change yet)
//     PA Inactive   : with the activator in the path, scale to 0 once inactive for more than
//                     max(grace 30 s, retention), or once in proxy mode for the grace period
//     PA Activating : scale to 0 only after the activation timeout
//     scale-to-zero disabled: 0 becomes 1
//   SKS proxy mode (activator in the path) when want == 0, EBC < 0, or want unknown while inactive.
//   Active condition: want 0 -> Inactive; ready < max(min-scale, 1) -> Activating; else Active.
//
// Deterministic state machine with `now` as a parameter; not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "policy/kpa/kpa_autoscaler.h"

namespace podpilot::kpa {

struct ScalerConfig {
  bool enable_scale_to_zero = true;
  double scale_to_zero_grace_period_s = 30;
  double scale_to_zero_pod_retention_s = 0;
  double stable_window_s = 60;
  int min_scale = 0;               // 0: may scale to zero
  int max_scale = 0;               // 0: unbounded
  // ProgressDeadline (600 s) plus the reconciler's buffer.
  double activation_timeout_s = 600 + 30;
};

enum class PaActivity { kActivating, kActive, kInactive };  // Active condition Unknown / True / False
const char* PaActivityName(PaActivity a);

class KpaReconciler {
 public:
  explicit KpaReconciler(const ScalerConfig& config, double now_s);

  struct Outcome {
    std::optional<int> apply_replicas;  // set when the scale target must be patched
    int want = -1;                      // what the reconciler wants (-1: unknown)
    std::string note;                   // why, for the decision's reason
  };
  // One reconcile: `decider` from KpaAutoscaler::Scale, `current_spec` = scale.spec.replicas,
  // `ready` = ready endpoints.
  Outcome Reconcile(double now_s, const ScaleResult& decider, int current_spec, int ready);

  PaActivity activity() const { return activity_; }
  bool proxy_mode() const { return proxy_; }

 private:
  // (desired, apply?) as scaler.go handleScaleToZero.
  std::pair<int, bool> HandleScaleToZero(double now_s, int desired, std::string* note);
  void SetActivity(PaActivity a, double now_s);

  ScalerConfig config_;
  PaActivity activity_ = PaActivity::kActivating;
  double transition_s_;
  bool proxy_ = false;
  double proxy_since_s_ = 0;
};

}  // namespace podpilot::kpa
