#include "policy/hpa/metrics_client.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace podpilot::hpa {

StatusOr<PodMetricsInfo> ResourceMetricsFromRaw(const std::vector<RawPodMetrics>& raw,
                                                ResourceName resource,
                                                const std::string& container) {
  if (raw.empty()) return UnavailableError("no metrics returned from resource metrics API");
  auto usage_of = [resource](const RawContainerMetrics& c) {
    return resource == ResourceName::kCpu ? c.cpu_milli : c.memory_milli;
  };
  PodMetricsInfo out;
  for (const RawPodMetrics& m : raw) {
    if (!container.empty()) {
      bool found = false;
      for (const RawContainerMetrics& c : m.containers) {
        if (c.name != container) continue;
        found = true;
        if (auto v = usage_of(c)) out[m.pod] = PodMetric{*v, m.timestamp, m.window_s};
        break;
      }
      if (!found) {
        return UnavailableError(fmt::format(
            "failed to get container metrics: container {} not present in metrics for pod {}",
            container, m.pod));
      }
      continue;
    }
    int64_t sum = 0;
    bool missing = m.containers.empty();
    for (const RawContainerMetrics& c : m.containers) {
      auto v = usage_of(c);
      if (!v) {
        missing = true;
        break;
      }
      sum += *v;
    }
    if (!missing) out[m.pod] = PodMetric{sum, m.timestamp, m.window_s};
  }
  return out;
}

StatusOr<PodMetricsInfo> CustomMetricsFromRaw(const std::vector<RawCustomMetric>& raw) {
  if (raw.empty()) return UnavailableError("no metrics returned from custom metrics API");
  PodMetricsInfo out;
  for (const RawCustomMetric& m : raw) {
    out[m.pod] = PodMetric{m.value_milli, m.timestamp, m.window_s.value_or(60.0)};
  }
  return out;
}

StatusOr<std::vector<int64_t>> ExternalMetricsFromRaw(std::vector<int64_t> raw) {
  if (raw.empty()) return UnavailableError("no metrics returned from external metrics API");
  return raw;
}

int64_t ToMilli(double base_units) {
  const double milli = std::ceil(base_units * 1000.0 - 1e-9);  // absorb binary noise (0.3 * 1000)
  if (!std::isfinite(milli)) return 0;
  if (milli >= static_cast<double>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  if (milli <= static_cast<double>(std::numeric_limits<int64_t>::min())) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(milli);
}

}  // namespace podpilot::hpa
