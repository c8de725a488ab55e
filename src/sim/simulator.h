// Simulator: the fast application + cluster model of design.md §4, one tick (dt = 1 s) at a time.
//
// Per tick, for the entry arrivals of that second:
//   * each service receives its visits (class mix x call-tree visits) spread evenly over its
//     ready pods; each pod is a processor-sharing server on its CPU limit (minus base CPU);
//   * below saturation, per-visit sojourn moments come from the M/M/1-PS formulas (queueing.h);
//     above it, work the pods cannot serve becomes a fluid backlog whose drain time adds to every
//     visit; backlog older than the service's timeout is dropped as errors;
//   * requests of each class combine their call tree's moments (sequential sums, parallel max) into
//     an end-to-end gamma; the fraction within the class's SLO is credited, errors are not;
//   * requests in flight = the second's counted visits x their mean time in the service (so they
//     carry the arrivals' noise, as a measured concurrency does); working set = base + memory per
//     request in flight; over the limit is an OOM kill;
//   * cost accrues on the requests of every existing pod (pending, starting, terminating included).
// Pod lifecycle and scheduling live in ServiceState and Cluster.
//
// Deterministic: the same app, arrivals and seed give bit-identical results.
// Thread-compatible: one Simulator per thread; the AppModel is shared read-only.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/rng.h"
#include "policy/observation.h"
#include "sim/app_model.h"
#include "sim/call_plans.h"
#include "sim/cluster.h"
#include "sim/queueing.h"
#include "sim/service_state.h"

namespace podpilot {

struct SimConfig {
  double metrics_window_s = 30;   // metrics-server style averaging window
  // Extra delay (whole seconds) before samples are visible (scrape / pipeline): every target's
  // window and per-pod metric samples, and the application's per-class interval (request rate,
  // SLO attainment, latency) all end `lag` seconds before now. Replica counts, pod phases and OOM
  // kills are not delayed (the API server reports them as pod status, not the metrics pipeline).
  double metrics_lag_s = 0;
  bool pod_samples = false;       // fill TargetObservation::pods (the HPA needs them)
  std::vector<std::string> targets;  // services the policy controls; empty = all services
  bool force_tree_walk = false;   // evaluate every call tree by walking it (cross-checks the fast path)
  double control_interval_s = 15; // longest look-back of Observe() besides the metrics window;
                                  // Observe() with a longer interval throws std::logic_error
};

// Totals since Reset (the scorecard's raw material).
struct RunTotals {
  double sim_seconds = 0;
  double requests = 0;            // entry requests
  double ok_within_slo = 0;       // completed without error within the class SLO
  double errors = 0;
  double cost = 0;                // $ on requested resources
  double node_cost = 0;           // $ on provisioned nodes (alternative view)
  double pod_seconds = 0;
  double cpu_usage_core_seconds = 0;
  double cpu_request_core_seconds = 0;
  double memory_usage_byte_seconds = 0;
  double memory_request_byte_seconds = 0;
  int scaling_actions = 0;        // decisions that changed at least one target
  int replica_changes = 0;        // sum of |delta replicas|
  int resource_changes = 0;
  int oom_kills = 0;
  int intervals = 0;
  int intervals_meeting_slo = 0;  // control intervals whose p95 met every class's objective
  // Run-level latency distribution (request-weighted, log-spaced bins 0.1 ms .. 1000 s, 200 per
  // decade: 1.2 % wide).
  static constexpr int kLatencyBins = 1600;
  std::array<double, kLatencyBins> latency_hist{};
  double LatencyQuantileMs(double p) const;
  double SloAttainment() const { return requests > 0 ? ok_within_slo / requests : 1.0; }
};

// Totals of one control interval (reset by TakeInterval).
struct IntervalTotals {
  double seconds = 0;
  double requests = 0, ok_within_slo = 0, errors = 0, cost = 0;
  int replica_changes = 0;
  int oom_kills = 0;
};

class Simulator {
 public:
  Simulator(std::shared_ptr<const AppModel> app, SimConfig config);

  // Starts a run over `arrivals` (entry requests counted in each second; its size is the run's
  // length). `rates` (same length, optional) is the mean rate those counts were drawn around: it
  // drives the queueing model, while the counts weigh requests and CPU used; without it the counts
  // serve for both. The initial replicas of each service are ready at t = 0.
  void Reset(std::shared_ptr<const std::vector<double>> arrivals, uint64_t seed, double start_time_of_day_s = 0,
             int start_day_of_week = 0, std::shared_ptr<const std::vector<double>> rates = nullptr);

  // Applies a decision now (clamped to each target's [min, max]). Returns the replica changes.
  int Apply(const Decision& decision);
  // Advances one second.
  void Tick();
  bool Done() const { return t_ >= static_cast<int64_t>(arrivals_->size()); }
  double Now() const { return static_cast<double>(t_); }

  // Fills `obs` for the targets (reusing its vectors). `control_interval_s` is reported as is.
  // Metric samples are seen `metrics_lag_s` late (SimConfig).
  void Observe(Observation* obs, double control_interval_s) const;
  // Fills only obs->classes, request_rate, slo_attainment and latency_p95_ms, from the control
  // interval that just ended whatever the metrics lag: what happened, for time series and plots.
  // Equal to Observe's at lag 0.
  void ObserveLastInterval(Observation* obs, double control_interval_s) const;
  // Returns the totals since the previous call and starts a new interval; also folds the
  // interval's class latency mixture into the run-level histogram.
  IntervalTotals TakeInterval();

