// The bridge from a podpilot Observation to what the HPA controller reads from Kubernetes: the
// pods matched by the target's selector, the scale subresource, and the three metrics APIs.
//
// Served metrics (names as used in MetricSpec::metric_name):
//   Resource cpu / memory      per-pod usage from TargetObservation::pods (PodSample); one
//                              container named "app" requesting TargetObservation::requests.
//   Pods "requests_per_second" target.request_rate spread evenly over the ready pods; running
//                              pods that are not ready report 0 (they get no traffic).
//   Pods "latency_p95_ms"      target.latency_p95_ms on every ready pod (unready pods have no
//                              samples, so no series).
//   Pods "in_flight"           target.in_flight on every ready pod, 0 on running unready pods.
//   Object "request_rate"      target.request_rate on the target's Service (kind "Service").
//   External "request_rate"    Observation::request_rate (entry requests/s), one series.
// Only pods with PodSample::has_metrics have a sample in any per-pod API. Values are converted to
// milli-units rounding up, as resource.Quantity.MilliValue() does.
//
// Not thread-safe; the client keeps references to the observation it was built from.
#pragma once

#include <string>
#include <vector>

#include "policy/hpa/hpa_types.h"
#include "policy/hpa/metrics_client.h"
#include "policy/observation.h"

namespace podpilot::hpa {

inline constexpr char kMetricRequestsPerSecond[] = "requests_per_second";
inline constexpr char kMetricLatencyP95Ms[] = "latency_p95_ms";
inline constexpr char kMetricInFlight[] = "in_flight";
inline constexpr char kMetricRequestRate[] = "request_rate";
inline constexpr char kAppContainer[] = "app";

// Pod objects for the target's PodSamples, named "<target>-<index>". A pod's Ready condition
// changed at ready_transition_s (or, if unknown, at its start); a pod not started yet has none.
std::vector<Pod> PodsFromTarget(const TargetObservation& target);

// The scale subresource: spec = target.replicas_spec; status = pods that exist and are neither
// terminating nor failed (or ready + starting + pending when no PodSamples are given).
Scale ScaleFromTarget(const TargetObservation& target);

class ObservationMetricsClient : public MetricsClient {
 public:
  // Both references must outlive the client.
  ObservationMetricsClient(const Observation& observation, const TargetObservation& target);

  StatusOr<PodMetricsInfo> GetResourceMetric(ResourceName resource, const std::string& container) override;
  StatusOr<PodMetricsInfo> GetRawMetric(const std::string& metric_name) override;
  StatusOr<int64_t> GetObjectMetric(const std::string& metric_name, const std::string& object_kind,
                                    const std::string& object_name) override;
  StatusOr<std::vector<int64_t>> GetExternalMetric(const std::string& metric_name) override;

 private:
  double WindowSeconds() const;

  const Observation& observation_;
  const TargetObservation& target_;
};

}  // namespace podpilot::hpa
