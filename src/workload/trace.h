// Trace readers: turn a recorded load (plain CSV, Azure Functions 2019, HTTP access log) into a
// piecewise-constant rate, and resample such a rate onto the per-second grid of a run.
//
// Internal to the workload module. Readers are pure functions of the file contents; errors name
// the file (`origin`) and the 1-based line, and are InvalidArgument (bad content), NotFound (file
// or function missing) or IoError.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace podpilot::workload_internal {

// rate[k] requests/s hold on [bounds[k], bounds[k+1]); bounds[0] == 0, strictly increasing.
struct PiecewiseRate {
  std::vector<double> bounds;
  std::vector<double> rate;
  double length_s() const { return bounds.empty() ? 0.0 : bounds.back(); }
};

struct Trace {
  PiecewiseRate rate;
  // Position of trace time 0 on the week clock: seconds since Monday 00:00, local time where the
  // format says (CLF), else as documented per reader. Feeds WorkloadSeries' time-of-day fields.
  double clock_start_s = 0;
  std::vector<std::string> warnings;  // tolerated problems (e.g. skipped malformed CLF lines)
};

// Plain CSV "timestamp,rps" (timestamps in seconds, strictly increasing; optional header line;
// blank lines and lines starting with '#' are ignored). Resampling is sample-and-hold: each row's
// rate holds from its timestamp to the next row's, and the last row for as long as the interval
// before it (1 s in a one-row file). This keeps the total request count of the file exact.
// A step longer than `max_gap_s` is refused as a gap; by default max_gap is 10 x the median step.
// Timestamps >= 1e8 are read as Unix time (UTC) for the clock; smaller ones as seconds since a
// Monday 00:00.
StatusOr<Trace> ParseCsvTrace(std::string_view text, const std::string& origin, std::optional<double> max_gap_s);
StatusOr<Trace> ReadCsvTrace(const std::string& path, std::optional<double> max_gap_s);

// Azure Functions 2019 "invocations_per_function_md.anon.dNN.csv": header
// HashOwner,HashApp,HashFunction,Trigger,1,...,N (N = 1440 in the dataset), one row per function
// with per-minute invocation counts. With `function` non-empty only rows whose HashFunction equals
// it are used (several matching rows are summed; rows of other functions are not parsed); else
// all rows are summed. Each minute's count is spread evenly over its 60 seconds. The day starts at
// 00:00 (the dataset's UTC day); its weekday is not in the file, so the clock starts on a Monday.
StatusOr<Trace> ParseAzureTrace(std::string_view text, const std::string& origin, const std::string& function);
StatusOr<Trace> ReadAzureTrace(const std::string& path, const std::string& function);

// HTTP access log in Common Log Format (the NASA-HTTP and WorldCup98 logs; Combined Log Format's
// extra fields are accepted): per-second request counts from the second of the earliest request,
// in UTC (each line's zone offset applied). The clock is the earliest request's local time.
// Malformed lines are skipped and reported in `warnings`, unless more than 1% of the non-blank
// lines are malformed, which is an error. Lines up to 60 s out of order are accepted (merged logs
// of several servers interleave); a larger step back is an error, and so is a step forward longer
// than `max_gap_s` (default 1 h without a single request: a logging outage, not quiet traffic).
StatusOr<Trace> ParseClfTrace(std::string_view text, const std::string& origin, std::optional<double> max_gap_s);
StatusOr<Trace> ReadClfTrace(const std::string& path, std::optional<double> max_gap_s);

// out[i] = mean of `r` over shape time [offset + i/time_scale, offset + (i+1)/time_scale), for
// i < n. Requires offset + n/time_scale <= r.length_s() (up to rounding). Exact for per-second
// traces at offset 0 and time_scale 1 (out[i] == rate[i]).
void ResampleMean(const PiecewiseRate& r, double offset, double time_scale, size_t n, double* out);

}  // namespace podpilot::workload_internal
