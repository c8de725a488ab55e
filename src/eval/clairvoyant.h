// The clairvoyant lower bound (design.md §5): the cheapest replica trajectory that meets the
// latency objective at every tick when the whole future load is known and startup delays are
// honoured. Every policy's cost is reported as a ratio to it.
//
// How it is computed, on the simulator's own latency model (sim/call_plans.h, sim/queueing.h):
//  1. For each distinct per-second entry rate, the cheapest vector of ready replicas n*(N)
//     such that the share of requests (over the class mix) completing within their class's
//     objective is >= `required_attainment` — the scorecard's SLO attainment, per tick — in steady
//     state (no backlog): a greedy that adds the replica with
//     the largest reduction of the attainment shortfall per dollar, followed by a pruning pass that
//     removes any replica the objective does not need. Results are memoised per N (the model is
//     monotone in load).
//  2. A pod must exist from `SecondsToReady()` before it serves, and a removed pod is charged for
//     `termination_seconds`, exactly as in the simulator. So the pods that exist at tick t are
//     max over tau in [t - termination, t + ready delay] of n*(tau), per service.
//  3. Cost = the simulator's cost formula on those pods' requests.
// The first ticks are treated as if the needed pods were already warm at t = 0 (as the simulator's
// initial replicas are), which can only lower the bound.
//
// Caveats (said in every report that uses it): step 1 is a greedy, not an exhaustive search (tests
// check it against brute force on small apps); ticks whose load no replica count within [min, max]
// can serve within the objective are counted in `infeasible_ticks` and priced at the fewest
// replicas that keep every service below saturation (no policy meets the objective there).
//
// Thread-safe: pure function of its arguments.
#pragma once

#include <vector>

#include "common/status.h"
#include "sim/app_model.h"

namespace podpilot {

struct ClairvoyantOptions {
  double required_attainment = 0.99;  // per tick: request-weighted P(latency <= class objective)
  bool keep_trajectory = false;       // fill ClairvoyantResult::ready / existing
};

struct ClairvoyantResult {
  double cost = 0;          // $, same formula as the simulator's
  double pod_hours = 0;
  int infeasible_ticks = 0;
  int distinct_loads = 0;   // memoised solutions computed
  // Per tick, per service (only with keep_trajectory).
  std::vector<std::vector<int>> ready;     // [t][s] ready replicas needed
  std::vector<std::vector<int>> existing;  // [t][s] pods existing (starting or terminating included)
};

// `rates[t]` = mean entry rate (requests per second) during second t, as the simulator's queueing
// model sees it (Env::Rates). Rates are rounded down to a 0.2 % geometric grid before solving
// (rounding down keeps the result a lower bound, and lets the solutions be memoised).
StatusOr<ClairvoyantResult> ComputeClairvoyant(const AppModel& app, const std::vector<double>& rates,
                                               const ClairvoyantOptions& options);

// What one pod of service `s` costs per hour: its CPU and memory requests at the cluster's price
// (the simulator's cost formula).
double PodPricePerHour(const AppModel& app, int s);

// The cheapest ready-replica vector for a steady `entry_rps` (step 1 above). Exposed for tests.
// `feasible` reports whether the objective can be met within the services' max replicas.
std::vector<int> CheapestReadyReplicas(const AppModel& app, double entry_rps, double required_attainment,
                                       bool* feasible);

}  // namespace podpilot
