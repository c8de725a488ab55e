// PredictivePolicy: the HPA's CPU rule applied to a forecast of the load instead of the load now.
//
// Per target, once per control interval:
//  1. Forecast. The target's request rate feeds a Holt-Winters model (holt_winters.h) with one
//     season of `season_s` (default one day). The forecast horizon is the time a pod added now
//     needs to serve: the slowest target's time to ready (PolicyContext::startup_seconds_hint)
//     plus one control interval (the next chance to correct), plus half the metrics window (the
//     observed rate is a window average, so it is that much old). The policy plans for the
//     largest forecast within the horizon, times (1 + headroom). Until one whole season has been
//     seen the model is Holt's level + trend, and the plan is at least the largest rate observed
//     in the last `recent_s` seconds (so a trough of a still unknown cycle is not taken for the
//     new level).
//  2. Capacity. CPU seconds per request of the target, learned online as the ratio of exponential
//     averages of total CPU usage (usage per ready pod x ready pods) and request rate (a
//     rate-weighted average, so quiet intervals, where base CPU dominates, count little).
//     Intervals with pods at their CPU limit are skipped: there usage no longer grows with load.
//     A pod at the target utilisation serves target x request_cpu / cpu_per_request requests/s.
//  3. Size. proposal = ceil(planned rate / per-pod capacity), never below the reactive floor: the
//     plain HPA rule (hpa_rule.h) on the current CPU utilisation of the ready pods, so a missed
//     forecast is never answered with fewer pods than the HPA would ask for. Clamped to the
//     target's min/max.
//  4. Stabilise. Scale-up applies at once; scale-down takes the largest proposal of the last
//     `down_window_s` seconds (the HPA's downscale stabilisation).
//
// Decision::reason names, for each target whose replica count changes, the forecast and how it
// was turned into replicas, e.g. "frontend: forecast 120 rps in 45 s -> 6 replicas (was 4)".
//
// Defaults (cpu 70 %, headroom 0.15, recent 2 min, down window 3 min, phi 0.9) were chosen on the
// TRAIN workloads of scenarios/suites/default.yaml: the cheapest setting whose SLO attainment stays
// >= 0.99 wherever the HPA at 50 % meets it (see the helper report of issue #4).
//
// Decide() assumes one call per control interval of the PolicyContext (the forecaster counts
// samples, not seconds). Not thread-safe (see Policy).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"
#include "policy/predictive/holt_winters.h"

namespace podpilot::predictive {

struct PredictiveOptions {
  std::string name = "predictive";   // Name() in reports
  double target_utilization = 0.7;   // CPU usage / request per pod the sizing aims at
  double season_s = 86400;           // season length; <= control interval: no season
  // alpha, beta, gamma, phi, mode (season_length is derived from season_s).
  HoltWintersOptions forecaster = {0, 0.3, 0.05, 0.1, 0.9, SeasonalMode::kAdditive};
  double headroom = 0.15;            // planned rate = max forecast x (1 + headroom)
  double down_window_s = 180;        // scale-down stabilisation window
  double recent_s = 120;             // warm-up floor: max observed rate over this window; 0 = off
  double capacity_alpha = 0.1;       // smoothing of the CPU-per-request estimate, (0, 1]
  double tolerance = 0.1;            // the reactive floor's HPA tolerance
  double extra_horizon_s = -1;       // added to the horizon; < 0: half the metrics window
};

// Error naming the field and value when an option is outside its range.
Status ValidatePredictiveOptions(const PredictiveOptions& options);

class PredictivePolicy : public Policy {
 public:
  // `options` must pass ValidatePredictiveOptions (the factory checks).
  explicit PredictivePolicy(PredictiveOptions options);

  std::string Name() const override { return options_.name; }
  void Reset(const PolicyContext& context) override;
  Decision Decide(const Observation& observation) override;

  // What the last Decide() computed for target i (for tests and the operator's status).
  struct TargetPlan {
    double forecast_rps = 0;       // planned rate (max forecast over the horizon, with headroom)
    double cpu_per_request = 0;    // learned core-seconds per request; 0 until learned
    int proposal = 0;              // from the forecast; 0 until capacity is learned
    int reactive_floor = 0;        // the plain HPA rule on current utilisation
    int desired = 0;               // after max, clamp and stabilisation
  };
  const std::vector<TargetPlan>& last_plans() const { return plans_; }
  double horizon_s() const { return horizon_s_; }
  const PredictiveOptions& options() const { return options_; }

 private:
  struct TargetState {
    HoltWinters forecaster;
    double cpu_avg = 0, rate_avg = 0;   // exponential averages for the capacity estimate
    bool capacity_known = false;
    std::deque<std::pair<double, double>> recent;     // (time, observed rate)
    std::deque<std::pair<double, int>> proposals;     // (time, recommendation) for stabilisation
  };

  TargetPlan PlanTarget(const Observation& obs, size_t index);
  void EnsureStates(size_t n, double control_interval_s);

  PredictiveOptions options_;
  PolicyContext context_;
  std::vector<TargetState> states_;
  std::vector<TargetPlan> plans_;
  double horizon_s_ = 0;
  int horizon_steps_ = 1;
};

}  // namespace podpilot::predictive
