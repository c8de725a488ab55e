// The tuned HPA: for each scenario, the Kubernetes HPA CPU target chosen on the scenario's TRAIN
// workloads, so that `eval` can compare against an HPA tuned as well as an SRE would tune it
// without ever seeing the evaluation workloads.
//
// RunSweep runs "hpa:cpu=T" for every target T on every train workload x seed (the same common
// random numbers as eval, see suite.h) and picks per scenario, by SelectTunedTarget:
//   the cheapest T (mean cost over seeds) whose mean SLO attainment >= the suite's
//   required_attainment; if no T reaches it, the T with the highest mean attainment, flagged
//   met = false with a note saying so.
// The result is written as tuned_hpa.json and read back by the policy spec
// "tuned-hpa:file=PATH" (policy_set.h), which resolves per scenario to "hpa:cpu=T".
//
// tuned_hpa.json (written by TunedHpaToJson; ReadTunedHpa needs only `scenarios.*.target` and
// `scenarios.*.fingerprint`):
//   {"suite": ..., "split": "train", "seeds": N, "required_attainment": 0.99, "targets": [...],
//    "scenarios": {"<name>": {"target": 60, "policy": "hpa:cpu=60", "met": true, "note": "...",
//                             "fingerprint": "...", "table": [{"target": 30, "cost": {...},
//                             "slo_attainment": {...}, "p95_ms": {...}, "scaling_actions": {...}}]}}}
//
// Thread-safety: pure functions, except RunSweep which runs its own thread pool.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "eval/stats.h"
#include "eval/suite.h"

namespace podpilot {

struct SweepPoint {
  int target = 0;  // CPU utilization target, percent
  SampleSummary cost, slo_attainment, p95_ms, scaling_actions;
};

struct TunedChoice {
  int target = 0;
  bool met = false;   // whether the chosen target reaches the required attainment
  std::string note;   // one line for reports
};

// The selection rule above. Ties (equal mean cost) go to the higher attainment, then the higher
// target. `points` must be non-empty.
TunedChoice SelectTunedTarget(const std::vector<SweepPoint>& points, double required_attainment);

// "hpa:cpu=60".
std::string HpaSpecForTarget(int target);

// "30,40,50" or with an arithmetic ellipsis "30,40,...,90" (= 30,40,50,60,70,80,90). Integers in
// [1, 1000], strictly increasing.
StatusOr<std::vector<int>> ParseTargets(const std::string& text);

struct TunedScenario {
  TunedChoice choice;
  std::string fingerprint;        // Scenario::Fingerprint() at tuning time
  std::vector<SweepPoint> table;  // every target tried
};

struct TunedHpaFile {
  std::string suite;              // suite name
  double required_attainment = 0.99;
  int seeds = 0;
  std::vector<int> targets;
  std::map<std::string, TunedScenario> scenarios;
};

std::string TunedHpaToJson(const TunedHpaFile& tuned);
// Reads the fields eval needs; errors name the file and the field.
StatusOr<TunedHpaFile> ReadTunedHpa(const std::string& path);

struct SweepOptions {
  std::vector<int> targets = {30, 40, 50, 60, 70, 80, 90};
  int seeds = 3;
  int threads = 0;                          // 0 = hardware concurrency
  std::function<void(int, int)> progress;   // as EvalOptions::progress
};

// Runs the sweep over `scenarios` (from `suite`) on their train workloads.
StatusOr<TunedHpaFile> RunSweep(const Suite& suite, const std::vector<const Scenario*>& scenarios,
                                const SweepOptions& options);

// The console report: per scenario, every target's cost, attainment and p95, and the choice.
std::string FormatSweepTable(const TunedHpaFile& tuned, const std::vector<const Scenario*>& scenarios);

}  // namespace podpilot
