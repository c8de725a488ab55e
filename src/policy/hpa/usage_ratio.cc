#include "policy/hpa/usage_ratio.h"

#include <cmath>
#include <limits>

namespace podpilot::hpa {

StatusOr<ResourceUtilization> GetResourceUtilizationRatio(
    const PodMetricsInfo& metrics, const std::map<std::string, int64_t>& requests,
    int32_t target_utilization) {
  int64_t metrics_total = 0;
  int64_t requests_total = 0;
  int64_t entries = 0;
  for (const auto& [pod, metric] : metrics) {
    auto it = requests.find(pod);
    if (it == requests.end()) continue;  // superfluous metric: the pod is not in the pod list
    metrics_total += metric.value;
    requests_total += it->second;
    ++entries;
  }
  if (requests_total == 0) {
    return InvalidArgumentError("no metrics returned matched known pods");
  }
  ResourceUtilization u;
  u.utilization = static_cast<int32_t>((metrics_total * 100) / requests_total);
  u.ratio = static_cast<double>(u.utilization) / static_cast<double>(target_utilization);
  u.raw_average = metrics_total / entries;
  return u;
}

MetricUsage GetMetricUsageRatio(const PodMetricsInfo& metrics, int64_t target_usage) {
  int64_t total = 0;
  for (const auto& [pod, metric] : metrics) total += metric.value;
  MetricUsage m;
  m.usage = metrics.empty() ? 0 : total / static_cast<int64_t>(metrics.size());
  m.ratio = static_cast<double>(m.usage) / static_cast<double>(target_usage);
  return m;
}

int32_t TruncToInt32(double x) {
  if (std::isnan(x)) return 0;
  if (x >= static_cast<double>(std::numeric_limits<int32_t>::max())) {
    return std::numeric_limits<int32_t>::max();
  }
  if (x <= static_cast<double>(std::numeric_limits<int32_t>::min())) {
    return std::numeric_limits<int32_t>::min();
  }
  return static_cast<int32_t>(x);  // truncates toward zero, as Go's int32(x)
}

int32_t CeilToInt32(double x) { return TruncToInt32(std::ceil(x)); }

}  // namespace podpilot::hpa
