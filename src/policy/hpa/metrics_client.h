// MetricsClient: what the HPA controller asks the metrics APIs (metrics.k8s.io, custom.metrics,
// external.metrics), as upstream metrics/interfaces.go, plus helpers that turn raw API answers
// into the controller's shapes with upstream's rules (metrics/client.go).
//
// The controller (hpa_controller.h) only talks to this interface; the podpilot adapter serves it
// from an Observation (observation_metrics.h), tests serve it from fixtures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/hpa/hpa_types.h"

namespace podpilot::hpa {

// Implementations are called from one reconcile at a time; they need not be thread-safe.
class MetricsClient {
 public:
  virtual ~MetricsClient() = default;
  // Per-pod usage of `resource` (summed over containers, or of the named container).
  virtual StatusOr<PodMetricsInfo> GetResourceMetric(ResourceName resource,
                                                     const std::string& container) = 0;
  // Per-pod values of a custom (Pods) metric.
  virtual StatusOr<PodMetricsInfo> GetRawMetric(const std::string& metric_name) = 0;
  // The value of a custom metric describing one object.
  virtual StatusOr<int64_t> GetObjectMetric(const std::string& metric_name,
                                            const std::string& object_kind,
                                            const std::string& object_name) = 0;
  // Every series of an external metric.
  virtual StatusOr<std::vector<int64_t>> GetExternalMetric(const std::string& metric_name) = 0;
};

// --- Raw API answers and their conversion (upstream metrics/client.go) ----------------------

struct RawContainerMetrics {
  std::string name;
  std::optional<int64_t> cpu_milli;     // usage; nullopt if the container lacks the resource
  std::optional<int64_t> memory_milli;  // milli-bytes
};

// One item of a metrics.k8s.io PodMetricsList.
struct RawPodMetrics {
  std::string pod;
  Time timestamp = 0;
  double window_s = 60;
  std::vector<RawContainerMetrics> containers;
};

// GetResourceMetric's conversion. Errors on an empty list ("no metrics returned from resource
// metrics API"). With `container` empty a pod's value is the sum over its containers and a pod
// with any container lacking the resource (or with no containers) is left out (so it counts as
// missing). With `container` named, that container's value is used, and a pod without that
// container fails the whole metric.
StatusOr<PodMetricsInfo> ResourceMetricsFromRaw(const std::vector<RawPodMetrics>& raw,
                                                ResourceName resource, const std::string& container);

// One item of a custom.metrics MetricValueList for pods.
struct RawCustomMetric {
  std::string pod;
  Time timestamp = 0;
  std::optional<double> window_s;  // nullopt -> 60 s
  int64_t value_milli = 0;
};

// GetRawMetric's conversion; errors on an empty list.
StatusOr<PodMetricsInfo> CustomMetricsFromRaw(const std::vector<RawCustomMetric>& raw);

// GetExternalMetric's check; errors on an empty list.
StatusOr<std::vector<int64_t>> ExternalMetricsFromRaw(std::vector<int64_t> raw);

// Converts a value in base units (cores, bytes, requests/s) to milli-units the way
// resource.Quantity.MilliValue() does: rounding up.
int64_t ToMilli(double base_units);

}  // namespace podpilot::hpa
