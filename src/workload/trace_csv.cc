// Plain CSV trace reader: "timestamp,rps" rows, sample-and-hold (see trace.h).
#include <algorithm>
#include <cmath>

#include "common/file_util.h"
#include "common/units.h"
#include "workload/params.h"
#include "workload/text_util.h"
#include "workload/trace.h"

namespace podpilot::workload_internal {
namespace {

// Timestamps at or above this are Unix time (1973-03-03 onwards); below, seconds since a Monday.
constexpr double kUnixTimeThreshold = 1e8;
// 1970-01-01 was a Thursday: Unix time + 3 days is seconds since a Monday 00:00.
constexpr double kUnixEpochWeekOffsetS = 3 * 86400.0;
constexpr double kDefaultGapFactor = 10.0;

struct Row {
  double t, rps;
  int64_t line;
};

Status LineError(const std::string& origin, int64_t line, const std::string& what) {
  return InvalidArgumentError(origin + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

StatusOr<Trace> ParseCsvTrace(std::string_view text, const std::string& origin, std::optional<double> max_gap_s) {
  std::vector<Row> rows;
  std::vector<std::string_view> fields;
  bool seen_first = false;
  LineCursor cursor(text);
  std::string_view line;
  int64_t no;
  while (cursor.Next(&line, &no)) {
    std::string_view l = Trim(line);
    if (l.empty() || l.front() == '#') continue;
    SplitFields(l, ',', &fields);
    if (!seen_first) {
      seen_first = true;
      double probe;
      if (!ParseFiniteDouble(fields[0], &probe)) {  // a header line
        if (fields.size() != 2) {
          return LineError(origin, no, "header " + Quote(l) + " must have 2 columns (timestamp,rps), has " +
                                           std::to_string(fields.size()));
        }
        continue;
      }
    }
    if (fields.size() != 2) {
      return LineError(origin, no, "want 2 columns 'timestamp,rps', got " + std::to_string(fields.size()) +
                                       " in " + Quote(l));
    }
    Row r{0, 0, no};
    if (!ParseFiniteDouble(fields[0], &r.t)) {
      return LineError(origin, no, "timestamp " + Quote(fields[0]) + " is not a number (seconds)");
    }
    if (!ParseFiniteDouble(fields[1], &r.rps)) {
      return LineError(origin, no, "rps " + Quote(fields[1]) + " is not a number");
    }
    if (r.rps < 0) return LineError(origin, no, "negative rps " + FormatNumber(r.rps));
    if (r.rps > kMaxRps) {
      return LineError(origin, no, "rps " + FormatNumber(r.rps) + " exceeds the limit " + FormatNumber(kMaxRps));
    }
    if (!rows.empty() && !(r.t > rows.back().t)) {
      return LineError(origin, no,
                       "timestamp " + FormatNumber(r.t) + (r.t == rows.back().t ? " repeats" : " goes back from") +
                           " " + FormatNumber(rows.back().t) + " at line " + std::to_string(rows.back().line) +
                           " (timestamps must increase)");
    }
    rows.push_back(r);
  }
  if (rows.empty()) return InvalidArgumentError(origin + ": no data rows (empty trace)");

  std::vector<double> steps;
  for (size_t i = 1; i < rows.size(); ++i) steps.push_back(rows[i].t - rows[i - 1].t);
  if (!steps.empty()) {
    std::vector<double> sorted = steps;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    const double median = sorted[sorted.size() / 2];
    const double limit = max_gap_s.value_or(kDefaultGapFactor * median);
    for (size_t i = 0; i < steps.size(); ++i) {
      if (steps[i] > limit) {
        return LineError(origin, rows[i + 1].line,
                         "gap of " + FormatDuration(steps[i]) + " after timestamp " + FormatNumber(rows[i].t) +
                             " (line " + std::to_string(rows[i].line) + ") exceeds max_gap " +
                             FormatDuration(limit) +
                             (max_gap_s ? "" : " (10x the median step; set max_gap= to allow it)"));
      }
    }
  }

  Trace trace;
  const double t0 = rows.front().t;
  for (const Row& r : rows) {
    trace.rate.bounds.push_back(r.t - t0);
    trace.rate.rate.push_back(r.rps);
  }
  trace.rate.bounds.push_back(trace.rate.bounds.back() + (steps.empty() ? 1.0 : steps.back()));
  trace.clock_start_s = t0 >= kUnixTimeThreshold ? t0 + kUnixEpochWeekOffsetS : t0;
  return trace;
}

StatusOr<Trace> ReadCsvTrace(const std::string& path, std::optional<double> max_gap_s) {
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseCsvTrace(text, path, max_gap_s);
}

}  // namespace podpilot::workload_internal
