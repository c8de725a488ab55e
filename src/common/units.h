// Parsing of the quantities users write in YAML and on the command line.
//
//   CPU:      "250m" (millicores), "0.5", "2"                     -> cores (double)
//   Memory:   "300Mi", "1Gi", "512M", "1e6", "128974848"          -> bytes (double)
//   Duration: "15s", "5m", "2h", "30d", "1w", "90" (seconds), "1.5h" -> seconds (double)
//
// CPU and memory follow Kubernetes' resource.Quantity syntax: a signed decimal number, then a
// suffix (memory: binary Ki Mi Gi Ti Pi Ei, decimal n u m k M G T P E; CPU: n u m) or a decimal
// exponent ("1e6"), not both. All functions are pure and thread-safe; errors name the offending text.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace podpilot {

StatusOr<double> ParseCpu(std::string_view text);
StatusOr<double> ParseBytes(std::string_view text);
StatusOr<double> ParseDuration(std::string_view text);

// "1h2m3s"-style rendering for logs and reports.
std::string FormatDuration(double seconds);

inline constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
inline constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace podpilot
