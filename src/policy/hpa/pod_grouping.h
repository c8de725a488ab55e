// Pod grouping and request sums for the HPA replica calculator (baselines.md 1.4).
//
// Mirrors groupPods / calculateRequests / removeMetricsForPods of upstream
// replica_calculator.go. Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/hpa/hpa_types.h"

namespace podpilot::hpa {

struct PodGroups {
  int ready_pod_count = 0;
  std::set<std::string> unready;  // Pending pods, and (CPU only) pods still warming up
  std::set<std::string> missing;  // no metric for the pod
  std::set<std::string> ignored;  // being deleted, or phase Failed
};

// Classifies each pod, in this order: ignored (deletionTimestamp or Failed), unready (Pending),
// missing (no metric), then — only when `resource` is CPU — unready by the CPU initialisation and
// readiness rules, else ready. `resource` nullopt means a Pods (custom) metric: no CPU rules.
// Time comparisons are strict, as Go's Before/After.
PodGroups GroupPods(const std::vector<Pod>& pods, const PodMetricsInfo& metrics,
                    std::optional<ResourceName> resource, double cpu_initialization_period_s,
                    double initial_readiness_delay_s, Time now);

// Erases the metrics of the named pods.
void RemoveMetricsForPods(PodMetricsInfo& metrics, const std::set<std::string>& pods);

// Pod name -> request in milli-units. With `container` empty: the pod-level request when
// `pod_level_resources` is on and the pod sets one, else the sum over containers and sidecar
// init containers. With `container` named: that container only. Errors (naming the pod and
// container) when a counted container has no request or the named container does not exist.
StatusOr<std::map<std::string, int64_t>> CalculateRequests(const std::vector<Pod>& pods,
                                                          const std::string& container,
                                                          ResourceName resource,
                                                          bool pod_level_resources);

}  // namespace podpilot::hpa
