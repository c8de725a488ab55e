#include "policy/keda/keda_metric.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace podpilot::keda {

int64_t TargetMilli(double threshold) {
  // resource.MustParse(fmt.Sprintf("%.3f", threshold)).MilliValue(): the decimal string is exact,
  // so its milli value is the 3-decimal rounding of the threshold.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", threshold);
  double rounded = std::strtod(buf, nullptr);
  return std::llround(rounded * 1000.0);
}

int64_t MetricValueMilli(double value) {
  if (!std::isfinite(value) || value < 0) return 0;
  double milli = value * 1000.0;
  if (milli >= static_cast<double>(std::numeric_limits<int64_t>::max())) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(milli);
}

bool IsTriggerActive(double value, double activation_threshold) { return value > activation_threshold; }

std::string ExternalMetricName(int index, const std::string& metric_name) {
  return "s" + std::to_string(index) + "-" + metric_name;
}

}  // namespace podpilot::keda
