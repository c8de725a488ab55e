// One replica proposal per metric spec, and their combination (baselines.md 1.5 and 1.6): a port
// of computeReplicasForMetric / computeReplicasForMetrics of upstream horizontal.go.
//
// Metric values come from a MetricsClient; everything else is a parameter. Not thread-safe only
// in that the client is called.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/hpa/hpa_types.h"
#include "policy/hpa/metrics_client.h"
#include "policy/hpa/replica_calculator.h"

namespace podpilot::hpa {

// The proposal of one metric, or its failure.
struct MetricProposal {
  int32_t replicas = 0;
  std::string metric_name;  // e.g. "cpu resource utilization (percentage of request)"
  MetricStatus status;      // the entry for status.currentMetrics
  Status error;             // non-OK: the metric failed; `condition` says why
  Condition condition;      // ScalingActive=False with FailedGet*Metric on failure
};

// Computes one metric's proposal. Resource, ContainerResource, Pods and the Value targets of
// Object/External use `scale.spec_replicas`; the AverageValue targets of Object/External use
// `scale.status_replicas`.
MetricProposal ComputeReplicasForMetric(const MetricSpec& spec, const Scale& scale,
                                        const std::vector<Pod>& pods, MetricsClient& client,
                                        const Tolerances& tolerances, Time now,
                                        const CalculatorConfig& config);

// The combination over all metrics.
struct MetricsProposal {
  int32_t replicas = -1;               // -1: no scaling this round (see `error`)
  std::string metric_name;             // the metric that produced `replicas`
  std::vector<MetricStatus> statuses;  // one per metric spec, in order (failed ones default)
  Status error;                        // may be non-OK with replicas >= 0 (scale-up proceeds)
  Condition scaling_active;            // ValidMetricFound, or the first failure's condition
};

// Keeps the maximum valid proposal (ties keep the earlier metric). If every metric failed, or
// some failed and the maximum is below the spec replicas, returns replicas -1 with the error
// "invalid metrics (k invalid out of n), first error is: ...": a broken metric blocks a
// scale-down but not a scale-up.
MetricsProposal ComputeReplicasForMetrics(const std::vector<MetricSpec>& specs, const Scale& scale,
                                          const std::vector<Pod>& pods, MetricsClient& client,
                                          const Tolerances& tolerances, Time now,
                                          const CalculatorConfig& config);

}  // namespace podpilot::hpa
