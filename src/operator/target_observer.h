// Builds the Observation a policy sees (src/policy/observation.h) from a real cluster: the
// replicas, selector and pod template of each target workload (Deployment, StatefulSet or
// ReplicaSet), its pods (readiness, start times, OOM kills in the last control interval), the
// metrics API (metrics.k8s.io, as the HPA reads CPU and memory) and, when the autoscaler names
// PromQL queries, Prometheus (the group's request rate and latency for the SLO; each target's
// request rate, latency, errors and requests in flight from spec.signals.perTarget).
//
// What fails and what it means:
//  * A Kubernetes read (workload, pods) fails -> the whole observation fails (no action
//    may be taken on a target the operator cannot see).
//  * The metrics API or Prometheus fails -> the observation is returned without those signals
//    (pods carry has_metrics=false; rates stay 0) and `signal_errors` says what failed, so the
//    caller can fall back to the HPA rule or hold, and report why.
//
// Thread-safety: ObserveTargets is reentrant; the clients it is given must outlive the call.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "k8s/kube_client.h"
#include "operator/autoscaler_spec.h"
#include "policy/observation.h"
#include "prom/prometheus_client.h"

namespace podpilot::op {

struct ObservedTarget {
  std::string scale_resource_version;  // of the workload, for a conditional scale update
  std::string selector;                // label selector of its pods (scale status.selector)
};

struct ObservationResult {
  Observation observation;             // targets index-aligned with spec.targets
  std::vector<ObservedTarget> targets;
  bool metrics_api_ok = true;          // false: no CPU/memory samples (signal_errors says why)
  bool prometheus_ok = true;           // false: a configured query failed
  std::set<std::string> failed_fields; // the spec fields whose query failed, e.g. "spec.signals.perTarget.requestRate"
  std::vector<std::string> signal_errors;
};

class ClusterCache;

// OOM kills already counted for one autoscaler, so that each is counted once, in the first
// observation that sees it, however reconciles are spaced and however late the kubelet's status
// arrives (CountNewOomKills). Keys are "pod uid/container/finishedAt/containerID"; kept for
// kOomLookbackS.
struct OomKillLedger {
  std::map<std::string, double> seen;  // key -> finishedAt (Unix seconds)
  bool primed = false;                 // false until the first observation has recorded the past
};
inline constexpr double kOomLookbackS = 3600;

struct ObserverOptions {
  double control_interval_s = 15.0;
  bool want_pod_samples = true;
  // Read Deployments, pods and pod metrics from this cache once it has synced (null, or not yet
  // synced: straight from the API server). Not owned.
  ClusterCache* cache = nullptr;
  // Counts each target's OOM kills once (CountNewOomKills); null: those that finished in the last
  // control_interval_s (CountOomKills). Not owned; one per autoscaler.
  OomKillLedger* oom_ledger = nullptr;
};

// `prom` may be null: then PromQL signals are not read (and not reported as errors unless the
// spec configures a query, which is then an error "no Prometheus configured"). Once one query
// finds Prometheus unreachable, the observation's remaining queries fail unsent (signal_reader.h).
StatusOr<ObservationResult> ObserveTargets(const k8s::KubeClient& kube, const prom::PrometheusClient* prom,
                                           const AutoscalerSpec& spec, double now_unix_s,
                                           const ObserverOptions& options = {});

// How long the slowest target's pods take from start (status.startTime) to Ready: per target the
// median over ready pods whose Ready transition came 0-900 s after their start (a later one is a
// readiness flap, not a start-up), then the largest; `fallback` when no pod tells. The predictive
// policy's start-up horizon, as the simulator's slowest service gives it (eval/run.cc). Scheduling
// and node provisioning before startTime are not in it.
double TypicalStartupSeconds(const Observation& o, double fallback);

// OOM kills of `pod` (a Pod object) that finished in (since_s, until_s]: containers (init ones
// too) whose current or last termination is "OOMKilled". The kubelet keeps one termination per
// container, so two kills of one container inside the interval count once.
int CountOomKills(const nlohmann::json& pod, double since_s, double until_s);

// The same kills, counted once each across observations: those not yet in `ledger` that finished
// within kOomLookbackS of `now_s` are counted and recorded. Until the ledger is primed, kills that
// finished before now_s - interval_s are recorded without counting (they predate the operator's
// watch). The caller prunes with PruneOomKillLedger and sets `primed` after the observation.
int CountNewOomKills(const nlohmann::json& pod, double now_s, double interval_s, OomKillLedger* ledger);
void PruneOomKillLedger(double now_s, OomKillLedger* ledger);

// Parses RFC 3339 times as the API server writes them ("2026-12-06T02:33:04Z", fractional
// seconds allowed); InvalidArgument otherwise.
StatusOr<double> ParseRfc3339(const std::string& text);

// Sums the containers' resources of a pod template ("requests" or "limits"); containers without
// the field add nothing.
Resources SumContainerResources(const nlohmann::json& pod_spec, const char* field);

}  // namespace podpilot::op
