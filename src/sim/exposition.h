// MetricExposition: the simulator's state as Prometheus metrics with the names and labels that
// cAdvisor (kubelet), kube-state-metrics and Istio's destination reporter export, so that PromQL
// written for a real cluster runs unchanged against a simulated one (design.md §2).
//
//   Simulator sim(app, config);
//   sim.Reset(arrivals, seed);
//   MetricExposition expo(&sim, ExpositionOptions{});
//   while (!sim.Done()) {
//     sim.Tick();
//     expo.Observe();                    // after EVERY tick, before any Simulator::Apply
//     ... policy: sim.Apply(decision) ...
//   }
//   std::string text = expo.Render();    // text exposition format 0.0.4
//
// Families (label sets as the real exporters have them; see exposition.cc for the details):
//   cAdvisor            container_cpu_usage_seconds_total, container_memory_working_set_bytes,
//                       container_spec_cpu_quota, container_spec_cpu_period,
//                       container_spec_memory_limit_bytes
//                       {namespace, pod, container, node, image}
//   kube-state-metrics  kube_deployment_spec_replicas, kube_deployment_status_replicas,
//                       kube_deployment_status_replicas_available {namespace, deployment};
//                       kube_pod_info, kube_pod_status_phase, kube_pod_status_ready,
//                       kube_pod_container_resource_requests / _limits,
//                       kube_pod_container_status_restarts_total {namespace, pod, ...}
//   Istio               istio_requests_total and istio_request_duration_milliseconds (histogram,
//                       Istio's default buckets) with reporter="destination".
//
// Counters are accumulated by Observe() from the simulator's per-tick live values, so they are
// monotone within a run. Request counts and histogram buckets are expected values (the fast model
// has no individual requests), hence fractional. Pod names look like Kubernetes' own:
// <deployment>-<pod-template-hash>-<suffix>, stable for a pod's whole life.
//
// Cost: the Simulator knows nothing of this class; a run without a MetricExposition pays nothing.
// Attached, Observe() is O(pods + services x buckets) per tick and Render() O(series).
//
// Thread-compatible: Observe() and Render() read the Simulator, so call them from the thread that
// drives it (or under the same lock). The Simulator must outlive this object.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/simulator.h"

namespace podpilot {

struct ExpositionOptions {
  std::string namespace_name = "default";  // Kubernetes namespace of every workload
  std::string node_prefix = "sim-node";    // node i is "<node_prefix>-<i>"
  std::string cluster_domain = "cluster.local";
};

// Istio's default request-duration buckets in milliseconds (+Inf is implicit).
inline constexpr std::array<double, 18> kIstioDurationBucketsMs = {
    1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000};

// Kubernetes-style names. `template_hash` is the 10-character pod-template-hash of a Deployment's
// template generation; `PodName` appends a 5-character suffix that is distinct for distinct pod ids
// (below 27^5) of one deployment. Both use Kubernetes' "safe" alphabet (no vowels, no 0/1/3), are
// deterministic and depend only on their arguments.
std::string PodTemplateHash(const std::string& namespace_name, const std::string& deployment, uint32_t version);
std::string PodName(const std::string& namespace_name, const std::string& deployment, uint32_t version,
                    uint32_t pod_id);

// Escapes a label value for the text format: backslash, double quote and line feed.
std::string EscapeLabelValue(const std::string& value);

class MetricExposition {
 public:
  // `sim` is not owned and must outlive this object.
  MetricExposition(const Simulator* sim, ExpositionOptions options);

  // Accumulates the tick the simulator just ran. Call after every Simulator::Tick() and before
  // the next Simulator::Apply() (a decision applied in between would be mistaken for part of the
  // tick). If the simulator was Reset, or ticks were skipped, the exposition starts over as a
  // restarted exporter would: counters restart at zero (Prometheus' rate() handles resets); the
  // tick is counted when it is a run's first, otherwise it only sets the baseline.
  void Observe();

  // The current metrics in the Prometheus text format 0.0.4 (HELP and TYPE lines, one family per
  // block, no timestamps). Gauges reflect the simulator now; counters what Observe() accumulated.
  std::string Render() const;

  // Simulated time of the last Observe(), or -1 before the first.
  double last_observed_s() const { return last_now_; }

 private:
  // Per-pod accumulated state, keyed by pod id within its service.
  struct PodRecord {
    std::string name;            // fixed at first sight (an in-place resize keeps the name)
    std::string replica_set;     // <deployment>-<template hash>
    double cpu_seconds = 0;      // container_cpu_usage_seconds_total
    double last_seen_s = -1;     // simulated time of the last Observe that saw the pod
    bool container_ran = false;  // its container has started (cAdvisor keeps it while terminating)
  };
  // Istio response classes the simulator produces.
  enum Code { k200 = 0, k503 = 1, k504 = 2, kCodes = 3 };
  struct CodeCounters {
    bool seen = false;           // Envoy creates a series on its first request
    double requests = 0;
    double sum_ms = 0;
    std::array<double, kIstioDurationBucketsMs.size()> buckets{};  // cumulative, excluding +Inf
  };
  struct ServiceRecord {
    std::unordered_map<uint32_t, PodRecord> pods;
    double prev_cpu_per_ready_pod = 0;
    double carried_errors = 0;   // errors beyond this tick's visits (lost backlog), charged later
    std::array<CodeCounters, kCodes> codes;
  };

  void StartOver(bool count_this_tick);
  void AccumulateCpu(int s, double tick_s);
  void AccumulateRequests(int s);
  const PodRecord* FindPod(int s, uint32_t id) const;
  std::string NodeName(int node) const;

  const Simulator* sim_;
  ExpositionOptions options_;
  std::vector<ServiceRecord> services_;
  double last_now_ = -1;
};

}  // namespace podpilot
