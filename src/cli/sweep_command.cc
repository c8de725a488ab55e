// `podpilot sweep`: tunes the HPA CPU target per scenario on the suite's TRAIN workloads and
// writes DIR/tuned_hpa.json for `eval --policies 'tuned-hpa:file=DIR/tuned_hpa.json'`.
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
      "sweep", "Tune the HPA CPU target per scenario on the TRAIN workloads (cheapest target meeting the SLO)");
  sub->add_option("--suite", o->request.suite, "Suite: a bundled name (default) or a YAML path")->capture_default_str();
  sub->add_option("--scenarios", o->scenarios, "Only these scenarios (comma-separated names)");
  sub->add_option("--targets", o->request.targets,
                  "CPU utilization targets in percent, e.g. 30,40,50 or 30,40,...,90")
      ->capture_default_str();
  sub->add_option("--seeds", o->request.seeds, "Seeds per train workload")->capture_default_str();
  sub->add_option("--out", o->request.out_dir, "Directory for tuned_hpa.json")->required();
  sub->add_option("--threads", o->request.threads, "Worker threads (0 = all cores)")->capture_default_str();
  sub->callback([o] { RunSweep(*o); });
}

}  // namespace podpilot::cli
