#include "eval/drivers.h"

#include <chrono>

#include "common/file_util.h"
#include "common/units.h"
#include "eval/eval_runner.h"
#include "eval/policy_set.h"
#include "eval/scorecard.h"
#include "eval/suite.h"
#include "eval/sweep.h"

namespace podpilot {
namespace {

// Progress on stderr at every tenth of the jobs (a line per job would drown a terminal).
std::function<void(int, int)> Progress(std::FILE* err, const std::string& what) {
  if (!err) return nullptr;
  return [err, what](int done, int total) {
    if (done == total || (done * 10 / total) != ((done - 1) * 10 / total)) {
      std::fprintf(err, "%s: %d/%d jobs done\n", what.c_str(), done, total);
      std::fflush(err);
    }
  };
}

Status CheckCommon(const std::string& out_dir, int seeds, int threads) {
  if (out_dir.empty()) return InvalidArgumentError("--out DIR is required");
  if (seeds < 1 || seeds > 1000) return InvalidArgumentError("--seeds " + std::to_string(seeds) + ": must be in [1, 1000]");
  if (threads < 0 || threads > 1024) return InvalidArgumentError("--threads " + std::to_string(threads) + ": must be in [0, 1024]");
  return Status::Ok();
}

}  // namespace

Status RunEvalCommand(const EvalRequest& req, std::FILE* out, std::FILE* err) {
  const auto wall0 = std::chrono::steady_clock::now();
  PP_RETURN_IF_ERROR(CheckCommon(req.out_dir, req.seeds, req.threads));
  PP_ASSIGN_OR_RETURN(Split split, ParseSplit(req.split));
  PP_ASSIGN_OR_RETURN(SeriesMode series, ParseSeriesMode(req.series));
  auto step = ParseDuration(req.series_step);
  if (!step.ok() || *step < 1) return InvalidArgumentError("--series-step '" + req.series_step + "': expected a duration >= 1s");
  PP_ASSIGN_OR_RETURN(Suite suite, LoadSuite(req.suite));
  PP_RETURN_IF_ERROR(OverrideMetricsLag(&suite, req.metrics_lag, "--metrics-lag"));
  PP_ASSIGN_OR_RETURN(std::vector<const Scenario*> scenarios, SelectScenarios(suite, req.scenarios));
  PP_ASSIGN_OR_RETURN(std::vector<PolicyEntry> policies, ResolvePolicies(req.policies, scenarios));
  PP_RETURN_IF_ERROR(EnsureDirectory(req.out_dir));
  for (const PolicyEntry& e : policies) {
    for (const std::string& w : e.warnings) {
      if (err) std::fprintf(err, "warning: %s\n", w.c_str());
    }
  }

  EvalOptions o;
  o.split = split;
  o.seeds = req.seeds;
  o.threads = req.threads;
  o.out_dir = req.out_dir;
  o.series = series;
  o.series_step_s = *step;
  o.vertical_bound = req.vertical_bound;
  o.progress = Progress(err, "eval");
  PP_ASSIGN_OR_RETURN(EvalResults res, RunEvaluation(scenarios, policies, o));
  const std::vector<ScoreRow> rows = BuildScorecard(res);
  PP_RETURN_IF_ERROR(WriteScorecard(req.out_dir, suite, res, rows));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  double sim_s = 0;
  for (const auto& r : res.runs) sim_s += r.summary.sim_seconds;
  std::fprintf(out, "%s\n", FormatScorecardTable(suite, res, rows).c_str());
  std::fprintf(out, "%zu runs (%s simulated) in %.1f s wall; wrote %s/scorecard.json, %s/scorecard.csv%s\n",
               res.runs.size(), FormatDuration(sim_s).c_str(), wall, req.out_dir.c_str(), req.out_dir.c_str(),
               series == SeriesMode::kNone ? "" : (" and time series under " + req.out_dir + "/runs/").c_str());
  return Status::Ok();
}

Status RunSweepCommand(const SweepRequest& req, std::FILE* out, std::FILE* err) {
  const auto wall0 = std::chrono::steady_clock::now();
  PP_RETURN_IF_ERROR(CheckCommon(req.out_dir, req.seeds, req.threads));
  auto kind_or = ParseSweepPolicy(req.policy);
  if (!kind_or.ok()) return kind_or.status().WithPrefix("--policy");
  const SweepPolicy kind = *kind_or;
  PP_ASSIGN_OR_RETURN(std::vector<double> targets,
                      ParseTargets(kind, req.targets.empty() ? DefaultTargets(kind) : req.targets));
  PP_ASSIGN_OR_RETURN(Suite suite, LoadSuite(req.suite));
  PP_RETURN_IF_ERROR(OverrideMetricsLag(&suite, req.metrics_lag, "--metrics-lag"));
  PP_ASSIGN_OR_RETURN(std::vector<const Scenario*> scenarios, SelectScenarios(suite, req.scenarios));
  PP_RETURN_IF_ERROR(EnsureDirectory(req.out_dir));
  SweepOptions o;
  o.kind = kind;
  o.targets = targets;
  o.seeds = req.seeds;
  o.threads = req.threads;
  o.progress = Progress(err, "sweep");
  PP_ASSIGN_OR_RETURN(TunedFile tuned, RunSweep(suite, scenarios, o));
  const std::string path = req.out_dir + "/tuned_" + SweepPolicyName(kind) + ".json";
  PP_RETURN_IF_ERROR(WriteFileAtomically(path, TunedFileToJson(tuned)));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  std::fprintf(out, "%s\n", FormatSweepTable(tuned, scenarios).c_str());
  std::fprintf(out, "%.1f s wall; wrote %s (use it as: --policies 'tuned-%s:file=%s')\n", wall, path.c_str(),
               SweepPolicyName(kind), path.c_str());
  return Status::Ok();
}

}  // namespace podpilot
