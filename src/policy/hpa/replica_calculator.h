// The HPA replica calculator: one replica proposal per metric (baselines.md 1.5), a port of
// upstream replica_calculator.go.
//
// Each function takes the pods matched by the scale selector and the metric values the metrics
// client returned, and proposes a replica count. Proposals multiply by the number of ready pods
// (first pass) or by the number of metric entries (second pass), never by the spec replicas.
// Errors carry upstream's messages ("did not receive metrics for targeted pods ...").
//
// Pure functions of their arguments; `now` is a parameter. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/hpa/hpa_types.h"

namespace podpilot::hpa {

// Knobs of the calculator that come from controller flags and gates.
struct CalculatorConfig {
  double cpu_initialization_period_s = 300;
  double initial_readiness_delay_s = 30;
  bool pod_level_resources = true;
  static CalculatorConfig From(const ControllerConfig& c) {
    return {c.cpu_initialization_period_s, c.initial_readiness_delay_s, c.pod_level_resources};
  }
};

struct ResourceReplicas {
  int32_t replicas = 0;
  int32_t utilization = 0;   // percent of request (before missing/unready pods are filled in)
  int64_t raw_average = 0;   // average usage per pod, milli-units
};

struct PlainReplicas {
  int32_t replicas = 0;
  int64_t usage = 0;  // the value reported in status (average, total or per-pod, milli-units)
};

// Resource / ContainerResource with an Utilization target (GetResourceReplicas). `container`
// empty means the whole pod.
StatusOr<ResourceReplicas> GetResourceReplicas(int32_t current_replicas, int32_t target_utilization,
                                               ResourceName resource, const std::string& container,
                                               const Tolerances& tolerances,
                                               const std::vector<Pod>& pods, PodMetricsInfo metrics,
                                               Time now, const CalculatorConfig& config);

// Resource / ContainerResource with an AverageValue target (GetRawResourceReplicas): the plain
// algorithm with the CPU readiness rules when `resource` is CPU.
StatusOr<PlainReplicas> GetRawResourceReplicas(int32_t current_replicas, int64_t target_usage,
                                               ResourceName resource, const Tolerances& tolerances,
                                               const std::vector<Pod>& pods, PodMetricsInfo metrics,
                                               Time now, const CalculatorConfig& config);

// Pods metric with an AverageValue target (GetMetricReplicas): no CPU readiness rules.
StatusOr<PlainReplicas> GetMetricReplicas(int32_t current_replicas, int64_t target_usage,
                                          const Tolerances& tolerances,
                                          const std::vector<Pod>& pods, PodMetricsInfo metrics,
                                          Time now, const CalculatorConfig& config);

// Object metric with a Value target. `usage` is the object's value. With current_replicas 0
// (alpha scale-to-zero) the proposal is ceil(ratio) without tolerance.
StatusOr<PlainReplicas> GetObjectMetricReplicas(int32_t current_replicas, int64_t target_usage,
                                                int64_t usage, const Tolerances& tolerances,
                                                const std::vector<Pod>& pods);

// Object metric with an AverageValue target; uses the scale's status replicas, not readiness.
PlainReplicas GetObjectPerPodMetricReplicas(int32_t status_replicas, int64_t target_average_usage,
                                            int64_t usage, const Tolerances& tolerances);

// External metric with a Value target; `values` are the returned series (summed, saturating).
StatusOr<PlainReplicas> GetExternalMetricReplicas(int32_t current_replicas, int64_t target_usage,
                                                  const std::vector<int64_t>& values,
                                                  const Tolerances& tolerances,
                                                  const std::vector<Pod>& pods);

// External metric with an AverageValue target; uses the scale's status replicas.
PlainReplicas GetExternalPerPodMetricReplicas(int32_t status_replicas, int64_t target_usage_per_pod,
                                              const std::vector<int64_t>& values,
                                              const Tolerances& tolerances);

}  // namespace podpilot::hpa
