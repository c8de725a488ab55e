// The `podpilot eval` and `podpilot sweep` commands as library calls (the CLI only parses options
// into these requests), so tests run them end to end without a subprocess.
//
// Both validate everything (suite, scenario names, policy specs, tuned-HPA file, options) before
// the first run, print their report to `out`, progress to `err` (may be null), and write their
// files atomically under `out_dir`.
//
// Not thread-safe with respect to `out`/`err` (each call writes to them from its own thread only).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "common/status.h"

namespace podpilot {

struct EvalRequest {
  std::string suite = "default";           // suite name or path (suite.h)
  std::vector<std::string> scenarios;      // empty = all
  std::vector<std::string> policies;       // specs (policy_set.h)
  int seeds = 3;
  std::string out_dir;                     // required
  std::string split = "eval";              // "eval" | "train"
  int threads = 0;                         // 0 = hardware concurrency
  std::string series = "first";            // "none" | "first" | "all"
  std::string series_step = "1m";          // downsampling step of the per-run series
  bool vertical_bound = false;             // also the vertical (+ horizontal) bound (EvalOptions)
  std::string metrics_lag;                 // "": each scenario's own; else every scenario's (suite.h)
};

// Writes out_dir/scorecard.json, out_dir/scorecard.csv and out_dir/runs/...; prints the table and
// the wall time.
Status RunEvalCommand(const EvalRequest& request, std::FILE* out, std::FILE* err);

struct SweepRequest {
  std::string suite = "default";
  std::vector<std::string> scenarios;
  std::string policy = "hpa";              // hpa | kpa | keda (sweep.h SweepPolicy)
  std::string targets;                     // empty: DefaultTargets(policy)
  int seeds = 3;
  std::string out_dir;                     // required
  int threads = 0;
  std::string metrics_lag;                 // "": each scenario's own; else every scenario's (suite.h)
};

// Writes out_dir/tuned_<policy>.json; prints every scenario's table and choice and the wall time.
Status RunSweepCommand(const SweepRequest& request, std::FILE* out, std::FILE* err);

}  // namespace podpilot
