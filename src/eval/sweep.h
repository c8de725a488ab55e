// Tuned baselines: for each scenario, the target of a reactive autoscaler chosen on the scenario's
// TRAIN workloads, so that `eval` can compare against an HPA (or KPA, or KEDA) tuned as well as an SRE would
// tune it without ever seeing the evaluation workloads.
//
// Three kinds of sweep (SweepPolicy):
//   hpa  the Kubernetes HPA's CPU target, percent of the request: "hpa:cpu=T" (default 30..90)
//   kpa  the Knative KPA's concurrency target per pod (in-flight requests; Knative's default is
//        100, with target utilisation 70 %): "kpa:target=T" (default 0.2..100, see DefaultTargets)
//   keda KEDA's threshold on each target's request rate per pod (AverageValue, the rate over the
//        last control interval), at least one pod: "keda:metric=request_rate,threshold=T,min=1"
//        (default 0.5..500 req/s). With min 1, KEDA's activation, polling and cooldown only
//        matter for scaling from and to zero: its HPA (15 s sync, 300 s scale-down window) scales.
//
// RunSweep runs the kind's spec for every target T on every train workload x seed (the same common
// random numbers as eval, see suite.h) and picks per scenario, by SelectTunedTarget:
//   the cheapest T (mean cost over seeds) whose mean SLO attainment >= the suite's
//   required_attainment; if no T reaches it, the T with the highest mean attainment, flagged
//   met = false with a note saying so.
// The result is written as tuned_<kind>.json and read back by the policy spec
// "tuned-<kind>:file=PATH" (policy_set.h), which resolves per scenario to SpecForTarget(kind, T).
//
// tuned_<kind>.json (written by TunedFileToJson; ReadTunedFile needs only `scenarios.*.target`,
// `scenarios.*.fingerprint` and `kind`, which is "hpa" when absent, as in files written before
// the KPA sweep existed):
//   {"suite": ..., "split": "train", "kind": "hpa", "seeds": N, "required_attainment": 0.99,
//    "targets": [...],
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

enum class SweepPolicy { kHpa, kKpa, kKeda };

const char* SweepPolicyName(SweepPolicy kind);                 // "hpa" / "kpa" / "keda"
// "hpa" / "kpa" / "keda"; InvalidArgument naming the value and the known kinds otherwise.
StatusOr<SweepPolicy> ParseSweepPolicy(const std::string& name);
// The runnable spec of `kind` at `target`: "hpa:cpu=60", "kpa:target=0.5",
// "keda:metric=request_rate,threshold=20,min=1" (targets in shortest form, %g).
std::string SpecForTarget(SweepPolicy kind, double target);
// "60", "0.5": a target as the specs and tables print it (%g: exact for ParseTargets' targets).
std::string FormatTarget(double target);
// The targets a sweep of `kind` tries when none are given: "30,40,...,190" (hpa: utilisation is
// of the CPU request, and where limits are above requests, as TeaStore's twice theirs, a target
// above 100 % is valid in Kubernetes and can be the cheapest that meets the SLO; its services
// pick 150-160 %, and capped at 90 the sweep picked its cap) and
// "0.2,0.3,0.4,0.5,0.7,1,1.5,2,3,5,10,30,100" (kpa: Knative's default is 100, but a pod of Online
// Boutique or TeaStore at its CPU request serves well under one request at a time, so the useful
// targets are fractional; Knative accepts any target of at least 0.01) and
// "0.5,1,2,...,500" (keda: requests/s per pod, from a GourmetGram inference pod's ~1 to a light
// TeaStore service's hundreds).
std::string DefaultTargets(SweepPolicy kind);

struct SweepPoint {
  double target = 0;  // the kind's target: CPU utilization percent (hpa), concurrency per pod (kpa)
  SampleSummary cost, slo_attainment, p95_ms, scaling_actions;
};

struct TunedChoice {
  double target = 0;
  bool met = false;   // whether the chosen target reaches the required attainment
  std::string note;   // one line for reports
};

// The selection rule above. Ties (equal mean cost) go to the higher attainment, then the higher
// target. `points` must be non-empty.
TunedChoice SelectTunedTarget(const std::vector<SweepPoint>& points, double required_attainment);

// "30,40,50" or with an arithmetic ellipsis "30,40,...,90" (= 30,40,50,60,70,80,90), strictly
// increasing, at most 1000: for hpa integers in [1, 1000] (percent), for kpa and keda numbers in
// [0.01, 1000] to hundredths (FormatTarget prints each exactly).
StatusOr<std::vector<double>> ParseTargets(SweepPolicy kind, const std::string& text);

struct TunedScenario {
  TunedChoice choice;
  std::string fingerprint;        // Scenario::Fingerprint() at tuning time
  std::vector<SweepPoint> table;  // every target tried
};

struct TunedFile {
  SweepPolicy kind = SweepPolicy::kHpa;
  std::string suite;              // suite name
  double required_attainment = 0.99;
  int seeds = 0;
  std::vector<double> targets;
  std::map<std::string, TunedScenario> scenarios;
};

std::string TunedFileToJson(const TunedFile& tuned);
// Reads the fields eval needs; errors name the file and the field.
StatusOr<TunedFile> ReadTunedFile(const std::string& path);

struct SweepOptions {
  SweepPolicy kind = SweepPolicy::kHpa;
  std::vector<double> targets = {30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190};
  int seeds = 3;
  int threads = 0;                          // 0 = hardware concurrency
  std::function<void(int, int)> progress;   // as EvalOptions::progress
};

// Runs the sweep over `scenarios` (from `suite`) on their train workloads.
StatusOr<TunedFile> RunSweep(const Suite& suite, const std::vector<const Scenario*>& scenarios,
                                const SweepOptions& options);

// The console report: per scenario, every target's cost, attainment and p95, and the choice.
std::string FormatSweepTable(const TunedFile& tuned, const std::vector<const Scenario*>& scenarios);

}  // namespace podpilot
