// How a KEDA trigger's value reaches the HPA and decides activity (baselines.md 4.2 and 4.3):
// milli-unit conversion, the metrics adapter's sanitising, and the activation test.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "policy/keda/keda_types.h"

namespace podpilot::keda {

// The HPA target of a trigger: `threshold` formatted with "%.3f" and parsed back as a quantity,
// i.e. rounded to 3 decimals, in milli-units.
int64_t TargetMilli(double threshold);

// A scaler value as the metrics adapter returns it: negative, NaN and Inf become 0, then
// int64(value x 1000) milli-units (GenerateMetricInMili truncates).
int64_t MetricValueMilli(double value);

// Activity of a trigger: strictly above the activation threshold (e.g. the prometheus scaler).
bool IsTriggerActive(double value, double activation_threshold);

// The external metric name of trigger `index`: "s<index>-<metric_name>".
std::string ExternalMetricName(int index, const std::string& metric_name);

}  // namespace podpilot::keda
