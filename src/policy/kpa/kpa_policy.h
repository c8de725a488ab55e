// KpaPolicy: the Knative Pod Autoscaler as a podpilot Policy, deciding every 2 s.
//
// Each Decide() plays, per target: the metric collector (one sample per second into the stable
// (60 s) and panic (6 s) TimedBuckets — the value observed at this tick is written into every
// second since the previous tick, as the 1 s scraper would have seen it), the decider
// (KpaAutoscaler) and the reconciler (KpaReconciler: bounds, scale to zero, activator).
//
// The metric is the revision-wide total: concurrency = in_flight (per ready pod) x ready pods, or
// rps = request_rate. With no ready pod the activator is the only source: it reports the requests
// it holds, at least 1 while requests arrive (its "poke" that triggers scale from zero); with no
// traffic and no pods nothing is recorded, so the stable window empties and the decider stops.
// min-scale defaults to 0 (scale to zero), max-scale 0 means the target's max_replicas.
//
// Observation::in_flight and request_rate are window averages (metrics_window_s); the KPA is
// built for the 1 s samples of Knative's scraper, so it asks for a window of one tick
// (PreferredMetricsWindowSeconds): each tick's 2 s average is recorded into both of its seconds,
// which keeps the windows' sums exact. Under the metrics-server's 30 s window its panic mode saw
// a surge ~15 s late and its stable window averaged averages.
// One instance per environment; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/kpa/kpa_autoscaler.h"
#include "policy/kpa/kpa_scaler.h"
#include "policy/kpa/timed_buckets.h"
#include "policy/policy.h"

namespace podpilot::kpa {

struct KpaPolicyConfig {
  DeciderSpec decider;           // target_value / total_value already resolved
  ScalerConfig scaler;
  int64_t stable_window_s = 60;
  int64_t panic_window_s = 6;
  double tick_s = kDeciderTickS;
};

class KpaPolicy final : public Policy {
 public:
  explicit KpaPolicy(KpaPolicyConfig config, std::string name = "kpa");

  std::string Name() const override { return name_; }
  double PreferredControlIntervalSeconds() const override { return config_.tick_s; }
  double PreferredMetricsWindowSeconds() const override { return config_.tick_s; }
  void Reset(const PolicyContext& context) override;
  Decision Decide(const Observation& observation) override;

 private:
  struct TargetState {
    TimedBuckets stable;
    TimedBuckets panic;
    std::optional<KpaAutoscaler> autoscaler;
    std::optional<KpaReconciler> reconciler;
    std::optional<int64_t> last_recorded_s;
  };
  TargetState& StateFor(size_t i);
  // The revision-wide metric this tick, or nullopt when nothing reports one.
  std::optional<double> Sample(const TargetObservation& t) const;

  KpaPolicyConfig config_;
  std::string name_;
  std::vector<TargetState> targets_;
};

}  // namespace podpilot::kpa
