#include "policy/hpa/replica_calculator.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "policy/hpa/pod_grouping.h"
#include "policy/hpa/usage_ratio.h"

namespace podpilot::hpa {
namespace {

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

Status NoPodsError() {
  return InvalidArgumentError("no pods returned by selector while calculating replica count");
}

Status NoMetricsError() {
  return InvalidArgumentError("did not receive metrics for targeted pods (pods might be unready)");
}

// The shared tail of GetResourceReplicas and calcPlainMetricReplicas: the first-pass answer when
// nothing needs filling in, else the "rebalancing" second pass. `missing_fill_down(pod)` is the
// value a missing pod gets on a scale-down; `recompute` recalculates the ratio on the augmented
// map. The second pass never flips the scale direction.
StatusOr<int32_t> ProposeReplicas(int32_t current_replicas, double usage_ratio,
                                  const PodGroups& groups, PodMetricsInfo& metrics,
                                  const Tolerances& tolerances,
                                  const std::function<int64_t(const std::string&)>& missing_fill_down,
                                  const std::function<StatusOr<double>(const PodMetricsInfo&)>& recompute) {
  const bool scale_up_with_unready = !groups.unready.empty() && usage_ratio > 1.0;
  if (!scale_up_with_unready && groups.missing.empty()) {
    if (tolerances.IsWithin(usage_ratio)) return current_replicas;
    return CeilToInt32(usage_ratio * static_cast<double>(groups.ready_pod_count));
  }
  if (!groups.missing.empty()) {
    if (usage_ratio < 1.0) {
      // Scale-down: assume missing pods use their request (or the target, see callers).
      for (const auto& pod : groups.missing) metrics[pod] = PodMetric{missing_fill_down(pod), 0, 60};
    } else if (usage_ratio > 1.0) {
      // Scale-up: assume missing pods use nothing.
      for (const auto& pod : groups.missing) metrics[pod] = PodMetric{0, 0, 60};
    }
  }
  if (scale_up_with_unready) {
    for (const auto& pod : groups.unready) metrics[pod] = PodMetric{0, 0, 60};
  }
  PP_ASSIGN_OR_RETURN(double new_ratio, recompute(metrics));
  if (tolerances.IsWithin(new_ratio) || (usage_ratio < 1.0 && new_ratio > 1.0) ||
      (usage_ratio > 1.0 && new_ratio < 1.0)) {
    return current_replicas;
  }
  const int32_t new_replicas = CeilToInt32(new_ratio * static_cast<double>(metrics.size()));
  if ((new_ratio < 1.0 && new_replicas > current_replicas) ||
      (new_ratio > 1.0 && new_replicas < current_replicas)) {
    return current_replicas;  // the count of metric entries would flip the direction
  }
  return new_replicas;
}

// calcPlainMetricReplicas: average value against a per-pod target.
StatusOr<PlainReplicas> CalcPlainMetricReplicas(PodMetricsInfo metrics, int32_t current_replicas,
                                                int64_t target_usage, const Tolerances& tolerances,
                                                const std::vector<Pod>& pods,
                                                std::optional<ResourceName> resource, Time now,
                                                const CalculatorConfig& config) {
  if (pods.empty()) return NoPodsError();
  PodGroups groups = GroupPods(pods, metrics, resource, config.cpu_initialization_period_s,
                               config.initial_readiness_delay_s, now);
  RemoveMetricsForPods(metrics, groups.ignored);
  RemoveMetricsForPods(metrics, groups.unready);
  if (metrics.empty()) return NoMetricsError();

  const MetricUsage first = GetMetricUsageRatio(metrics, target_usage);
  PP_ASSIGN_OR_RETURN(
      int32_t replicas,
      ProposeReplicas(
          current_replicas, first.ratio, groups, metrics, tolerances,
          [&](const std::string&) { return target_usage; },  // exactly the target on scale-down
          [&](const PodMetricsInfo& m) -> StatusOr<double> {
            return GetMetricUsageRatio(m, target_usage).ratio;
          }));
  return PlainReplicas{replicas, first.usage};
}

// Σ of external series, saturating at INT64_MAX on positive overflow (GetExternalMetricReplicas).
int64_t SumSaturating(const std::vector<int64_t>& values) {
  int64_t usage = 0;
  for (int64_t v : values) {
    if (v > 0 && usage > kMaxInt64 - v) return kMaxInt64;
    usage += v;
  }
  return usage;
}

// Σ of external series as GetExternalPerPodMetricReplicas does it: a sum that goes negative
// (overflow, in upstream's reading) becomes INT64_MAX.
int64_t SumPerPodPath(const std::vector<int64_t>& values) {
  int64_t usage = 0;
  for (int64_t v : values) {
    int64_t next = 0;
    if (__builtin_add_overflow(usage, v, &next) || next < 0) return kMaxInt64;
    usage = next;
  }
  return usage;
}

// getPerPodUsage: ceil(usage / replicas) for status; INT64_MAX stays INT64_MAX, and an empty
// scale (status replicas 0, only with scale-to-zero) reports 0 instead of dividing by zero.
int64_t PerPodReported(int64_t usage, int32_t status_replicas) {
  if (static_cast<double>(usage) >= static_cast<double>(kMaxInt64)) return kMaxInt64;
  if (status_replicas == 0) return 0;
  return static_cast<int64_t>(
      std::ceil(static_cast<double>(usage) / static_cast<double>(status_replicas)));
}

// getUsageRatioReplicaCount: Object/External Value targets.
StatusOr<int32_t> UsageRatioReplicaCount(int32_t current_replicas, double usage_ratio,
                                         const Tolerances& tolerances,
                                         const std::vector<Pod>& pods) {
  if (current_replicas == 0) return CeilToInt32(usage_ratio);  // scale from zero: no tolerance
  if (tolerances.IsWithin(usage_ratio)) return current_replicas;
  if (pods.empty()) {
    return InvalidArgumentError("unable to calculate ready pods: " + NoPodsError().message());
  }
  const auto ready = std::count_if(pods.begin(), pods.end(),
                                   [](const Pod& p) { return p.IsRunningAndReady(); });
  return CeilToInt32(usage_ratio * static_cast<double>(ready));
}

}  // namespace

StatusOr<ResourceReplicas> GetResourceReplicas(int32_t current_replicas, int32_t target_utilization,
                                               ResourceName resource, const std::string& container,
                                               const Tolerances& tolerances,
                                               const std::vector<Pod>& pods, PodMetricsInfo metrics,
                                               Time now, const CalculatorConfig& config) {
  if (pods.empty()) return NoPodsError();
  PodGroups groups = GroupPods(pods, metrics, resource, config.cpu_initialization_period_s,
                               config.initial_readiness_delay_s, now);
  RemoveMetricsForPods(metrics, groups.ignored);
  RemoveMetricsForPods(metrics, groups.unready);
  if (metrics.empty()) return NoMetricsError();
  PP_ASSIGN_OR_RETURN(auto requests,
                      CalculateRequests(pods, container, resource, config.pod_level_resources));
  PP_ASSIGN_OR_RETURN(ResourceUtilization first,
                      GetResourceUtilizationRatio(metrics, requests, target_utilization));

  // On a scale-down a missing pod counts as its full request, or as the target when the target
  // is above 100 % (kubernetes PR #112178). Integer arithmetic, as upstream.
  const int64_t fallback_utilization = std::max<int64_t>(100, target_utilization);
  PP_ASSIGN_OR_RETURN(
      int32_t replicas,
      ProposeReplicas(
          current_replicas, first.ratio, groups, metrics, tolerances,
          [&](const std::string& pod) { return requests[pod] * fallback_utilization / 100; },
          [&](const PodMetricsInfo& m) -> StatusOr<double> {
            PP_ASSIGN_OR_RETURN(auto u, GetResourceUtilizationRatio(m, requests, target_utilization));
            return u.ratio;
          }));
  return ResourceReplicas{replicas, first.utilization, first.raw_average};
}

StatusOr<PlainReplicas> GetRawResourceReplicas(int32_t current_replicas, int64_t target_usage,
                                               ResourceName resource, const Tolerances& tolerances,
                                               const std::vector<Pod>& pods, PodMetricsInfo metrics,
                                               Time now, const CalculatorConfig& config) {
  return CalcPlainMetricReplicas(std::move(metrics), current_replicas, target_usage, tolerances,
                                 pods, resource, now, config);
}

StatusOr<PlainReplicas> GetMetricReplicas(int32_t current_replicas, int64_t target_usage,
                                          const Tolerances& tolerances,
                                          const std::vector<Pod>& pods, PodMetricsInfo metrics,
                                          Time now, const CalculatorConfig& config) {
  return CalcPlainMetricReplicas(std::move(metrics), current_replicas, target_usage, tolerances,
                                 pods, std::nullopt, now, config);
}

StatusOr<PlainReplicas> GetObjectMetricReplicas(int32_t current_replicas, int64_t target_usage,
                                                int64_t usage, const Tolerances& tolerances,
                                                const std::vector<Pod>& pods) {
  const double ratio = static_cast<double>(usage) / static_cast<double>(target_usage);
  PP_ASSIGN_OR_RETURN(int32_t replicas,
                      UsageRatioReplicaCount(current_replicas, ratio, tolerances, pods));
  return PlainReplicas{replicas, usage};
}

PlainReplicas GetObjectPerPodMetricReplicas(int32_t status_replicas, int64_t target_average_usage,
                                            int64_t usage, const Tolerances& tolerances) {
  int32_t replicas = status_replicas;
  const double ratio = static_cast<double>(usage) /
                       (static_cast<double>(target_average_usage) * static_cast<double>(replicas));
  if (!tolerances.IsWithin(ratio)) {
    replicas = CeilToInt32(static_cast<double>(usage) / static_cast<double>(target_average_usage));
  }
  return PlainReplicas{replicas, PerPodReported(usage, status_replicas)};
}

StatusOr<PlainReplicas> GetExternalMetricReplicas(int32_t current_replicas, int64_t target_usage,
                                                  const std::vector<int64_t>& values,
                                                  const Tolerances& tolerances,
                                                  const std::vector<Pod>& pods) {
  const int64_t usage = SumSaturating(values);
  const double ratio = static_cast<double>(usage) / static_cast<double>(target_usage);
  PP_ASSIGN_OR_RETURN(int32_t replicas,
                      UsageRatioReplicaCount(current_replicas, ratio, tolerances, pods));
  return PlainReplicas{replicas, usage};
}

PlainReplicas GetExternalPerPodMetricReplicas(int32_t status_replicas, int64_t target_usage_per_pod,
                                              const std::vector<int64_t>& values,
                                              const Tolerances& tolerances) {
  const int64_t usage = SumPerPodPath(values);
  int32_t replicas = status_replicas;
  const double ratio = static_cast<double>(usage) /
                       (static_cast<double>(target_usage_per_pod) * static_cast<double>(replicas));
  if (!tolerances.IsWithin(ratio)) {
    replicas = CeilToInt32(static_cast<double>(usage) / static_cast<double>(target_usage_per_pod));
  }
  return PlainReplicas{replicas, PerPodReported(usage, status_replicas)};
}

}  // namespace podpilot::hpa
