// `podpilot simulate`: one policy on one app and workload, summary on stdout, series on disk.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "common/file_util.h"
#include "common/units.h"
#include "eval/policy_registry.h"
#include "eval/policy_set.h"
#include "eval/run.h"
#include "sim/env.h"

namespace podpilot::cli {
namespace {

struct SimulateOptions {
  std::string app = "online-boutique";
  std::string workload = "diurnal";
  std::string policy = "static";
  std::string duration = "1d";
  std::string control_interval = "15s";
  std::string metrics_window;  // empty: the policy's preference, else 30 s
  std::string metrics_lag = "0s";
  uint64_t seed = 0;
  std::string out;
  bool json = false;
};

template <typename T>
T OrThrow(StatusOr<T> v) {
  if (!v.ok()) throw UsageError(v.status().message());
  return std::move(v).value();
}

void RunSimulate(const SimulateOptions& o) {
  EnvConfig cfg;
  cfg.app = std::make_shared<const AppModel>(OrThrow(LoadAppByName(o.app)));
  cfg.workload = o.workload;
  cfg.duration_s = OrThrow(ParseDuration(o.duration));
  cfg.control_interval_s = OrThrow(ParseDuration(o.control_interval));
  std::unique_ptr<Policy> policy = OrThrow(MakePolicy(o.policy));
  ApplyPolicyPreferences(*policy, &cfg);
  if (!o.metrics_window.empty()) cfg.sim.metrics_window_s = OrThrow(ParseDuration(o.metrics_window));
  auto lag = ParseDuration(o.metrics_lag);
  if (!lag.ok() || !(*lag >= 0 && *lag <= 600) || *lag != std::floor(*lag)) {
    throw UsageError("--metrics-lag '" + o.metrics_lag + "': expected whole seconds in [0s, 10m]");
  }
  cfg.sim.metrics_lag_s = *lag;
  std::unique_ptr<Env> env = OrThrow(Env::Create(cfg));
  const std::string lag_warning = LearnedLagWarning(o.policy, o.policy, *lag, "this run is");
  if (!lag_warning.empty()) std::cerr << "warning: " << lag_warning << "\n";
  if (!o.out.empty()) {
    Status st = EnsureDirectory(o.out);
    if (!st.ok()) throw UsageError(st.message());
  }
  TimeSeries series;
  RunSummary s = RunEpisode(*env, *policy, o.seed, o.out.empty() ? nullptr : &series);
  if (!o.out.empty()) {
    // Each file appears complete or not at all.
    Status st = WriteFileAtomically(o.out + "/timeseries.csv", series.ToCsv());
    if (st.ok()) st = WriteFileAtomically(o.out + "/summary.json", SummaryToJson(s, 2) + "\n");
    if (!st.ok()) throw std::runtime_error(st.message());
  }
  if (s.fallback_decisions > 0) {  // on stderr, so that it shows with --json too
    std::cerr << FallbackWarning(s.policy, s.fallback_decisions, s.steps, s.first_fallback);
  }
  if (o.json) {
    std::cout << SummaryToJson(s) << "\n";
    return;
  }
  std::printf("app %s, workload %s, policy %s, seed %llu, %s simulated in %.2f s wall\n", s.app.c_str(),
              s.workload.c_str(), s.policy.c_str(), static_cast<unsigned long long>(s.seed),
              FormatDuration(s.sim_seconds).c_str(), s.wall_seconds);
  std::printf("  cost            $%.4f  (%.1f pod-hours; node view $%.4f)\n", s.cost, s.pod_hours, s.node_cost);
  std::printf("  SLO attainment  %.4f of %.0f requests (intervals meeting p95 SLO: %.4f)\n", s.slo_attainment,
              s.requests, s.interval_slo_attainment);
  std::printf("  latency         p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n", s.p50_ms, s.p95_ms, s.p99_ms);
  std::printf("  errors          %.0f\n", s.errors);
  std::printf("  scaling         %d actions, %d replica changes, %d OOM kills\n", s.scaling_actions,
              s.replica_changes, s.oom_kills);
  std::printf("  utilization     CPU %.1f %%, memory %.1f %% of requests\n", 100 * s.cpu_utilization,
              100 * s.memory_utilization);
  if (!o.out.empty()) std::printf("  wrote %s/timeseries.csv and %s/summary.json\n", o.out.c_str(), o.out.c_str());
}

}  // namespace

void RegisterSimulate(CLI::App& app) {
  auto opts = std::make_shared<SimulateOptions>();
  CLI::App* sub = app.add_subcommand("simulate", "Run one policy on a simulated application and workload");
  std::string policies;
  for (const auto& [name, help] : PolicyKinds()) policies += "\n      " + help;
  sub->add_option("--app", opts->app, "Application: a bundled name (online-boutique, teastore, gourmetgram) or a YAML path")
      ->capture_default_str();
  sub->add_option("--workload", opts->workload,
                  "Workload spec, e.g. diurnal, step:low=20,high=200,at=10m, trace:csv=FILE (see docs/workloads.md)")
      ->capture_default_str();
  sub->add_option("--policy", opts->policy, "Policy spec:" + policies)->capture_default_str();
  sub->add_option("--duration", opts->duration, "Simulated time, e.g. 90m, 1d, 30d")->capture_default_str();
  sub->add_option("--seed", opts->seed, "Random seed (same seed, same result)")->capture_default_str();
  sub->add_option("--out", opts->out, "Directory for timeseries.csv and summary.json");
  sub->add_flag("--json", opts->json, "Print one JSON object instead of the text summary");
  sub->add_option("--control-interval", opts->control_interval,
                  "Policy period (a policy with its own, e.g. kpa's 2s, keeps it)")->capture_default_str();
  sub->add_option("--metrics-window", opts->metrics_window,
                  "Metric averaging window (default: the policy's, e.g. 2s for kpa; else 30s)");
  sub->add_option("--metrics-lag", opts->metrics_lag,
                  "Delay before metric samples (each target's CPU, memory, rate, latency, in flight; the application's "
                  "rate, latency and SLO attainment) are visible to the policy (scrape + pipeline), whole seconds, e.g. "
                  "15s; replica counts and OOM kills (pod status) are not delayed")
      ->capture_default_str();
  sub->callback([opts] { RunSimulate(*opts); });
}

}  // namespace podpilot::cli
