// Reads back the per-run time series CSV that TimeSeries::ToCsv writes (eval/run.h), for reports.
//
// The header names the columns: time_s, request_rate, slo_attainment, p95_ms, error_rate,
// cost_per_hour, then four per target (<t>_replicas, <t>_ready, <t>_cpu_util, <t>_p95_ms), then
// one per class (class_<c>_p95_ms), then the quoted free-text reason. Target and class names are
// recovered from the header. Errors name the source, the line and the column.
//
// Pure function; thread-safe.
#pragma once

#include <string>

#include "common/status.h"
#include "eval/run.h"

namespace podpilot {

StatusOr<TimeSeries> TimeSeriesFromCsv(const std::string& text, const std::string& source);

}  // namespace podpilot
