// `podpilot eval`: the scorecard of a suite (every scenario x policy x seed) with the clairvoyant
// lower bound; see eval/drivers.h and eval/scorecard.h.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "eval/drivers.h"
#include "eval/policy_registry.h"
#include "eval/policy_set.h"
#include "report/report.h"

namespace podpilot::cli {
namespace {

// The baselines compared when no policy is named.
constexpr const char* kDefaultPolicies = "static;hpa:cpu=50;hpa:cpu=80;threshold;kpa;vpa";

struct EvalCliOptions {
  EvalRequest request;
  std::string policies;                  // ';'-separated
  std::vector<std::string> policy;       // repeatable --policy
  std::string scenarios;                 // ','-separated
  bool report = false;                   // also write DIR/report.html
};

void RunEval(EvalCliOptions& o) {
  EvalRequest req = o.request;
  req.policies = ParsePolicyList(o.policies);
  for (const auto& p : o.policy) req.policies.push_back(p);
  if (req.policies.empty()) req.policies = ParsePolicyList(kDefaultPolicies);
  req.scenarios = SplitList(o.scenarios, ',');
  Status st = RunEvalCommand(req, stdout, stderr);
  if (!st.ok()) throw UsageError(st.message());
  if (o.report) {
    auto path = WriteReport(req.out_dir, "", ReportOptions{});
    if (!path.ok()) throw UsageError(path.status().message());
    std::printf("report: %s\n", path->c_str());
  }
}

}  // namespace

void RegisterEval(CLI::App& app) {
  auto o = std::make_shared<EvalCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "eval", "Scorecard: run every scenario x policy x seed of a suite, compare with the clairvoyant lower bound");
  std::string kinds;
  for (const auto& [name, help] : PolicyKinds()) kinds += "\n      " + help;
  kinds += "\n      tuned-hpa:file=DIR/tuned_hpa.json - the HPA target `podpilot sweep` chose per scenario (train workloads)";
  kinds += "\n      tuned-kpa:file=DIR/tuned_kpa.json - the KPA target `podpilot sweep --policy kpa` chose per scenario";
  kinds += "\n      tuned-keda:file=DIR/tuned_keda.json - the KEDA request-rate threshold `podpilot sweep --policy keda` chose per scenario";
  sub->add_option("--suite", o->request.suite, "Suite: a bundled name (default) or a YAML path (scenarios/suites/)")
      ->capture_default_str();
  sub->add_option("--policies", o->policies,
                  "Policy specs separated by ';' (specs contain ','), e.g. 'static;hpa:cpu=50,behavior=default;kpa'. "
                  "Default: " + std::string(kDefaultPolicies) + ". Kinds:" + kinds);
  sub->add_option("--policy", o->policy, "One policy spec; repeatable, appended after --policies")->allow_extra_args(false);
  sub->add_option("--seeds", o->request.seeds, "Seeds per workload (mean and 95% t-interval over them)")
      ->capture_default_str();
  sub->add_option("--out", o->request.out_dir, "Directory for scorecard.json, scorecard.csv and runs/")->required();
  sub->add_option("--scenarios", o->scenarios, "Only these scenarios (comma-separated names)");
  sub->add_option("--split", o->request.split, "Workloads to run: eval (default) or train")->capture_default_str();
  sub->add_option("--threads", o->request.threads, "Worker threads (0 = all cores); results do not depend on it")
      ->capture_default_str();
  sub->add_option("--series", o->request.series,
                  "Per-run time series under DIR/runs/: none, first (seed 0 of each run) or all")
      ->capture_default_str();
  sub->add_option("--series-step", o->request.series_step, "Time step of those series (rows are aggregated)")
      ->capture_default_str();
  sub->add_flag("--vertical-bound", o->request.vertical_bound,
                "Also compute the vertical (+ horizontal) clairvoyant bound (pods may be resized, as by the VPA) "
                "and report each policy's cost ratio to it (cost_ratio_vertical)");
  sub->add_option("--metrics-lag", o->request.metrics_lag,
                  "Delay before metric samples (each target's and the application's; not replica counts or OOM kills) are visible "
                  "to the policies, for every scenario, in whole seconds (default: each scenario's metrics_lag, "
                  "else 0s), e.g. 15s for a Prometheus scrape; tuned files must come from a sweep at the same lag");
  sub->add_flag("--report", o->report, "Also write DIR/report.html (same as `podpilot report DIR` afterwards)");
  sub->callback([o] { RunEval(*o); });
}

}  // namespace podpilot::cli
