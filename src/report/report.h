// `podpilot report`: one self-contained HTML page from an evaluation directory (what `podpilot
// eval --out DIR` wrote: DIR/scorecard.json and the per-run series under DIR/runs/).
//
// The page opens offline: the charting library (uPlot, vendored from npm, report_assets.h), the
// styles, the data and the page script are all inline; it loads nothing. Contents:
//   * an overview: scenario x policy, cost as a ratio to the clairvoyant lower bound and SLO
//     attainment (mean over seeds), attainment below the suite's requirement marked;
//   * per scenario, the scorecard table (mean and 95 % interval over seeds of cost, ratio to the
//     bound, SLO attainment, p95, scaling actions, OOM kills, pod-hours, CPU utilization), a
//     warning for each policy that decided by its fallback (scorecard.json runs[].fallback_decisions;
//     also listed under the overview), then for
//     each workload x seed that has series (seed 0 by default): the load, total replicas per
//     policy, replicas per service (one policy at a time, chosen in the page), p95 latency against
//     the SLO, and the cost rate per policy; the clairvoyant lower bound's pods and cost rate
//     beside them when the evaluation wrote its trajectory (scorecard.json "bounds").
// Series are coarsened to at most `max_points` points per chart (eval/series_downsample.h).
//
// Errors (StatusOr) name the file and the field: a missing or malformed scorecard.json, a series
// file it names that is missing or malformed. Nothing is written on error.
//
// Thread-safety: free functions, reentrant.
#pragma once

#include <string>

#include "common/status.h"

namespace podpilot {

struct ReportOptions {
  int max_points = 400;   // per series in the charts, >= 10
  std::string title;      // page title; default "podpilot report: <suite> (<split>)"
};

// Builds the page from `eval_dir` (DIR/scorecard.json and the series files it names).
StatusOr<std::string> BuildReport(const std::string& eval_dir, const ReportOptions& options);

// BuildReport, then writes `out_path` atomically (default: `eval_dir`/report.html when empty).
// Returns the path written.
StatusOr<std::string> WriteReport(const std::string& eval_dir, const std::string& out_path,
                                  const ReportOptions& options);

}  // namespace podpilot
