// Internal to the clairvoyant bounds (eval/clairvoyant.h, eval/vertical_bound.h): the latency
// objective of one steady load on the simulator's own model (sim/call_plans.h, sim/queueing.h),
// for any replica count and any per-pod CPU capacity per service, and the window maximum that
// turns "ready pods needed" into "pods existing" under startup and termination delays.
//
// Not part of the eval module's interface: include it only from the bound implementations and
// their tests.
//
// Thread-compatible: a SteadyEvaluator keeps scratch buffers, so one instance per thread.
#pragma once

#include <vector>

#include "sim/app_model.h"
#include "sim/call_plans.h"

namespace podpilot {

// Cores of one pod available to requests under the simulator's PS model: limit minus idle use.
inline double DefaultPodCapacity(const ServiceModel& m) { return m.limits.cpu - m.base_cpu; }

class SteadyEvaluator {
 public:
  // `app` and `plans` must outlive the evaluator. `entry` = steady entry rate (requests/s),
  // `target` = required request-weighted share within the class objectives.
  SteadyEvaluator(const AppModel& app, const CallPlans& plans, double entry, double target);

  double entry() const { return entry_; }
  // Core-seconds per second of demand arriving at service s, and its visits per second.
  double Work(int s) const;
  double Visits(int s) const;

  // Fewest pods service s needs to stay below the stationary limit with `per_pod_capacity`
  // cores each (at least one pod if it has visits, and at least its min replicas).
  int StabilityFloor(int s, double per_pod_capacity) const;
  // The same for every service at DefaultPodCapacity.
  std::vector<int> StabilityFloor() const;

  // Shortfall: max(0, target - the request-weighted share of requests within their class's
  // objective) — the scorecard's SLO attainment at this tick — plus a tiny pull towards lower mean
  // latency so that a greedy always has a direction (the shortfall can be flat in one service
  // while another dominates). 1e9 when a service with work is at or beyond the stationary limit.
  // `capacity[s]` = cores per pod of service s.
  double Shortfall(const std::vector<int>& n, const std::vector<double>& capacity);
  // The same at DefaultPodCapacity for every service (the horizontal bound's case).
  double Shortfall(const std::vector<int>& n);

  // Mean requests in flight per pod at service s in steady state (Little's law on the PS
  // sojourn): visits/s x mean demand x seconds per core-second / pods. Requires a stable
  // (n, per_pod_capacity) for a service with work; 0 for a service without visits.
  double InflightPerPod(int s, int n, double per_pod_capacity) const;

 private:
  const AppModel& app_;
  const CallPlans& plans_;
  double entry_, target_;
  std::vector<double> default_cap_;
  std::vector<double> spc_, wait_, scv_, v2_;
};

// Rounds a rate (>= 0) down onto a 0.2 % geometric grid (integers, as counts are, stay exact below
// 500): rounding down keeps a bound a lower bound, and lets the per-load solutions be memoised.
double QuantizeRate(double rate);

// out[t] = max of in[tau] for tau in [t - back, t + ahead] (clipped to the series).
std::vector<int> WindowMax(const std::vector<int>& in, int back, int ahead);

// The horizontal bound's per-load solver (eval/clairvoyant.cc) with caller-owned CallPlans, so
// that the vertical bound can start from it without rebuilding the plans per load.
std::vector<int> CheapestReadyReplicasWithPlans(const AppModel& app, const CallPlans& plans, double entry_rps,
                                                double required_attainment, bool* feasible);

}  // namespace podpilot
