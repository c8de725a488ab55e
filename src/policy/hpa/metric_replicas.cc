#include "policy/hpa/metric_replicas.h"

#include <fmt/format.h>

namespace podpilot::hpa {
namespace {

Status Wrap(const std::string& prefix, const Status& s) { return Status(s.code(), prefix + s.message()); }

// getUnableComputeReplicaCountCondition.
Condition Unable(const std::string& reason, const Status& err) {
  return {ConditionType::kScalingActive, false, reason,
          "the HPA was unable to compute the replica count: " + err.message()};
}

MetricProposal Failure(const std::string& reason, const Status& condition_err, const Status& err) {
  MetricProposal p;
  p.error = err;
  p.condition = Unable(reason, condition_err);
  return p;
}

// computeStatusForResourceMetricGeneric plus the Resource / ContainerResource wrappers.
MetricProposal ResourceProposal(const MetricSpec& spec, const Scale& scale,
                                const std::vector<Pod>& pods, MetricsClient& client,
                                const Tolerances& tol, Time now, const CalculatorConfig& config) {
  const bool container_metric = spec.type == MetricSourceType::kContainerResource;
  const std::string res = ResourceNameString(spec.resource);
  const std::string reason =
      container_metric ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric";
  const std::string outer = container_metric
                                ? fmt::format("failed to get {} container metric value: ", spec.container)
                                : fmt::format("failed to get {} resource metric value: ", res);
  const std::string container = container_metric ? spec.container : "";
  auto fail = [&](const Status& inner) { return Failure(reason, inner, Wrap(outer, inner)); };

  auto fetch = [&]() -> StatusOr<PodMetricsInfo> {
    auto m = client.GetResourceMetric(spec.resource, container);
    if (!m.ok()) return Wrap(fmt::format("unable to get metrics for resource {}: ", res), m.status());
    return m;
  };

  MetricProposal p;
  p.status.type = spec.type;
  p.status.name = res;
  if (spec.target.type == MetricTargetType::kAverageValue) {
    auto metrics = fetch();
    if (!metrics.ok()) return fail(Wrap(fmt::format("failed to get {} usage: ", res), metrics.status()));
    auto r = GetRawResourceReplicas(scale.spec_replicas, spec.target.average_value_milli,
                                    spec.resource, tol, pods, std::move(*metrics), now, config);
    if (!r.ok()) return fail(Wrap(fmt::format("failed to get {} usage: ", res), r.status()));
    p.replicas = r->replicas;
    p.metric_name = res + " resource";
    p.status.average_value_milli = r->usage;
    return p;
  }
  if (spec.target.type != MetricTargetType::kUtilization) {
    return fail(InvalidArgumentError(
        "invalid resource metric source: neither an average utilization target nor an average "
        "value (usage) target was set"));
  }
  auto metrics = fetch();
  if (!metrics.ok()) return fail(Wrap(fmt::format("failed to get {} utilization: ", res), metrics.status()));
  auto r = GetResourceReplicas(scale.spec_replicas, spec.target.average_utilization, spec.resource,
                               container, tol, pods, std::move(*metrics), now, config);
  if (!r.ok()) return fail(Wrap(fmt::format("failed to get {} utilization: ", res), r.status()));
  p.replicas = r->replicas;
  p.metric_name = container_metric
                      ? res + " container resource utilization (percentage of request)"
                      : res + " resource utilization (percentage of request)";
  p.status.average_utilization = r->utilization;
  p.status.average_value_milli = r->raw_average;
  return p;
}

MetricProposal PodsProposal(const MetricSpec& spec, const Scale& scale,
                            const std::vector<Pod>& pods, MetricsClient& client,
                            const Tolerances& tol, Time now, const CalculatorConfig& config) {
  const std::string outer = "failed to get pods metric value: ";
  auto fail = [&](const Status& inner) { return Failure("FailedGetPodsMetric", inner, Wrap(outer, inner)); };
  auto metrics = client.GetRawMetric(spec.metric_name);
  if (!metrics.ok()) return fail(Wrap(fmt::format("unable to get metric {}: ", spec.metric_name), metrics.status()));
  auto r = GetMetricReplicas(scale.spec_replicas, spec.target.average_value_milli, tol, pods,
                             std::move(*metrics), now, config);
  if (!r.ok()) return fail(r.status());
  MetricProposal p;
  p.replicas = r->replicas;
  p.metric_name = "pods metric " + spec.metric_name;
  p.status = {spec.type, spec.metric_name, std::nullopt, r->usage, std::nullopt};
  return p;
}

MetricProposal ObjectProposal(const MetricSpec& spec, const Scale& scale,
                              const std::vector<Pod>& pods, MetricsClient& client,
                              const Tolerances& tol) {
  const std::string outer = "failed to get object metric value: ";
  auto fail = [&](const Status& inner, const Status& err) {
    return Failure("FailedGetObjectMetric", inner, Wrap(outer, err));
  };
  const bool value = spec.target.type == MetricTargetType::kValue;
  if (!value && spec.target.type != MetricTargetType::kAverageValue) {
    Status err = InvalidArgumentError(
        "invalid object metric source: neither a value target nor an average value target was set");
    return fail(err, err);
  }
  auto usage = client.GetObjectMetric(spec.metric_name, spec.object_kind, spec.object_name);
  if (!usage.ok()) {
    Status err = Wrap(fmt::format("unable to get metric {}: ", spec.metric_name), usage.status());
    err = Status(err.code(), err.message() + fmt::format(" on {} {}", spec.object_kind, spec.object_name));
    return value ? fail(err, err)
                 : fail(err, Wrap(fmt::format("failed to get {} object metric: ", spec.metric_name), err));
  }
  MetricProposal p;
  p.status.type = spec.type;
  p.status.name = spec.metric_name;
  p.metric_name = fmt::format("{} metric {}", spec.object_kind, spec.metric_name);
  if (value) {
    auto r = GetObjectMetricReplicas(scale.spec_replicas, spec.target.value_milli, *usage, tol, pods);
    if (!r.ok()) return fail(r.status(), r.status());
    p.replicas = r->replicas;
    p.status.value_milli = r->usage;
    return p;
  }
  PlainReplicas r = GetObjectPerPodMetricReplicas(scale.status_replicas,
                                                  spec.target.average_value_milli, *usage, tol);
  p.replicas = r.replicas;
  p.status.average_value_milli = r.usage;
  return p;
}

MetricProposal ExternalProposal(const MetricSpec& spec, const Scale& scale,
                                const std::vector<Pod>& pods, MetricsClient& client,
                                const Tolerances& tol) {
  const std::string outer = fmt::format("failed to get {} external metric value: ", spec.metric_name);
  auto fail = [&](const Status& inner, const Status& err) {
    return Failure("FailedGetExternalMetric", inner, Wrap(outer, err));
  };
  const bool value = spec.target.type == MetricTargetType::kValue;
  if (!value && spec.target.type != MetricTargetType::kAverageValue) {
    Status err = InvalidArgumentError(
        "invalid external metric source: neither a value target nor an average value target was set");
    return fail(err, err);
  }
  auto values = client.GetExternalMetric(spec.metric_name);
  MetricProposal p;
  p.status.type = spec.type;
  p.status.name = spec.metric_name;
  p.metric_name = "external metric " + spec.metric_name;
  if (!values.ok()) {
    Status err = Wrap(fmt::format("unable to get external metric {}: ", spec.metric_name), values.status());
    const std::string prefix = value ? fmt::format("failed to get external metric {}: ", spec.metric_name)
                                     : fmt::format("failed to get {} external metric: ", spec.metric_name);
    return fail(err, Wrap(prefix, err));
  }
  if (value) {
    auto r = GetExternalMetricReplicas(scale.spec_replicas, spec.target.value_milli, *values, tol, pods);
    if (!r.ok()) {
      return fail(r.status(), Wrap(fmt::format("failed to get external metric {}: ", spec.metric_name), r.status()));
    }
    p.replicas = r->replicas;
    p.status.value_milli = r->usage;
    return p;
  }
  PlainReplicas r = GetExternalPerPodMetricReplicas(scale.status_replicas,
                                                    spec.target.average_value_milli, *values, tol);
  p.replicas = r.replicas;
  p.status.average_value_milli = r.usage;
  return p;
}

}  // namespace

MetricProposal ComputeReplicasForMetric(const MetricSpec& spec, const Scale& scale,
                                        const std::vector<Pod>& pods, MetricsClient& client,
                                        const Tolerances& tolerances, Time now,
                                        const CalculatorConfig& config) {
  switch (spec.type) {
    case MetricSourceType::kResource:
    case MetricSourceType::kContainerResource:
      return ResourceProposal(spec, scale, pods, client, tolerances, now, config);
    case MetricSourceType::kPods:
      return PodsProposal(spec, scale, pods, client, tolerances, now, config);
    case MetricSourceType::kObject:
      return ObjectProposal(spec, scale, pods, client, tolerances);
    case MetricSourceType::kExternal:
      return ExternalProposal(spec, scale, pods, client, tolerances);
    case MetricSourceType::kUnknown:
      break;
  }
  // Unreachable through the API (validation rejects unknown types), kept as upstream has it.
  Status err = InvalidArgumentError("unknown metric source type");
  return Failure("InvalidMetricSourceType", err, err);
}

MetricsProposal ComputeReplicasForMetrics(const std::vector<MetricSpec>& specs, const Scale& scale,
                                          const std::vector<Pod>& pods, MetricsClient& client,
                                          const Tolerances& tolerances, Time now,
                                          const CalculatorConfig& config) {
  MetricsProposal out;
  out.statuses.resize(specs.size());
  int32_t replicas = 0;
  size_t invalid = 0;
  Status first_error;
  Condition first_condition;
  for (size_t i = 0; i < specs.size(); ++i) {
    MetricProposal p = ComputeReplicasForMetric(specs[i], scale, pods, client, tolerances, now, config);
    if (!p.error.ok()) {
      if (invalid == 0) {
        first_error = p.error;
        first_condition = p.condition;
      }
      ++invalid;
      continue;
    }
    out.statuses[i] = p.status;
    // As upstream: a zero running maximum is always replaced, so a later 0 also renames it.
    if (replicas == 0 || p.replicas > replicas) {
      replicas = p.replicas;
      out.metric_name = p.metric_name;
    }
  }
  if (invalid > 0) {
    out.error = Status(first_error.code(),
                       fmt::format("invalid metrics ({} invalid out of {}), first error is: {}",
                                   invalid, specs.size(), first_error.message()));
  }
  if (invalid >= specs.size() || (invalid > 0 && replicas < scale.spec_replicas)) {
    out.replicas = -1;
    out.metric_name.clear();
    out.scaling_active = first_condition;
    return out;
  }
  out.replicas = replicas;
  out.scaling_active = {ConditionType::kScalingActive, true, "ValidMetricFound",
                        "the HPA was able to successfully calculate a replica count from " +
                            out.metric_name};
  return out;
}

}  // namespace podpilot::hpa
