#include "eval/eval_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <thread>

#include "common/file_util.h"
#include "eval/policy_registry.h"
#include "eval/series_downsample.h"

namespace podpilot {
namespace {

// File-name form of a policy label: "hpa:cpu=50" -> "hpa_cpu_50".
std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return out.substr(0, 80);
}

struct Job {
  double weight;                    // simulated seconds, to start the long jobs first
  std::function<Status()> run;
};

// Runs every job on `threads` workers; returns the statuses in job order.
std::vector<Status> RunJobs(std::vector<Job>& jobs, int threads, const std::function<void(int, int)>& progress) {
  std::vector<Status> status(jobs.size());
  // Longest first balances the pool (a 2-day run started last would leave one core idle); the
  // order affects only when a job runs, never where its result is stored.
  std::vector<size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return jobs[a].weight > jobs[b].weight; });
  std::atomic<size_t> next{0};
  std::mutex mu;
  int done = 0;
  auto worker = [&] {
    for (;;) {
      const size_t k = next.fetch_add(1);
      if (k >= order.size()) return;
      const size_t j = order[k];
      try {
        status[j] = jobs[j].run();
      } catch (const std::exception& e) {
        status[j] = InternalError(e.what());
      }
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      if (progress) progress(done, static_cast<int>(jobs.size()));
    }
  };
  const int n = std::max(1, std::min<int>(threads, static_cast<int>(jobs.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return status;
}

}  // namespace

StatusOr<SeriesMode> ParseSeriesMode(const std::string& text) {
  if (text == "none") return SeriesMode::kNone;
  if (text == "first") return SeriesMode::kFirstSeed;
  if (text == "all") return SeriesMode::kAll;
  return InvalidArgumentError("--series '" + text + "': expected none, first or all");
}

const BoundRecord* EvalResults::Bound(int scenario, int workload, int seed_index) const {
  for (const auto& b : bounds) {
    if (b.scenario == scenario && b.workload == workload && b.seed_index == seed_index) return &b;
  }
  return nullptr;
}

StatusOr<EvalResults> RunEvaluation(const std::vector<const Scenario*>& scenarios,
                                    const std::vector<PolicyEntry>& policies, const EvalOptions& options) {
  if (options.seeds < 1) return InvalidArgumentError("--seeds must be >= 1, got " + std::to_string(options.seeds));
  if (options.vertical_bound && !options.lower_bound) {
    return InvalidArgumentError("the vertical lower bound needs the lower bound (EvalOptions::lower_bound)");
  }
  const auto wall0 = std::chrono::steady_clock::now();
  EvalResults res;
  res.scenarios = scenarios;
  res.policies = policies;
  res.split = options.split;
  res.seeds = options.seeds;
  const bool write_series = !options.out_dir.empty() && options.series != SeriesMode::kNone;

  // Lay out every record first; jobs then fill their own slot (no sharing between jobs).
  for (int s = 0; s < static_cast<int>(scenarios.size()); ++s) {
    const auto& workloads = scenarios[s]->workloads(options.split);
    for (int p = 0; p < static_cast<int>(policies.size()); ++p) {
      for (int w = 0; w < static_cast<int>(workloads.size()); ++w) {
        for (int i = 0; i < options.seeds; ++i) {
          RunRecord r;
          r.scenario = s;
          r.policy = p;
          r.workload = w;
          r.seed_index = i;
          r.seed = RunSeed(workloads[w], i);
          r.policy_spec = policies[p].SpecFor(scenarios[s]->name);
          if (write_series && (options.series == SeriesMode::kAll || i == 0)) {
            r.series_file = "runs/" + scenarios[s]->name + "/p" + std::to_string(p) + "-" + Slug(policies[p].label) +
                            "/" + SplitName(options.split) + "-w" + std::to_string(w) + "-s" + std::to_string(i) + ".csv";
          }
          res.runs.push_back(std::move(r));
        }
      }
    }
    if (options.lower_bound) {
      for (int w = 0; w < static_cast<int>(workloads.size()); ++w) {
        for (int i = 0; i < options.seeds; ++i) {
          BoundRecord b;
          b.scenario = s;
          b.workload = w;
          b.seed_index = i;
          b.seed = RunSeed(workloads[w], i);
          b.vertical_requested = options.vertical_bound;
          if (write_series && (options.series == SeriesMode::kAll || i == 0)) {
            b.series_file = "runs/" + scenarios[s]->name + "/bound/" + SplitName(options.split) + "-w" +
                            std::to_string(w) + "-s" + std::to_string(i) + ".csv";
          }
          res.bounds.push_back(std::move(b));
        }
      }
    }
  }

  std::vector<Job> jobs;
  for (auto& b : res.bounds) {
    const Scenario& sc = *scenarios[b.scenario];
    jobs.push_back({sc.duration_s, [&b, &sc, &options]() -> Status {
                      TimeSeries series;
                      auto lb = ComputeLowerBound(ScenarioEnvConfig(sc, sc.workloads(options.split)[b.workload]), b.seed,
                                                  b.series_file.empty() ? nullptr : &series);
                      // An unavailable bound is reported as n/a, not a failed evaluation.
                      if (!lb.ok()) {
                        b.status = lb.status();
                        b.series_file.clear();
                        return Status::Ok();
                      }
                      b.result = *lb;
                      if (b.series_file.empty()) return Status::Ok();
                      const std::string path = options.out_dir + "/" + b.series_file;
                      PP_RETURN_IF_ERROR(EnsureDirectory(path.substr(0, path.rfind('/'))));
                      return WriteFileAtomically(path, DownsampleSeries(series, options.series_step_s).ToCsv());
                    }});
  }
  for (auto& b : res.bounds) {
    if (!b.vertical_requested) continue;
    const Scenario& sc = *scenarios[b.scenario];
    // A job of its own (it writes only the vertical_* fields), so both bounds run in parallel.
    jobs.push_back({sc.duration_s, [&b, &sc, &options]() -> Status {
                      auto vb = ComputeVerticalLowerBound(ScenarioEnvConfig(sc, sc.workloads(options.split)[b.workload]),
                                                          b.seed);
                      if (vb.ok()) {
                        b.vertical = *vb;
                      } else {
                        b.vertical_status = vb.status();  // reported as n/a
                      }
                      return Status::Ok();
                    }});
  }
  for (auto& r : res.runs) {
    const Scenario& sc = *scenarios[r.scenario];
    jobs.push_back({sc.duration_s, [&r, &sc, &options]() -> Status {
                      const WorkloadRef& w = sc.workloads(options.split)[r.workload];
                      const std::string where = "run " + sc.name + " / " + r.policy_spec + " / " + w.Label() +
                                                " / seed " + std::to_string(r.seed_index);
                      auto policy = MakePolicy(r.policy_spec);
                      if (!policy.ok()) return policy.status().WithPrefix(where);
                      EnvConfig cfg = ScenarioEnvConfig(sc, w);
                      ApplyPolicyPreferences(**policy, &cfg);
                      auto env = Env::Create(cfg);
                      if (!env.ok()) return env.status().WithPrefix(where);
                      TimeSeries series;
                      r.summary = RunEpisode(**env, **policy, r.seed, r.series_file.empty() ? nullptr : &series);
                      if (r.series_file.empty()) return Status::Ok();
                      const std::string path = options.out_dir + "/" + r.series_file;
                      PP_RETURN_IF_ERROR(EnsureDirectory(path.substr(0, path.rfind('/'))));
                      return WriteFileAtomically(path, DownsampleSeries(series, options.series_step_s).ToCsv());
                    }});
  }
  const int threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<Status> status = RunJobs(jobs, threads, options.progress);
  for (const Status& st : status) PP_RETURN_IF_ERROR(st);
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return res;
}

}  // namespace podpilot
