// `podpilot sweep`: tunes the HPA's CPU target (or, with --policy kpa, the Knative KPA's
// concurrency target; with --policy keda, KEDA's request-rate threshold) per scenario on the
// suite's TRAIN workloads and writes DIR/tuned_hpa.json (tuned_kpa.json, tuned_keda.json) for
// `eval --policies 'tuned-hpa:file=DIR/tuned_hpa.json'` (tuned-kpa:..., tuned-keda:...).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "eval/drivers.h"
#include "eval/suite.h"

namespace podpilot::cli {
namespace {

struct SweepCliOptions {
  SweepRequest request;
  std::string scenarios;
};

void RunSweep(SweepCliOptions& o) {
  SweepRequest req = o.request;
  req.scenarios = SplitList(o.scenarios, ',');
  Status st = RunSweepCommand(req, stdout, stderr);
  if (!st.ok()) throw UsageError(st.message());
}

}  // namespace

void RegisterSweep(CLI::App& app) {
  auto o = std::make_shared<SweepCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "Tune the HPA CPU target (or the KPA concurrency target, or KEDA's request-rate threshold) per scenario on the TRAIN workloads "
               "(cheapest target meeting the SLO)");
  sub->add_option("--suite", o->request.suite, "Suite: a bundled name (default) or a YAML path")->capture_default_str();
  sub->add_option("--scenarios", o->scenarios, "Only these scenarios (comma-separated names)");
  sub->add_option("--policy", o->request.policy, "What to tune: hpa (CPU target), kpa (concurrency target per pod) or keda (request rate per pod)")
      ->capture_default_str();
  sub->add_option("--targets", o->request.targets,
                  "Targets to try, e.g. 30,40,50 or 30,40,...,90: CPU utilization percent of the request (hpa, default 30,40,...,190) "
                  "or requests in flight per pod (kpa, default 0.2,0.3,0.4,0.5,0.7,1,1.5,2,3,5,10,30,100) "
                  "or requests/s per pod (keda, default 0.5,1,2,3,5,7,10,15,20,30,50,70,100,150,200,300,500)");
  sub->add_option("--seeds", o->request.seeds, "Seeds per train workload")->capture_default_str();
  sub->add_option("--out", o->request.out_dir, "Directory for tuned_hpa.json / tuned_kpa.json / tuned_keda.json")->required();
  sub->add_option("--threads", o->request.threads, "Worker threads (0 = all cores)")->capture_default_str();
  sub->add_option("--metrics-lag", o->request.metrics_lag,
                  "Delay before metric samples (not replica counts or OOM kills) are visible, for every scenario, whole seconds (default: each scenario's "
                  "metrics_lag, else 0s); recorded in the tuned file's fingerprints");
  sub->callback([o] { RunSweep(*o); });
}

}  // namespace podpilot::cli
