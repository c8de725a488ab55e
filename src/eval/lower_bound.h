// The clairvoyant lower bound of one run (design.md §5): the interface the scorecard needs.
//
// ComputeLowerBound(cfg, seed) returns the cost of the cheapest replica trajectory that meets the
// latency objective at every tick when the future is known. Precisely:
//
//  * Load: exactly the load a run of `cfg` reset with `seed` sees: Env::Rates(cfg, seed), the mean
//    entry rate of the workload drawn with that seed, which is what drives the simulator's
//    queueing model (the Poisson counts around it only weigh requests). So the bound of
//    (scenario, workload, seed) is comparable with every policy's run on that seed; the scorecard
//    runs all policies on the same seeds (common random numbers).
//  * Objective: at every tick every request class of cfg.app meets its SLO (slo_ms) in the
//    simulator's own latency model (sim/queueing.h, sim/call_plans.h), with the attainment the
//    implementation documents (e.g. >= 0.99 of the tick's requests within the objective).
//  * Feasible trajectories: per service, a replica count in [min_replicas, max_replicas] at every
//    tick, with the initial replicas' requests (no vertical scaling: ComputeVerticalLowerBound
//    below is the bound that allows it). A pod serves
//    only SecondsToReady() after it is created (startup + readiness probes, as the simulator's pod
//    lifecycle), and is paid for from creation; a removed pod is paid for termination_seconds more.
//    Scheduling capacity of the cluster is ignored (it can only lower the bound).
//  * Cost: computed exactly like the simulator's RunTotals::cost — requested CPU core-hours and
//    memory GiB-hours of every existing pod (starting and terminating included) at
//    cfg.app->cluster's price — over the same duration (cfg.duration_s). pod_hours likewise.
//  * It is a lower bound on the cost of any policy that meets the objective at every tick. A
//    policy that misses the SLO may cost less; the scorecard shows the SLO attainment beside the
//    ratio for that reason.
//
// Implementation: eval/clairvoyant.h (0.99 of each tick's requests within their class objective).
// Errors: InvalidArgument for a config Env::Create would refuse.
//
// Thread-safety: a pure function of its arguments; callers run many concurrently on a pool.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "eval/run.h"
#include "sim/env.h"

namespace podpilot {

struct LowerBoundResult {
  double cost = 0;            // $, same formula and units as RunSummary::cost
  double pod_hours = 0;       // same as RunSummary::pod_hours
  int infeasible_ticks = 0;   // ticks no replica count within [min, max] could serve (priced at max)
  std::string method;         // short description for reports, e.g. "greedy per-load + startup shift"
};

// `series` (optional) receives the bound's trajectory for reports, one row per second: per
// service `replicas` = pods existing (paid for), `ready` = ready pods needed, `cost_rate` = $ per
// hour of those pods, `request_rate` = the entry rate planned for; latency and attainment fields
// are 0 and the reason is empty.
StatusOr<LowerBoundResult> ComputeLowerBound(const EnvConfig& cfg, uint64_t seed, TimeSeries* series = nullptr);

// The vertical (+ horizontal) bound of the same run (eval/vertical_bound.h): as above, but every
// service may also choose its per-pod size at every tick (CPU request 0.05x .. 8x of the app's,
// proportional limits as the VPA keeps them, the smallest memory request with no OOM kill), resizes
// free and instant. A lower bound for policies that change requests (the VPA), which can land below
// ComputeLowerBound's. About 8x ComputeLowerBound's time (one day of Online Boutique: ~8 s against
// ~1 s), so the evaluation computes it only when asked (EvalOptions::vertical_bound).
StatusOr<LowerBoundResult> ComputeVerticalLowerBound(const EnvConfig& cfg, uint64_t seed);

}  // namespace podpilot
