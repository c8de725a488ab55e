// Scenario suites: which scenarios (application x workloads x SLO x cluster) a scorecard runs, and
// which workloads are for training or tuning and which for evaluation.
//
// A suite is a YAML file under scenarios/suites/ (schema, every field):
//
//   name: default                     # required; names the suite in reports
//   description: "..."                # optional
//   required_attainment: 0.99         # optional; the SLO attainment tuning must reach (sweep)
//   scenarios:
//     - name: boutique-diurnal        # required, unique, [A-Za-z0-9._-] (used in file names)
//       app: online-boutique          # bundled app name, or a YAML path (relative: to this file)
//       duration: 1d                  # simulated time of every run of this scenario
//       slo_ms: 250                   # optional: the app's default objective becomes 250 ms and
//                                     #   every class objective is scaled by the same factor (so a
//                                     #   class that spans two page loads keeps twice the budget)
//       metrics_lag: 15s              # optional: delay before a metric sample is visible to the
//                                     #   policy (scrape + pipeline), in [0s, 10m]; default 0
//       cluster:                      # optional: replaces the app's cluster keys given here
//         node_pools: [{name: default, cpu: 7.91, memory: 29020Mi, nodes: 1, max_nodes: 4}]
//         price: {cpu_core_hour: 0.0066, memory_gib_hour: 0.00088}
//       train:                        # >= 1 workload specs (workload/workload.h syntax) for
//         - diurnal:peak=200,trough=20  #   training and tuning (the sweep)
//       eval:                         # >= 1 workload specs for evaluation, none equal to a train
//         - diurnal:peak=240,trough=30  #   workload
//         - {workload: "random_walk:start=80", seed: 7}   # map form: `seed` selects another draw
//                                                          #   of the same spec
//
// Relative trace paths inside workload specs (trace:csv=, azure=, clf=) and relative app paths are
// resolved against the suite file's directory, so a suite runs from any working directory.
//
// Everything is validated on load, before any run: unknown keys, unknown apps, bad overrides,
// malformed workload specs, missing trace files, workloads shorter than the duration, duplicate
// scenario names, empty or overlapping train/eval lists. Errors name the file, the field path
// (e.g. "scenarios[3].eval[1]") and the value.
//
// Seeds (common random numbers): run i of a workload uses RunSeed(workload, i), which depends only
// on the workload as written and i, never on the policy, the scenario order, the thread or the
// other scenarios selected. Every policy therefore sees identical arrivals on run i, and two
// scenarios that differ only in SLO or cluster see identical arrivals too.
//
// Thread-safety: a loaded Suite is immutable; share it freely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/app_model.h"
#include "sim/env.h"

namespace podpilot {

enum class Split { kTrain, kEval };
const char* SplitName(Split split);  // "train" / "eval"
StatusOr<Split> ParseSplit(const std::string& text);

struct WorkloadRef {
  std::string text;       // as written in the suite: names the workload in reports, feeds RunSeed
  std::string spec;       // runnable spec: relative trace paths resolved (may equal `text`)
  uint64_t seed_key = 0;  // the map form's `seed` (0 if absent)
  // "text" or "text#seed=K": the identity that train and eval lists must not share.
  std::string Label() const;
};

struct Scenario {
  std::string name;
  std::string app;                          // as written in the suite
  std::shared_ptr<const AppModel> model;    // loaded, with the slo_ms / cluster overrides applied
  double duration_s = 0;
  std::optional<double> slo_ms;             // the override, if any
  double metrics_lag_s = 0;                 // SimConfig::metrics_lag_s of every run
  bool cluster_override = false;
  std::vector<WorkloadRef> train, eval;

  const std::vector<WorkloadRef>& workloads(Split split) const { return split == Split::kTrain ? train : eval; }
  // The definition tuning results depend on (app, duration, class objectives, cluster, metrics
  // lag, train workloads). A tuned HPA file records it so that eval refuses a stale tuning.
  std::string Fingerprint() const;
};

struct Suite {
  std::string name;
  std::string description;
  std::string path;                          // the file it was loaded from ("" if parsed from text)
  double required_attainment = 0.99;
  std::vector<Scenario> scenarios;

  const Scenario* Find(const std::string& name) const;  // nullptr if absent
};

// Sets every scenario's metrics lag to `text` (a duration, as the suite's `metrics_lag`), for
// `--metrics-lag`; "" leaves the suite as it is. InvalidArgument naming `flag` and the value when
// it is not a duration in [0s, 10m].
Status OverrideMetricsLag(Suite* suite, const std::string& text, const std::string& flag);

// Resolves "default" to <ScenariosDir()>/suites/default.yaml, or returns a path as is.
std::string ResolveSuitePath(const std::string& name_or_path);

// Loads and validates a suite file (see the schema above).
StatusOr<Suite> LoadSuite(const std::string& name_or_path);
// Same from text; `origin` names the source in errors, `base_dir` resolves relative paths.
StatusOr<Suite> ParseSuite(const std::string& yaml_text, const std::string& origin, const std::string& base_dir);

// The scenarios named in `names`, in the suite's order; all of them when `names` is empty.
// An unknown name is an error listing the suite's scenarios.
StatusOr<std::vector<const Scenario*>> SelectScenarios(const Suite& suite, const std::vector<std::string>& names);

// The seed of run `index` (0-based) of workload `w` (see "Seeds" above).
uint64_t RunSeed(const WorkloadRef& w, int index);

// The environment of scenario `s` under workload `w` (default control interval and metrics
// window; the scenario's metrics lag).
EnvConfig ScenarioEnvConfig(const Scenario& s, const WorkloadRef& w);

// Splits "a,b,,c " into {"a","b","c"} (trimmed, empty items dropped); for --scenarios and the like.
std::vector<std::string> SplitList(const std::string& text, char sep);

}  // namespace podpilot
