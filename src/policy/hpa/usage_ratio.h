// Usage-ratio arithmetic of the HPA (upstream metrics/utilization.go) and the float -> int32
// conversions the calculator needs. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"
#include "policy/hpa/hpa_types.h"

namespace podpilot::hpa {

struct ResourceUtilization {
  double ratio = 0;          // utilization / target
  int32_t utilization = 0;   // int32((Σusage * 100) / Σrequest), integer division
  int64_t raw_average = 0;   // Σusage / entries, integer division (reported only)
};

// Sums usage and request over the pods in `metrics` that also have a request (metrics of
// unknown pods are "superfluous" and skipped). Errors when the request sum is 0.
StatusOr<ResourceUtilization> GetResourceUtilizationRatio(
    const PodMetricsInfo& metrics, const std::map<std::string, int64_t>& requests,
    int32_t target_utilization);

struct MetricUsage {
  double ratio = 0;    // usage / target
  int64_t usage = 0;   // Σvalue / len(metrics), integer division
};

// Average of the values in a non-empty `metrics` map against `target_usage`.
MetricUsage GetMetricUsageRatio(const PodMetricsInfo& metrics, int64_t target_usage);

// int32(math.Ceil(x)), saturating at INT32_MAX / INT32_MIN (the overflow guards upstream added);
// NaN maps to 0.
int32_t CeilToInt32(double x);

// int32(x) for a finite x: truncation toward zero, saturating.
int32_t TruncToInt32(double x);

}  // namespace podpilot::hpa
