// The scorecard (design.md §5): per scenario x policy, the mean and 95 % t-interval over seeds of
// cost, node cost (the provisioned-nodes view), pod-hours, SLO attainment (request and interval views), p95 latency, scaling actions,
// replica changes, OOM kills, CPU and memory utilization, the clairvoyant lower bound and the cost
// ratio, and, when computed, the vertical (+ horizontal) bound and the cost ratio to it
// (cost_ratio_vertical). The JSON's scenarios record each one's metrics lag (metrics_lag_s).
//
// One sample per seed index: the mean, over the scenario's workloads of the split, of the runs
// with that seed index. (So the interval is over seeds, and each sample covers every workload.)
// cost_ratio per run = policy cost / lower-bound cost of the same workload and seed; its sample
// is likewise the mean over workloads. The ratio and the bound are available for a row only when
// every bound of its scenario is (otherwise "n/a" in the table and CSV, null in JSON, with the
// reason in JSON's lower_bound.note).
//
// Outputs are deterministic functions of the results (no wall-clock values), so a rerun with any
// thread count writes byte-identical files. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "eval/eval_runner.h"
#include "eval/stats.h"
#include "eval/suite.h"

namespace podpilot {

struct ScoreRow {
  int scenario = 0, policy = 0;     // indices into EvalResults::scenarios / policies
  int seeds = 0, workloads = 0;
  SampleSummary cost, node_cost, pod_hours, slo_attainment, interval_slo_attainment, p95_ms;
  SampleSummary scaling_actions, replica_changes, oom_kills, cpu_utilization;
  SampleSummary memory_utilization;  // working set / memory request, time-integrated
  bool bound_available = false;
  SampleSummary lower_bound_cost, cost_ratio;  // meaningful only when bound_available
  std::string bound_note;                      // why the bound is missing (first reason)
  // The vertical (+ horizontal) bound (EvalOptions::vertical_bound), with the same rules.
  bool vertical_available = false;
  SampleSummary vertical_lower_bound_cost, cost_ratio_vertical;  // meaningful only when vertical_available
  std::string vertical_note;
};

// One row per scenario x policy, in scenario order then policy order.
std::vector<ScoreRow> BuildScorecard(const EvalResults& results);

// scorecard.json: the suite, split, seeds, scenarios with their train and eval workloads, the
// policies with their resolved specs, the rows, and every run (seed, summary, bound, series file).
std::string ScorecardJson(const Suite& suite, const EvalResults& results, const std::vector<ScoreRow>& rows);
// scorecard.csv: one line per row; each statistic as <name>_mean, <name>_ci95_low, _ci95_high.
std::string ScorecardCsv(const EvalResults& results, const std::vector<ScoreRow>& rows);
// The console table: cost, ratio to the bound, SLO attainment, p95 and actions as mean ± half-width
// (plus the ratio to the vertical bound when it was computed).
std::string FormatScorecardTable(const Suite& suite, const EvalResults& results, const std::vector<ScoreRow>& rows);

// Writes DIR/scorecard.json and DIR/scorecard.csv (each atomically; DIR is created).
Status WriteScorecard(const std::string& dir, const Suite& suite, const EvalResults& results,
                      const std::vector<ScoreRow>& rows);

}  // namespace podpilot
