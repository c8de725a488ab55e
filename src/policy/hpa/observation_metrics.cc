#include "policy/hpa/observation_metrics.h"

#include <cmath>

#include <fmt/format.h>

namespace podpilot::hpa {
namespace {

std::string PodName(const TargetObservation& target, size_t i) {
  return fmt::format("{}-{}", target.name.empty() ? "pod" : target.name, i);
}

bool Serving(const PodSample& s) {
  return s.phase == PodSample::Phase::kRunning && s.ready && !s.deleting;
}

}  // namespace

std::vector<Pod> PodsFromTarget(const TargetObservation& target) {
  std::vector<Pod> pods;
  pods.reserve(target.pods.size());
  for (size_t i = 0; i < target.pods.size(); ++i) {
    const PodSample& s = target.pods[i];
    Pod p;
    p.name = PodName(target, i);
    switch (s.phase) {
      case PodSample::Phase::kPending: p.phase = PodPhase::kPending; break;
      case PodSample::Phase::kRunning: p.phase = PodPhase::kRunning; break;
      case PodSample::Phase::kFailed: p.phase = PodPhase::kFailed; break;
    }
    p.deletion_timestamp_set = s.deleting;
    if (s.start_time_s >= 0) p.start_time = s.start_time_s;
    if (s.ready_transition_s >= 0) {
      p.ready_condition = ReadyCondition{s.ready, s.ready_transition_s};
    } else if (s.start_time_s >= 0) {
      // The kubelet sets Ready=False when the pod starts; no later change was reported.
      p.ready_condition = ReadyCondition{s.ready, s.start_time_s};
    }
    Container c;
    c.name = kAppContainer;
    // A zero request is "not set": the HPA then refuses Utilization targets, as in Kubernetes.
    if (target.requests.cpu > 0) c.cpu_request_milli = ToMilli(target.requests.cpu);
    if (target.requests.memory > 0) c.memory_request_milli = ToMilli(target.requests.memory);
    p.containers.push_back(c);
    pods.push_back(std::move(p));
  }
  return pods;
}

Scale ScaleFromTarget(const TargetObservation& target) {
  Scale scale;
  scale.spec_replicas = target.replicas_spec;
  if (target.pods.empty()) {
    scale.status_replicas = target.replicas_ready + target.replicas_starting + target.replicas_pending;
    return scale;
  }
  for (const PodSample& s : target.pods) {
    if (!s.deleting && s.phase != PodSample::Phase::kFailed) ++scale.status_replicas;
  }
  return scale;
}

ObservationMetricsClient::ObservationMetricsClient(const Observation& observation,
                                                   const TargetObservation& target)
    : observation_(observation), target_(target) {}

double ObservationMetricsClient::WindowSeconds() const {
  return observation_.metrics_window_s > 0 ? observation_.metrics_window_s : 60.0;
}

StatusOr<PodMetricsInfo> ObservationMetricsClient::GetResourceMetric(ResourceName resource,
                                                                     const std::string& container) {
  std::vector<RawPodMetrics> raw;
  const double window = WindowSeconds();
  for (size_t i = 0; i < target_.pods.size(); ++i) {
    const PodSample& s = target_.pods[i];
    if (!s.has_metrics) continue;
    RawPodMetrics m;
    m.pod = PodName(target_, i);
    m.window_s = window;
    // metrics.k8s.io: [timestamp - window, timestamp]; unset: the window ending now.
    m.timestamp = std::isnan(s.metric_window_start_s) ? observation_.time_s : s.metric_window_start_s + window;
    m.containers.push_back({kAppContainer, ToMilli(s.cpu_usage), ToMilli(s.memory_usage)});
    raw.push_back(std::move(m));
  }
  return ResourceMetricsFromRaw(raw, resource, container);
}

StatusOr<PodMetricsInfo> ObservationMetricsClient::GetRawMetric(const std::string& metric_name) {
  const bool rps = metric_name == kMetricRequestsPerSecond;
  const bool latency = metric_name == kMetricLatencyP95Ms;
  const bool in_flight = metric_name == kMetricInFlight;
  if (!rps && !latency && !in_flight) {
    return NotFoundError(fmt::format(
        "unable to fetch metrics from custom metrics API: the server could not find the metric {} "
        "for pods (served: {}, {}, {})",
        metric_name, kMetricRequestsPerSecond, kMetricLatencyP95Ms, kMetricInFlight));
  }
  int ready = 0;
  for (const PodSample& s : target_.pods) ready += Serving(s) ? 1 : 0;
  const double share = ready > 0 ? target_.request_rate / ready : 0.0;

  std::vector<RawCustomMetric> raw;
  for (size_t i = 0; i < target_.pods.size(); ++i) {
    const PodSample& s = target_.pods[i];
    if (!s.has_metrics || s.phase != PodSample::Phase::kRunning) continue;
    double value = 0;
    if (Serving(s)) {
      value = rps ? share : latency ? target_.latency_p95_ms : target_.in_flight;
    } else if (latency) {
      continue;  // no requests, no latency samples: the series does not exist
    }
    raw.push_back({PodName(target_, i), observation_.time_s, WindowSeconds(), ToMilli(value)});
  }
  return CustomMetricsFromRaw(raw);
}

StatusOr<int64_t> ObservationMetricsClient::GetObjectMetric(const std::string& metric_name,
                                                            const std::string& object_kind,
                                                            const std::string& object_name) {
  if (metric_name == kMetricRequestRate && object_kind == "Service") {
    return ToMilli(target_.request_rate);
  }
  return NotFoundError(fmt::format(
      "unable to fetch metrics from custom metrics API: the server could not find the metric {} "
      "for {} {} (served: {} on Service)",
      metric_name, object_kind, object_name, kMetricRequestRate));
}

StatusOr<std::vector<int64_t>> ObservationMetricsClient::GetExternalMetric(const std::string& metric_name) {
  if (metric_name != kMetricRequestRate) {
    return ExternalMetricsFromRaw({});  // the adapter has no such series
  }
  return ExternalMetricsFromRaw({ToMilli(observation_.request_rate)});
}

}  // namespace podpilot::hpa