  const RunTotals& totals() const { return totals_; }
  const AppModel& app() const { return *app_; }
  const SimConfig& config() const { return config_; }
  const std::vector<int>& target_services() const { return target_services_; }
  const ServiceState& service(int i) const { return services_[i]; }
  // For fault injection (tests, chaos scenarios): direct access to a service's pods.
  ServiceState& mutable_service(int i) { return services_[i]; }
  const Cluster& cluster() const { return cluster_; }

  // Live per-tick state, for the metric exposition and the discrete-event cross-checks.
  struct ServiceTick {
    double visits = 0;          // arrivals this tick
    double errors = 0;          // visits failed this tick
    double cpu_usage = 0;       // cores over all pods
    double rho = 0;             // utilisation of ready capacity (1 in overload)
    double visit_mean_ms = 0;   // own queueing + CPU per visit
    double visit_scv = 1;
    double wait_ms = 0;         // backlog drain delay per visit
    double subtree_mean_ms = 0; // per visit incl. downstream calls (Istio destination view)
    double subtree_m2 = 0;      // second moment of the above
    double working_set = 0;     // bytes per ready pod
  };
  const std::vector<ServiceTick>& last_tick() const { return tick_; }
  struct ClassTick {
    double requests = 0, ok = 0, errors = 0, mean_ms = 0, scv = 1;
  };
  const std::vector<ClassTick>& last_class_tick() const { return class_tick_; }

 private:
  // Cumulative per-service sums over ticks, kept in a ring for O(1) window averages.
  struct Cum {
    double cpu_ready = 0;       // core-seconds used by ready pods
    double ready_pod_s = 0;     // ready pod-seconds
    double visits = 0, errors = 0;
    double lat_w = 0, lat_sum = 0, lat_m2 = 0;  // visit-weighted subtree latency moments
    double inflight = 0;        // in-flight requests x seconds (over ready pods)
    double mem = 0;             // working set x ready pod-seconds
    int oom = 0;
  };
  // Per-class request sums (over an interval, or cumulative in the lag ring).
  struct ClassInterval {
    double requests = 0, ok = 0, errors = 0, sum = 0, m2 = 0;
    // `n` requests with an end-to-end latency of this mean and variance.
    void Add(double n, double ok_n, double errors_n, double mean, double var) {
      requests += n;
      ok += ok_n;
      errors += errors_n;
      sum += n * mean;
      m2 += n * (var + mean * mean);
    }
  };
  // The ring holds the last ring_size_ ticks (a power of two >= the longest look-back); it is kept
  // as small as the windows allow because it is written every tick and evicts the latency tables
  // from cache when large.
  static constexpr int kMaxRing = 1024;
  int ring_size_ = 64;

  void UpdateService(int s, double entry, double rate);
  void UpdateClasses(double entry);
  const Cum& CumAt(int s, int64_t t) const;
  // Class c's sums over ticks [from, to) (metrics lag only).
  ClassInterval LaggedClassInterval(size_t c, int64_t from, int64_t to) const;
  // The class part of an observation from one interval's sums per class (`interval(c)`).
  template <typename IntervalOf>
  void FillClasses(Observation* obs, double control_interval_s, IntervalOf interval) const;

  std::shared_ptr<const AppModel> app_;
  SimConfig config_;
  std::shared_ptr<const std::vector<double>> arrivals_;
  std::shared_ptr<const std::vector<double>> rates_;
  Rng rng_;
  Cluster cluster_;
  std::vector<ServiceState> services_;
  std::vector<int> target_services_;
  int64_t t_ = 0;
  double start_tod_ = 0;
  int start_dow_ = 0;

  std::unique_ptr<CallPlans> plans_;
  // Per service state carried across ticks.
  std::vector<double> backlog_work_;   // core-seconds queued
  // Scratch for this tick.
  std::vector<double> sec_per_core_;   // slowdown / capacity per pod: visit time = cpu x this
  std::vector<double> wait_ms_, scv_, v2_, subtree_mean_, subtree_m2_;
  std::vector<double> err_frac_;
  std::vector<ServiceTick> tick_;
  std::vector<ClassTick> class_tick_;
  bool any_errors_ = false;

  std::vector<Cum> ring_;  // [service * ring_size_ + tick % ring_size_]
  std::vector<Cum> cum_;
  // Interval accumulators.
  IntervalTotals interval_;
  std::vector<ClassInterval> class_interval_;
  std::vector<ClassInterval> class_last_;  // the previous completed interval, for Observe
  // With a metrics lag only: cumulative class sums and their ring ([class * ring_size_ + tick %
  // ring_size_]), so Observe can read the interval that ended `lag` seconds ago. Not kept without
  // a lag, where class_last_ is that interval (and the per-tick writes would cost for nothing).
  std::vector<ClassInterval> class_cum_;
  std::vector<ClassInterval> class_ring_;
  RunTotals totals_;
};

}  // namespace podpilot
