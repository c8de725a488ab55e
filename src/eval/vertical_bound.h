// The vertical (+ horizontal) clairvoyant lower bound (design.md §5, "replica (and request)
// trajectory"): the cheapest trajectory when, besides its replica count, every service may choose
// its per-pod size at every tick — the bound to hold vertical autoscalers (the VPA) against. The
// horizontal bound (eval/clairvoyant.h) keeps the app's requests, so a VPA that shrinks pods can
// land below it; this one cannot be undercut that way.
//
// The size model follows the VPA (policy/vpa/capping.h, proportional limits) and the simulator:
//  * CPU: request = k x the app's request for k on a geometric grid (default 0.05x .. 8x, ratio
//    1.1, 1x included); the limit keeps the app's limit:request ratio, and a pod's capacity for
//    requests is max(1e-3, limit - base_cpu) cores (PS queueing on the limit, as the simulator).
//  * Memory: the smallest request whose proportional limit holds the steady working set,
//    base_memory + memory_per_inflight x in-flight per pod (Little's law on the PS sojourn), times
//    kMinMemoryFactor (the smallest per-pod working-set spread the simulator draws): no OOM kill
//    of the luckiest pod. Using the smallest spread keeps the result a lower bound.
//  * Cost: the simulator's formula on requests (CPU core-hours and memory GiB-hours).
//
// How it is computed (same structure as the horizontal bound):
//  1. Per distinct per-second rate (rounded down onto the horizontal bound's 0.2 % grid), the
//     cheapest (replicas, size) per service meeting the same objective (>= required_attainment of
//     the tick's requests within their class objective, steady state). Loads are solved from the
//     highest down; each starts from the next higher load's solution (so the per-load cost is
//     monotone in load), the highest from the fewest pods at the smallest stable size, and the
//     horizontal solution at 1x is tried whenever the others cost more (so the per-load cost never
//     exceeds the horizontal one's, unless that one would OOM). A start is completed by a greedy
//     over the moves {+1 replica, next larger size} of any service (best shortfall reduction per
//     dollar), then a pruning pass re-sizes one service at a time to its cheapest (replicas, size)
//     that keeps the objective. On every 8th load (and on a single load), joint moves follow: one
//     service forced one step cheaper, the others repaired by the greedy, pruned again, kept if
//     cheaper; its gains carry down to the lower loads through the warm start. (Joint moves on every
//     load lower one day of Online Boutique by 0.2 % for 7x the time.)
//  2. Resizing is free and instant (a relaxation: it can only lower the bound). Replica additions
//     honour SecondsToReady() and removals termination_seconds exactly as the horizontal bound:
//     the pods existing at tick t are the window max of the ready counts. Pods that exist but are
//     not needed at t are priced at the cheapest size on the grid with an idle working set (again
//     a relaxation).
// Caveats: step 1 is a heuristic search (tests check it against brute force on small apps and
// grids); ticks no (replicas, size) within [min, max] x grid can serve are counted in
// `infeasible_ticks` and priced at the cheapest configuration that keeps every service stable.
//
// Thread-safe: pure functions of their arguments.
#pragma once

#include <vector>

#include "common/status.h"
#include "sim/app_model.h"

namespace podpilot {

// service_state.cc draws each pod's working-set spread from [0.94, 1.06]; a pod is OOM-killed
// when working set x spread exceeds its memory limit.
inline constexpr double kMinMemoryFactor = 0.94;

struct VerticalBoundOptions {
  double required_attainment = 0.99;  // per tick, as ClairvoyantOptions
  // Per-pod CPU request factors: ratio^j for every integer j with ratio^j in about
  // [min_factor, max_factor] (the grid is widened outwards to whole steps; 1 is always on it).
  double min_factor = 0.05;
  double max_factor = 8.0;
  double ratio = 1.1;
  bool keep_trajectory = false;       // fill VerticalResult's per-tick vectors
};

// The CPU factors the options describe, ascending. Empty if the options are invalid.
std::vector<double> VerticalSizeFactors(const VerticalBoundOptions& options);

// Smallest memory request (bytes) of one pod of `m` whose proportional limit holds the working set
// with `inflight_per_pod` requests in flight (see the top of this file).
double MinMemoryRequest(const ServiceModel& m, double inflight_per_pod);

// $ per hour of one pod of service s with CPU request cpu_factor x the app's request and
// `memory_request` bytes (the simulator's cost formula).
double VerticalPodPricePerHour(const AppModel& app, int s, double cpu_factor, double memory_request);

struct VerticalPlan {
  std::vector<int> replicas;           // ready pods per service
  std::vector<double> cpu_factor;      // their CPU request / the app's request
  std::vector<double> memory_request;  // their memory request, bytes
  double cost_per_hour = 0;            // of those ready pods
  bool feasible = true;                // false: no configuration meets the objective at this load
};

// Step 1 for each of `loads` (entry rates, requests per second, any order; solved from the highest
// down so each solution also starts from the next higher one). Exposed for tests.
StatusOr<std::vector<VerticalPlan>> CheapestVerticalPlans(const AppModel& app, const std::vector<double>& loads,
                                                          const VerticalBoundOptions& options);

struct VerticalResult {
  double cost = 0;          // $, the simulator's formula on the sized pods
  double pod_hours = 0;     // pods existing (starting and terminating included)
  int infeasible_ticks = 0;
  int distinct_loads = 0;
  // Per tick, per service (only with keep_trajectory).
  std::vector<std::vector<int>> ready;              // [t][s] ready pods needed
  std::vector<std::vector<int>> existing;           // [t][s] pods existing
  std::vector<std::vector<double>> cpu_factor;      // [t][s] size of the ready pods
  std::vector<std::vector<double>> memory_request;  // [t][s] bytes per ready pod
};

// `rates[t]` as ComputeClairvoyant's. Errors: InvalidArgument for bad options or rates.
StatusOr<VerticalResult> ComputeVerticalClairvoyant(const AppModel& app, const std::vector<double>& rates,
                                                    const VerticalBoundOptions& options);

}  // namespace podpilot
