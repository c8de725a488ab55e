// Runs every scenario x policy x workload x seed of an evaluation on a thread pool, plus the
// clairvoyant lower bound of every scenario x workload x seed.
//
// Each run is independent (its own Env and Policy instance) and its result is stored at a fixed
// position, so the results are identical for any number of threads. Run (scenario, policy,
// workload w, seed i) uses RunSeed(w, i) for every policy: all policies face the same arrivals
// (common random numbers), and the lower bound is computed on those same arrivals.
//
// A policy that asks for its own control period (the KPA's 2 s) gets it, exactly as `simulate`
// does; the workload, the arrivals and the cost accounting do not depend on the period.
//
// Thread-safety: RunEvaluation is reentrant; it owns its workers and joins them before returning.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "eval/lower_bound.h"
#include "eval/policy_set.h"
#include "eval/run.h"
#include "eval/suite.h"

namespace podpilot {

enum class SeriesMode { kNone, kFirstSeed, kAll };
StatusOr<SeriesMode> ParseSeriesMode(const std::string& text);  // "none" | "first" | "all"

struct EvalOptions {
  Split split = Split::kEval;
  int seeds = 3;                  // runs per workload: seed indices 0 .. seeds-1
  int threads = 0;                // 0 = hardware concurrency
  bool lower_bound = true;        // compute the clairvoyant bound of every workload x seed
  // Also the vertical (+ horizontal) bound of every workload x seed (ComputeVerticalLowerBound), for
  // policies that change requests (the VPA). Off by default: it costs a few times the horizontal
  // bound. Requires lower_bound.
  bool vertical_bound = false;
  // Per-run time series: written under `out_dir`/runs/ when out_dir is set and mode != kNone,
  // downsampled to `series_step_s` (see series_downsample.h).
  std::string out_dir;
  SeriesMode series = SeriesMode::kFirstSeed;
  double series_step_s = 60;
  // Called after each finished job with (done, total); calls are serialised, from any thread.
  std::function<void(int, int)> progress;
};

struct RunRecord {
  int scenario = 0;               // index into EvalResults::scenarios
  int policy = 0;                 // index into EvalResults::policies
  int workload = 0;               // index into the scenario's workloads of the split
  int seed_index = 0;
  uint64_t seed = 0;
  std::string policy_spec;        // the resolved spec this run used
  RunSummary summary;
  std::string series_file;        // relative to out_dir; empty if none written
};

struct BoundRecord {
  int scenario = 0, workload = 0, seed_index = 0;
  uint64_t seed = 0;
  Status status;                  // not OK: the bound is unavailable ("n/a") for this run
  LowerBoundResult result;
  std::string series_file;        // its trajectory (lower_bound.h), relative to out_dir; empty if none
  // The vertical bound (only with EvalOptions::vertical_bound; vertical_status not OK: n/a).
  bool vertical_requested = false;
  Status vertical_status;
  LowerBoundResult vertical;
};

struct EvalResults {
  std::vector<const Scenario*> scenarios;
  std::vector<PolicyEntry> policies;
  Split split = Split::kEval;
  int seeds = 0;
  // Ordered by scenario, policy, workload, seed index.
  std::vector<RunRecord> runs;
  // Ordered by scenario, workload, seed index; empty when the bound was not requested.
  std::vector<BoundRecord> bounds;
  double wall_seconds = 0;

  // The bound of one scenario x workload x seed, or nullptr if not computed.
  const BoundRecord* Bound(int scenario, int workload, int seed_index) const;
};

// Runs the evaluation. `scenarios` must outlive the result; `policies` come from ResolvePolicies.
// Fails (after all jobs finish) with the first failing run in the order above, naming it.
StatusOr<EvalResults> RunEvaluation(const std::vector<const Scenario*>& scenarios,
                                    const std::vector<PolicyEntry>& policies, const EvalOptions& options);

}  // namespace podpilot
