// Request-level discrete-event simulation (DES) of the latency model: the ground truth the fast
// model (queueing.h, simulator.h) is validated against on small cases (design.md §4 "Latency").
//
// What it simulates, request by request:
//   * entry requests arrive as a Poisson process and pick a request class by its weight;
//   * a class is a fixed sequence of visits (a sequential call tree flattened in call order: a
//     service's own processing, then its calls one after another), with constant network delays
//     between them: 2 x network_hop_ms per call edge plus 2 x hop at the entry, exactly the time
//     the fast model adds;
//   * each service has `pods` identical pods; a visit goes to one pod (round-robin or uniformly at
//     random); each pod is a processor-sharing server of `capacity_cores` (limit - base CPU, the
//     same abstraction as the fast model): with n jobs present, every job's remaining work (in
//     core-seconds) drains at capacity / n;
//   * the work of a visit is drawn from a gamma with the visit's mean and the service's cpu_cv
//     (exponential when cv = 1, constant when cv = 0).
// Pods are updated lazily: each keeps a virtual clock (service attained by every job present) and
// its jobs' finish tags in a heap, so an arrival or departure costs O(log jobs) and the global
// event heap holds one live departure per busy pod.
//
// Not modelled (the fast model's other parts): overload backlog and timeouts (RunDes refuses
// utilisation >= 1), pod lifecycle, memory, parallel calls.
//
// Deterministic: the same model and options give bit-identical results. Arrivals, class choice,
// demands and routing draw from separate streams (Rng::Derive) so that, for example, switching
// the routing leaves the arrival times and demands unchanged (common random numbers).
// Thread-compatible: no shared state; run one RunDes per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/app_model.h"

namespace podpilot {

struct DesService {
  std::string name;
  int pods = 1;
  double capacity_cores = 1.0;  // per pod, available to requests
  double demand_cv = 1.0;       // coefficient of variation of a visit's CPU demand
};

struct DesVisit {
  int service = 0;              // index into DesModel::services
  double mean_demand = 0.0;     // core-seconds
  double delay_before_s = 0.0;  // constant network time between the previous visit (or the
                                // entry) and this one
};

struct DesClass {
  std::string name;
  double weight = 1.0;          // relative share of the entry traffic
  std::vector<DesVisit> visits; // in order; at least one
  double delay_after_s = 0.0;   // network time from the last visit's end to the response
};

struct DesModel {
  std::vector<DesService> services;
  std::vector<DesClass> classes;
};

// Builds a DES model from an application: every service with `replicas[i]` pods (the model's
// initial replicas when `replicas` is empty) of capacity max(1e-3, limits.cpu - base_cpu), and
// every request class's call tree flattened in call order with the fast model's hop delays
// (a per-call cpu_per_request overrides the service's). Refuses (InvalidArgument, naming the
// class, the call path and the value) parallel steps and visits != 1, which the DES does not
// model, and a replicas vector of the wrong size or with a non-positive entry.
StatusOr<DesModel> DesModelFromApp(const AppModel& app, const std::vector<int>& replicas = {});

enum class DesRouting { kRoundRobin, kRandom };

struct DesOptions {
  double arrival_rate = 1.0;      // entry requests per second (Poisson)
  int64_t warmup_requests = 10000; // the first arrivals, not measured (the system starts empty)
  int64_t requests = 100000;      // measured requests (arrivals after the warm-up)
  DesRouting routing = DesRouting::kRandom;
  uint64_t seed = 1;
  int batches = 40;               // batch means for the standard errors; requests >= 10 x batches
  bool keep_latencies = false;    // return every measured latency (arrival order)
};

// Latency statistics of a set of requests, in milliseconds.
struct DesLatencyStats {
  int64_t count = 0;
  double mean_ms = 0, p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double scv = 0;                 // squared coefficient of variation
  // Standard errors by the method of batch means over consecutive arrivals (the latencies of
  // neighbouring requests are correlated, so the i.i.d. formula would be far too small).
  double mean_se_ms = 0, p95_se_ms = 0;
};

struct DesServiceStats {
  int64_t visits = 0;             // measured requests' visits
  double sojourn_mean_ms = 0;     // per visit, at the pod (queueing + service)
  double sojourn_scv = 0;
  double utilisation = 0;         // busy time / (pods x simulated time), whole run
};

struct DesResult {
  DesLatencyStats overall;                 // end to end, all classes
  std::vector<DesLatencyStats> classes;    // per class, in model order (count 0 if never picked)
  std::vector<DesServiceStats> services;
  std::vector<double> latencies_ms;        // measured latencies, arrival order (keep_latencies)
  double simulated_seconds = 0;
};

// Runs the simulation until every measured request has completed. Refuses (InvalidArgument,
// naming the field and value) an empty or malformed model, a non-positive rate, too few requests
// for the batches, and any service whose offered utilisation is >= 1 (no steady state exists).
StatusOr<DesResult> RunDes(const DesModel& model, const DesOptions& options);

// Offered utilisation of each service's pods (arrival rate x mean demand / total capacity).
std::vector<double> DesUtilisation(const DesModel& model, double arrival_rate);

// The fast model's answer for the same question, for the cross-checks: runs the real Simulator
// over `arrivals` (entry requests per second; no policy, the initial replicas throughout) and
// returns, per class, the request-weighted mean latency and the p95 of the request-weighted
// mixture of the per-tick gamma latency distributions (solved by bisection on the tabled CDF),
// plus the run totals' histogram p95 over all classes (RunTotals::LatencyQuantileMs, what the
// scorecard reports). Errors (overload, OOM) are counted, not hidden. Throws what the Simulator
// constructor throws (std::invalid_argument on a bad SimConfig; the default one is valid).
struct FastClassLatency {
  double requests = 0;
  double mean_ms = 0;
  double p95_ms = 0;
  double errors = 0;
};
struct FastLatency {
  std::vector<FastClassLatency> classes;
  double run_hist_p95_ms = 0;
  std::vector<double> mean_rho;   // per service, tick average of Simulator::ServiceTick::rho
  int oom_kills = 0;
};
// `rates` (optional, same length) is the mean rate the counts were drawn around (Simulator::Reset).
FastLatency RunFastModel(std::shared_ptr<const AppModel> app, const std::vector<double>& arrivals, uint64_t seed,
                         const std::vector<double>* rates = nullptr);

}  // namespace podpilot
