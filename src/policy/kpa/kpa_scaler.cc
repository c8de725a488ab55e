#include "policy/kpa/kpa_scaler.h"

#include <algorithm>

namespace podpilot::kpa {

const char* PaActivityName(PaActivity a) {
  switch (a) {
    case PaActivity::kActivating: return "Activating";
    case PaActivity::kActive: return "Active";
    case PaActivity::kInactive: return "Inactive";
  }
  return "?";
}

KpaReconciler::KpaReconciler(const ScalerConfig& config, double now_s) : config_(config), transition_s_(now_s) {}

void KpaReconciler::SetActivity(PaActivity a, double now_s) {
  if (a == activity_) return;  // lastTransitionTime moves only on a change
  activity_ = a;
  transition_s_ = now_s;
}

std::pair<int, bool> KpaReconciler::HandleScaleToZero(double now_s, int desired, std::string* note) {
  if (desired != 0) return {desired, true};
  if (!config_.enable_scale_to_zero) {
    *note = "scale-to-zero disabled";
    return {1, true};
  }
  const double in_state_for = now_s - transition_s_;
  switch (activity_) {
    case PaActivity::kActivating:
      if (in_state_for > config_.activation_timeout_s) {
        *note = "activation timed out";
        return {0, true};
      }
      *note = "activating";
      return {-1, false};
    case PaActivity::kActive:
      if (in_state_for >= config_.stable_window_s) {
        *note = "idle: marking inactive";
        return {0, false};  // mark inactive first; scale on a later reconcile
      }
      *note = "idle but active for less than a stable window: holding 1";
      return {1, true};
    case PaActivity::kInactive: {
      if (!proxy_) {
        *note = "waiting for the activator to be in the path";
        return {0, false};
      }
      const double wait = std::max(config_.scale_to_zero_grace_period_s, config_.scale_to_zero_pod_retention_s);
      if (in_state_for - wait > 0) {
        *note = "inactive past the grace period";
        return {0, true};
      }
      if (config_.scale_to_zero_grace_period_s - (now_s - proxy_since_s_) <= 0) {
        *note = "activator in the path for the grace period";
        return {0, true};
      }
      *note = "inactive, waiting out the grace period";
      return {0, false};
    }
  }
  return {desired, true};
}

KpaReconciler::Outcome KpaReconciler::Reconcile(double now_s, const ScaleResult& decider, int current_spec,
                                                int ready) {
  Outcome out;
  int desired = decider.scale_valid ? decider.desired_pod_count : -1;
  if (desired < 0 && activity_ != PaActivity::kActivating) {
    out.want = desired;
    out.note = "no metrics yet";
  } else {
    int bounded = std::max(desired, config_.min_scale);
    if (config_.max_scale != 0) bounded = std::min(bounded, config_.max_scale);
    auto [want, apply] = HandleScaleToZero(now_s, bounded, &out.note);
    out.want = want;
    if (apply && want != current_spec) out.apply_replicas = want;
  }

  // ServerlessService mode for the next reconcile.
  bool proxy = out.want == 0 || decider.excess_burst_capacity < 0 ||
               (out.want == -1 && activity_ == PaActivity::kInactive);
  if (proxy && !proxy_) proxy_since_s_ = now_s;
  proxy_ = proxy;

  // Active condition (computeActiveCondition).
  const int min_ready = std::max(config_.min_scale, 1);
  if (out.want == 0) {
    SetActivity(PaActivity::kInactive, now_s);
  } else if (ready < min_ready) {
    if (out.want > 0 || activity_ != PaActivity::kInactive) SetActivity(PaActivity::kActivating, now_s);
  } else if (out.want > 0 || activity_ != PaActivity::kInactive) {
    SetActivity(PaActivity::kActive, now_s);
  }
  return out;
}

}  // namespace podpilot::kpa
