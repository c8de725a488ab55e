// Observation and Decision: the one interface between a policy and the world.
//
// The simulator (src/sim) and the operator (src/operator, from Prometheus and metrics.k8s.io)
// both fill an Observation, and both apply a Decision. A policy never knows which world it is in.
//
// Conventions: CPU in cores, memory in bytes, time in seconds since the start of the run (the
// simulator) or Unix seconds (the operator), latency in milliseconds, rates per second.
// Windowed quantities cover the `metrics_window_s` before `time_s` (metrics-server style 30 s by
// default) and are seen with the lag the source has.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace podpilot {

struct Resources {
  double cpu = 0.0;     // cores
  double memory = 0.0;  // bytes
  bool operator==(const Resources&) const = default;
};

// One pod as the HPA's replica calculator sees it (pod grouping needs readiness and start times).
struct PodSample {
  enum class Phase : uint8_t { kPending, kRunning, kFailed };
  Phase phase = Phase::kPending;
  bool ready = false;
  bool deleting = false;
  double start_time_s = -1;         // container start; -1 if not started
  double ready_transition_s = -1;   // last readiness condition change
  bool has_metrics = false;         // false for pods the metrics pipeline has no sample of yet
  double cpu_usage = 0.0;           // cores, window average
  double memory_usage = 0.0;        // bytes, working set
  // Start of the window the sample covers (Unix or simulated seconds; may be 0 or negative early
  // in a lagged run); NaN when the producer does not say, and consumers assume the window ending
  // at the observation's time_s.
  double metric_window_start_s = std::numeric_limits<double>::quiet_NaN();
};

struct TargetObservation {
  std::string name;                 // Deployment / service name
  // Replica counts.
  int replicas_spec = 0;            // desired (scale subresource spec)
  int replicas_ready = 0;           // ready and in the load balancer
  int replicas_starting = 0;        // scheduled, not ready yet
  int replicas_pending = 0;         // not scheduled (no room)
  int min_replicas = 1;
  int max_replicas = 1;
  // Per-pod resources of the current template.
  Resources requests;
  Resources limits;
  // Window averages per ready pod.
  double cpu_usage = 0.0;           // cores per pod
  double memory_usage = 0.0;        // bytes per pod
  double cpu_utilization = 0.0;     // usage / request (0.5 = 50 %)
  double memory_utilization = 0.0;
  // Traffic of this service (all its callers) over the window.
  double request_rate = 0.0;        // requests per second arriving at the service
  double error_rate = 0.0;          // requests per second failed (timeouts, no ready pod)
  // Latency as the mesh reports it at this destination (Istio): its own queueing and CPU time plus
  // the downstream calls it makes, per visit.
  double latency_mean_ms = 0.0;
  double latency_p95_ms = 0.0;
  double in_flight = 0.0;           // mean requests in flight per ready pod (queue)
  int oom_kills = 0;                // OOM kills within the last control interval (pod status: never delayed)
  // Per-pod view; filled only when the consumer asked for it (the HPA's replica calculator).
  std::vector<PodSample> pods;
};

struct ClassObservation {
  std::string name;
  double request_rate = 0.0;        // per second, over the last control interval (*)
  double latency_p95_ms = 0.0;      // end to end
  double latency_mean_ms = 0.0;
  double slo_ms = 200.0;
  double slo_attainment = 1.0;      // fraction of requests OK and within slo_ms, last interval (*)
  double error_rate = 0.0;
};

struct Observation {
  double time_s = 0.0;
  double control_interval_s = 15.0;
  double metrics_window_s = 30.0;
  double time_of_day_s = 0.0;       // seconds since local midnight of the workload clock
  double day_of_week = 0.0;         // 0 = Monday
  // (*) "The last interval" ends at time_s, or `metrics lag` seconds before it when the metrics
  // pipeline delays samples (SimConfig::metrics_lag_s); so do the targets' windows.
  double request_rate = 0.0;        // entry requests per second over the last interval (*)
  double slo_attainment = 1.0;      // over the last interval, all classes (*)
  double latency_p95_ms = 0.0;      // request-weighted over classes
  std::vector<ClassObservation> classes;
  std::vector<TargetObservation> targets;
};

// What a policy wants for one target. Fields left at their "keep" value change nothing.
struct TargetDecision {
  static constexpr int kKeep = -1;
  int replicas = kKeep;
  bool set_resources = false;       // when true, requests/limits below replace the template
  Resources requests;
  Resources limits;
};

// One decision for all targets (index-aligned with Observation::targets), taken together:
// coordinated groups change several targets in the same decision.
struct Decision {
  std::vector<TargetDecision> targets;
  std::string reason;
  // Non-empty when the policy could not apply its own rule to this observation and decided by
  // its fallback instead (e.g. a learned model trained at another control interval): why, in one
  // line. The operator reports it as FallbackActive=True (PolicyFallback).
  std::string fallback;
};

}  // namespace podpilot
