#include "rl/train_driver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/rng.h"
#include "eval/eval_runner.h"
#include "eval/policy_set.h"
#include "eval/scorecard.h"
#include "eval/suite.h"
#include "policy/learned/model_file.h"
#include "rl/learning_curve.h"
#include "rl/slo_constraint.h"
#include "workload/workload.h"

namespace podpilot {
// File-local JSON forms (train_config.json) of the configs; defaults fill absent keys.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RewardWeights, cost, slo, churn)
}  // namespace podpilot

namespace podpilot::rl {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PpoConfig, n_steps, epochs, minibatch_size, learning_rate, linear_lr,
                                                gamma, gae_lambda, clip_range, clip_range_vf, ent_coef, vf_coef,
                                                max_grad_norm, hidden, normalize_obs, normalize_reward, initial_choice,
                                                initial_choice_prob)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DqnConfig, buffer_size, learning_starts, batch_size, learning_rate,
                                                gamma, n_step, target_update_interval, tau, train_freq, gradient_steps,
                                                exploration_initial, exploration_final, exploration_fraction,
                                                max_grad_norm, reward_scale, double_dqn, dueling, hidden, normalize_obs,
                                                steps_per_update)
namespace {
namespace fs = std::filesystem;

constexpr size_t kEpisodeWindow = 100;  // as Stable-Baselines3's ep_rew_mean

nlohmann::json RunDefinition(const TrainRequest& r) {
  return {{"agent", r.agent},
          {"suite", r.suite},
          {"scenario", r.scenario},
          {"vary", {{"scale", r.vary_scale}, {"offset", r.vary_offset}, {"noise", r.vary_noise}, {"tempo", r.vary_tempo}}},
          {"seed", r.seed},
          {"num_envs", r.num_envs},
          {"mode", r.mode},
          {"setpoints", r.setpoints},
          {"scale_down_window_s", r.scale_down_window_s},
          {"history", r.history},
          {"peak_window", r.peak_window},
          {"metrics_lag", r.metrics_lag},
          {"reward", r.reward},
          {"slo_target", {{"target", r.slo_target}, {"rate", r.slo_target_rate}, {"scope", r.slo_target_scope}}},
          {"ppo", r.ppo},
          {"dqn", r.dqn},
          {"checkpoint_every", r.checkpoint_every}};
}

Status ApplyRunDefinition(const std::string& path, TrainRequest* r) {
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  try {
    const auto j = nlohmann::json::parse(text);
    r->agent = j.at("agent").get<std::string>();
    r->suite = j.at("suite").get<std::string>();
    r->scenario = j.at("scenario").get<std::string>();
    r->app.clear();  // the scenario list was resolved when the run started
    if (j.contains("vary")) {  // absent in runs started before variation existed
      r->vary_scale = j["vary"].at("scale").get<double>();
      r->vary_offset = j["vary"].at("offset").get<std::string>();
      r->vary_noise = j["vary"].at("noise").get<double>();
      r->vary_tempo = j["vary"].value("tempo", 1.0);  // absent before vary_tempo existed
    }
    r->seed = j.at("seed").get<uint64_t>();
    r->num_envs = j.at("num_envs").get<int>();
    r->mode = j.at("mode").get<std::string>();
    r->setpoints = j.value("setpoints", std::vector<double>{});  // absent before --setpoints
    r->scale_down_window_s = j.value("scale_down_window_s", 0.0);  // absent before --scale-down-window
    r->history = j.at("history").get<int>();
    r->peak_window = j.value("peak_window", 0);  // absent before the recent-peak features
    r->metrics_lag = j.value("metrics_lag", std::string());  // absent before --metrics-lag
    r->reward = j.at("reward").get<RewardWeights>();
    if (j.contains("slo_target")) {  // absent in runs started before the constraint existed
      r->slo_target = j["slo_target"].at("target").get<double>();
      r->slo_target_rate = j["slo_target"].at("rate").get<double>();
      r->slo_target_scope = j["slo_target"].value("scope", "run");  // absent before per-workload targets
    }
    r->ppo = j.at("ppo").get<PpoConfig>();
    r->dqn = j.at("dqn").get<DqnConfig>();
    r->checkpoint_every = j.at("checkpoint_every").get<int>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  }
  return Status::Ok();
}

std::string Num(double v, int digits = 6) {
  if (!std::isfinite(v)) return "";
  return fmt::format("{:.{}g}", v, digits);
}

// Turns --init-action VALUE (in the action's units) into the PPO config's initial choice.
Status ResolveInitialAction(const TrainEnvOptions& eo, TrainRequest* r) {
  const double v = *r->init_action;
  if (r->agent != "ppo") return InvalidArgumentError("train: --init-action applies to --agent ppo, not " + r->agent);
  if (!(r->init_action_prob > 0 && r->init_action_prob < 1)) {
    return InvalidArgumentError(fmt::format("train: --init-action-prob {}: must be in (0, 1)", r->init_action_prob));
  }
  std::vector<double> values;
  if (eo.mode == learned::ActionMode::kSetpoint) {
    values = eo.setpoints;
  } else {
    for (int d : eo.deltas) values.push_back(d);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::abs(values[i] - v) < 1e-9) {
      r->ppo.initial_choice = static_cast<int>(i);
      r->ppo.initial_choice_prob = r->init_action_prob;
      return Status::Ok();
    }
  }
  return InvalidArgumentError(fmt::format("train: --init-action {}: not one of the {} mode's actions ({})", v, r->mode,
                                          fmt::join(values, ", ")));
}

struct EpisodeWindow {
  std::deque<EpisodeStats> last;
  int64_t total = 0;
  void Add(const std::vector<EpisodeStats>& eps) {
    for (const auto& e : eps) {
      last.push_back(e);
      if (last.size() > kEpisodeWindow) last.pop_front();
      ++total;
    }
  }
  double Mean(double EpisodeStats::*field) const {
    if (last.empty()) return NAN;
    double s = 0;
    for (const auto& e : last) s += e.*field;
    return s / last.size();
  }
  nlohmann::json ToJson() const {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : last) a.push_back({e.ret, e.cost, e.slo_attainment, e.steps, e.workload});
    return {{"total", total}, {"last", a}};
  }
  void FromJson(const nlohmann::json& j) {
    total = j.at("total").get<int64_t>();
    last.clear();
    for (const auto& e : j.at("last")) {
      last.push_back({e[0].get<double>(), e[1].get<double>(), e[2].get<double>(), e[3].get<int64_t>(), e[4].get<int>()});
    }
  }
};

// The scenarios a run trains on: --scenario's list, every scenario of --app, or the suite's
// first. Writes the resolved list back into r->scenario (train_config.json keeps it, so a resumed
// run and the exported model name the same scenarios). One application only: a model's features
// and heads are per service of one app.
StatusOr<std::vector<const Scenario*>> SelectTrainScenarios(const Suite& suite, TrainRequest* r) {
  if (!r->scenario.empty() && !r->app.empty()) {
    return InvalidArgumentError("train: give --scenario or --app, not both (--scenario " + r->scenario + ", --app " +
                                r->app + ")");
  }
  std::vector<std::string> names;
  if (!r->app.empty()) {
    std::vector<std::string> apps;
    for (const auto& s : suite.scenarios) {
      if (s.app == r->app) names.push_back(s.name);
      if (std::find(apps.begin(), apps.end(), s.app) == apps.end()) apps.push_back(s.app);
    }
    if (names.empty()) {
      return InvalidArgumentError(fmt::format("train: --app {}: no scenario of suite {} runs it (its apps: {})", r->app,
                                              suite.name, fmt::join(apps, ", ")));
    }
  } else if (r->scenario.empty()) {
    if (suite.scenarios.empty()) return InvalidArgumentError("train: suite " + suite.path + " has no scenario");
    names.push_back(suite.scenarios.front().name);
  } else {
    names = SplitList(r->scenario, ',');
  }
  auto selected = SelectScenarios(suite, names);
  if (!selected.ok()) return InvalidArgumentError("train: --scenario: " + selected.status().message());
  for (const Scenario* s : *selected) {
    if (s->app != selected->front()->app) {
      return InvalidArgumentError("train: scenarios " + selected->front()->name + " (app " + selected->front()->app +
                                  ") and " + s->name + " (app " + s->app +
                                  ") run different applications; a model serves one (its features are per service)");
    }
  }
  r->scenario.clear();
  for (const Scenario* s : *selected) r->scenario += (r->scenario.empty() ? "" : ",") + s->name;
  r->app.clear();
  return *selected;
}

// The vary_* items (workload/variation.h) every TRAIN workload gets, in the order scale, noise,
// offset; empty when variation is off. Each flag is checked by the workload module itself (the one
// place that knows the ranges) and refused naming the flag.
StatusOr<std::vector<std::string>> VariationItems(const TrainRequest& r) {
  std::vector<std::string> items;
  auto add = [&](const std::string& flag, const std::string& key, const std::string& value) -> Status {
    const std::string item = key + "=" + value;
    auto probe = MakeWorkload("constant:" + item, 1, 0);
    if (!probe.ok()) return InvalidArgumentError("train: " + flag + " " + value + ": " + probe.status().message());
    items.push_back(item);
    return Status::Ok();
  };
  if (r.vary_scale != 1) PP_RETURN_IF_ERROR(add("--vary-scale", "vary_scale", fmt::format("{:g}", r.vary_scale)));
  if (r.vary_noise != 0) PP_RETURN_IF_ERROR(add("--vary-noise", "vary_noise", fmt::format("{:g}", r.vary_noise)));
  if (!r.vary_offset.empty()) PP_RETURN_IF_ERROR(add("--vary-offset", "vary_offset", r.vary_offset));
  if (r.vary_tempo != 1) PP_RETURN_IF_ERROR(add("--vary-tempo", "vary_tempo", fmt::format("{:g}", r.vary_tempo)));
  return items;
}

// Whether a "key=value" variation item applies to shapes only (workload/variation.h).
bool IsShapeOnlyItem(const std::string& item) { return IsShapeOnlyOption(item.substr(0, item.find('='))); }

// `workload` with the variation items appended; vary_offset and vary_tempo are left off traces
// (their days are not interchangeable, they are never played past their end, and the workload
// module refuses both there).
std::string WithVariation(const std::string& workload, const std::vector<std::string>& items) {
  auto spec = ParseWorkloadSpec(workload);  // the suite loader has already accepted it
  const bool trace = spec.ok() && spec->kind == "trace";
  std::string out = workload;
  char sep = workload.find(':') == std::string::npos ? ':' : ',';
  for (const auto& item : items) {
    if (trace && IsShapeOnlyItem(item)) continue;
    out += sep + item;
    sep = ',';
  }
  return out;
}

StatusOr<std::unique_ptr<Trainer>> MakeTrainer(const TrainRequest& r, std::unique_ptr<TrainEnvs> envs) {
  if (r.agent == "ppo") {
    PpoConfig c = r.ppo;
    c.total_timesteps = r.timesteps;
    c.seed = r.seed;
    c.torch_threads = r.torch_threads;
    PP_ASSIGN_OR_RETURN(auto t, PpoTrainer::Create(std::move(envs), c));
    return std::unique_ptr<Trainer>(std::move(t));
  }
  DqnConfig c = r.dqn;
  c.total_timesteps = r.timesteps;
  c.seed = r.seed;
  c.torch_threads = r.torch_threads;
  PP_ASSIGN_OR_RETURN(auto t, DqnTrainer::Create(std::move(envs), c));
  return std::unique_ptr<Trainer>(std::move(t));
}

Status RunFinalEval(const TrainRequest& r, const Suite& suite, const std::vector<const Scenario*>& scenarios,
                    const std::string& model_path, std::FILE* out, std::FILE* err) {
  int w = 0;
  for (const Scenario* s : scenarios) w += static_cast<int>(s->eval.size());
  EvalOptions opt;
  opt.split = Split::kEval;
  opt.seeds = (r.eval_episodes + w - 1) / w;
  opt.threads = r.env_threads;
  opt.lower_bound = false;
  opt.series = SeriesMode::kNone;
  opt.out_dir = (fs::path(r.out_dir) / "eval").string();
  PP_ASSIGN_OR_RETURN(auto policies, ResolvePolicies({"learned:model=" + model_path, "hpa:cpu=80"}, scenarios));
  std::fprintf(err, "evaluating on %d eval workload(s) x %d seed(s) ...\n", w, opt.seeds);
  PP_ASSIGN_OR_RETURN(auto results, RunEvaluation(scenarios, policies, opt));
  const auto rows = BuildScorecard(results);
  std::fputs(FormatScorecardTable(suite, results, rows).c_str(), out);
  return WriteScorecard(opt.out_dir, suite, results, rows);
}

}  // namespace

Status RunTrainCommand(const TrainRequest& request, std::FILE* out, std::FILE* err) {
  TrainRequest r = request;
  if (r.out_dir.empty()) return InvalidArgumentError("train: --out is required");
  const std::string config_path = (fs::path(r.out_dir) / "train_config.json").string();
  const std::string ckpt_dir = (fs::path(r.out_dir) / "checkpoint").string();
  if (r.resume) {
    if (!HasCheckpoint(ckpt_dir)) {
      return InvalidArgumentError("train: --resume " + r.out_dir + ": no checkpoint (" + ckpt_dir + "/MANIFEST.json)");
    }
    PP_RETURN_IF_ERROR(ApplyRunDefinition(config_path, &r));
  } else if (HasCheckpoint(ckpt_dir)) {
    return InvalidArgumentError("train: --out " + r.out_dir + " already holds a run; use --resume " + r.out_dir +
                                " to continue it, or another directory");
  }
  // Validate everything before writing.
  if (r.agent != "ppo" && r.agent != "dqn") return InvalidArgumentError("train: --agent '" + r.agent + "': expected ppo or dqn");
  if (r.agent != "dqn" && (r.dqn.n_step != 1 || r.dqn.dueling)) {
    return InvalidArgumentError("train: --dqn-n-step and --dqn-dueling apply to --agent dqn, not " + r.agent);
  }
  if (r.timesteps < 1) return InvalidArgumentError("train: --timesteps " + std::to_string(r.timesteps) + ": must be >= 1");
  if (r.num_envs < 1 || r.num_envs > 4096) return InvalidArgumentError("train: --num-envs " + std::to_string(r.num_envs) + ": outside [1, 4096]");
  if (r.eval_episodes < 0) return InvalidArgumentError("train: --eval-episodes " + std::to_string(r.eval_episodes) + ": must be >= 0");
  if (r.checkpoint_every < 1) return InvalidArgumentError("train: checkpoint interval " + std::to_string(r.checkpoint_every) + ": must be >= 1");
  if (r.torch_threads < 0) return InvalidArgumentError("train: --torch-threads " + std::to_string(r.torch_threads) + ": must be >= 0");
  if (r.history < 0 || r.history > learned::kMaxFeatureHistory) {
    return InvalidArgumentError(fmt::format("train: --history {}: outside [0, {}]", r.history, learned::kMaxFeatureHistory));
  }
  if (r.peak_window < 0 || r.peak_window > learned::kMaxFeaturePeakWindow) {
    return InvalidArgumentError(
        fmt::format("train: --peak-window {}: outside [0, {}]", r.peak_window, learned::kMaxFeaturePeakWindow));
  }
  TrainEnvOptions eo;
  if (r.mode == "delta") {
    eo.mode = learned::ActionMode::kDelta;
  } else if (r.mode == "setpoint") {
    eo.mode = learned::ActionMode::kSetpoint;
    if (!r.setpoints.empty()) {
      PP_RETURN_IF_ERROR(learned::MakeSetpointActions(1, r.setpoints, eo.tolerance).status().WithPrefix("train: --setpoints"));
      eo.setpoints = r.setpoints;
    }
    PP_RETURN_IF_ERROR(learned::MakeSetpointActions(1, eo.setpoints, eo.tolerance, r.scale_down_window_s)
                           .status()
                           .WithPrefix("train: --scale-down-window"));
    eo.scale_down_window_s = r.scale_down_window_s;
  } else {
    return InvalidArgumentError("train: --mode '" + r.mode + "': expected delta or setpoint");
  }
  if (eo.mode != learned::ActionMode::kSetpoint && !r.setpoints.empty()) {
    return InvalidArgumentError("train: --setpoints applies to --mode setpoint, not " + r.mode);
  }
  if (eo.mode != learned::ActionMode::kSetpoint && r.scale_down_window_s != 0) {
    return InvalidArgumentError("train: --scale-down-window applies to --mode setpoint, not " + r.mode);
  }
  if (r.init_action.has_value() && !r.resume) PP_RETURN_IF_ERROR(ResolveInitialAction(eo, &r));
  PP_RETURN_IF_ERROR(r.agent == "ppo" ? ValidatePpoConfig([&] { auto c = r.ppo; c.total_timesteps = r.timesteps; return c; }())
                                      : ValidateDqnConfig([&] { auto c = r.dqn; c.total_timesteps = r.timesteps; return c; }()));
  PP_ASSIGN_OR_RETURN(Suite suite, LoadSuite(r.suite));
  PP_RETURN_IF_ERROR(OverrideMetricsLag(&suite, r.metrics_lag, "train: --metrics-lag"));
  PP_ASSIGN_OR_RETURN(const std::vector<const Scenario*> scenarios, SelectTrainScenarios(suite, &r));
  PP_ASSIGN_OR_RETURN(const std::vector<std::string> variation, VariationItems(r));
  r.suite = suite.path.empty() ? r.suite : fs::absolute(suite.path).string();
  eo.num_envs = r.num_envs;
  eo.threads = r.env_threads;
  eo.features.history = r.history;
  eo.features.peak_window = r.peak_window;
  for (const Scenario* scenario : scenarios) {
    for (const auto& w : scenario->train) {
      EnvConfig c = ScenarioEnvConfig(*scenario, w);
      c.reward = r.reward;
      c.workload = WithVariation(c.workload, variation);
      eo.configs.push_back(c);
    }
  }
  if (r.num_envs < static_cast<int>(eo.configs.size())) {
    return InvalidArgumentError(fmt::format("train: --num-envs {} is fewer than the {} train workloads of {}",
                                            r.num_envs, eo.configs.size(), r.scenario));
  }
  PP_ASSIGN_OR_RETURN(SloConstraints slo_constraints,
                      SloConstraints::Create({.target = r.slo_target, .rate = r.slo_target_rate}, r.slo_target_scope,
                                             r.reward.slo, static_cast<int>(eo.configs.size())));
  PP_ASSIGN_OR_RETURN(auto envs, TrainEnvs::Create(eo, Rng::Derive(r.seed, 0xE7)));
  PP_ASSIGN_OR_RETURN(auto trainer, MakeTrainer(r, std::move(envs)));
  // The model records the lag it was trained at when every training scenario had the same one.
  double trained_lag = scenarios.front()->metrics_lag_s;
  for (const Scenario* s : scenarios) trained_lag = s->metrics_lag_s == trained_lag ? trained_lag : -1;
  auto export_model = [&]() -> StatusOr<learned::LearnedModel> {
    PP_ASSIGN_OR_RETURN(learned::LearnedModel model, trainer->Export(r.scenario));
    model.provenance.metrics_lag_s = trained_lag;
    return model;
  };

  // Inputs are good: from here on DIR is written.
  PP_RETURN_IF_ERROR(EnsureDirectory(r.out_dir));
  const std::string curve_path = (fs::path(r.out_dir) / "learning_curve.csv").string();
  EpisodeWindow window;
  double wall_offset = 0;
  std::unique_ptr<LearningCurve> curve;
  std::vector<std::string> curve_metrics = trainer->MetricNames();
  for (const auto& name : slo_constraints.ColumnNames()) curve_metrics.push_back(name);
  if (r.resume) {
    PP_ASSIGN_OR_RETURN(auto ckpt, ReadCheckpoint(ckpt_dir));
    PP_RETURN_IF_ERROR(trainer->Restore(ckpt));
    try {
      window.FromJson(ckpt.state.at("driver").at("episodes"));
      wall_offset = ckpt.state.at("driver").at("wall_s").get<double>();
      slo_constraints.Restore(ckpt.state.at("driver"), r.reward.slo);
      slo_constraints.Apply(&trainer->envs());
    } catch (const nlohmann::json::exception& e) {
      return DataLossError(ckpt_dir + ": driver state: " + e.what());
    }
    PP_ASSIGN_OR_RETURN(curve, LearningCurve::OpenForResume(curve_path, curve_metrics, ckpt.update));
    std::fprintf(err, "resuming %s at update %lld, step %lld\n", r.agent.c_str(), static_cast<long long>(ckpt.update),
                 static_cast<long long>(trainer->global_step()));
  } else {
    PP_RETURN_IF_ERROR(WriteFileAtomically(config_path, RunDefinition(r).dump(2) + "\n"));
    PP_ASSIGN_OR_RETURN(curve, LearningCurve::Create(curve_path, curve_metrics));
  }
  std::fprintf(err, "training %s on %s/%s (%zu train workload(s)%s, %d envs, %d features, %d heads x %d choices)\n",
               r.agent.c_str(), suite.name.c_str(), r.scenario.c_str(), eo.configs.size(),
               variation.empty() ? ""
                                 : (", varied per episode: " + fmt::format("{}", fmt::join(variation, ",")) +
                                    (std::any_of(variation.begin(), variation.end(), IsShapeOnlyItem)
                                         ? " (shapes)"
                                         : ""))
                                       .c_str(),
               r.num_envs,
               trainer->envs().obs_size(), trainer->envs().num_heads(), trainer->envs().action_layout().choices());

  const auto start = std::chrono::steady_clock::now();
  auto wall = [&] { return wall_offset + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  auto checkpoint = [&]() -> Status {
    PP_ASSIGN_OR_RETURN(CheckpointData d, trainer->Save());
    d.state["driver"] = {{"episodes", window.ToJson()}, {"wall_s", wall()}};
    slo_constraints.Save(&d.state["driver"]);
    PP_RETURN_IF_ERROR(WriteCheckpoint(ckpt_dir, d));
    PP_ASSIGN_OR_RETURN(auto model, export_model());
    return learned::WriteModel((fs::path(r.out_dir) / "model-latest.safetensors").string(), model);
  };
  bool stopped = false;
  while (trainer->global_step() < r.timesteps) {
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t step0 = trainer->global_step();
    PP_ASSIGN_OR_RETURN(UpdateStats s, trainer->Update());
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double sps = dt > 0 ? (s.global_step - step0) / dt : 0;
    window.Add(trainer->envs().TakeFinishedEpisodes());
    const double ret = window.Mean(&EpisodeStats::ret), slo = window.Mean(&EpisodeStats::slo_attainment),
                 cost = window.Mean(&EpisodeStats::cost);
    std::vector<std::string> row = {std::to_string(s.update), std::to_string(s.global_step), Num(wall(), 4), Num(sps, 5),
                                    std::to_string(window.total), Num(ret), Num(slo), Num(cost), Num(s.mean_step_reward)};
    for (const auto& [name, v] : s.metrics) row.push_back(Num(v));
    // The rollout just learned from ran with the current weight; the next one runs with the new.
    const TrainEnvs::RolloutTotals rollout = trainer->envs().TakeRequestTotals();
    for (double v : slo_constraints.Columns(rollout)) row.push_back(Num(v));
    slo_constraints.Update(rollout);
    slo_constraints.Apply(&trainer->envs());
    PP_RETURN_IF_ERROR(curve->Append(row));
    std::string ep = window.last.empty() ? std::string("return n/a")
                                         : fmt::format("return {:.1f} slo {:.4f} cost ${:.3f}", ret, slo, cost);
    if (slo_constraints.enabled()) ep += " [" + slo_constraints.Summary(rollout) + "]";
    if (r.progress_bar) {
      const double frac = std::min(1.0, static_cast<double>(s.global_step) / r.timesteps);
      const int filled = static_cast<int>(frac * 20);
      std::fprintf(err, "\r[%s%s] %3.0f%% %lld/%lld %.0f steps/s %s (%lld episodes)\033[K",
                   std::string(filled, '#').c_str(), std::string(20 - filled, '.').c_str(), 100 * frac,
                   static_cast<long long>(s.global_step), static_cast<long long>(r.timesteps), sps, ep.c_str(),
                   static_cast<long long>(window.total));
    } else {
      std::fprintf(err, "update %lld step %lld/%lld %.0f steps/s reward/step %.4f %s (%lld episodes)\n",
                   static_cast<long long>(s.update), static_cast<long long>(s.global_step),
                   static_cast<long long>(r.timesteps), sps, s.mean_step_reward, ep.c_str(),
                   static_cast<long long>(window.total));
    }
    std::fflush(err);
    if (s.update % r.checkpoint_every == 0) PP_RETURN_IF_ERROR(checkpoint());
    if (r.on_update && !r.on_update(s)) {
      stopped = true;
      break;
    }
  }
  if (r.progress_bar) std::fputc('\n', err);
  if (stopped) return Status::Ok();
  PP_RETURN_IF_ERROR(checkpoint());
  PP_ASSIGN_OR_RETURN(auto model, export_model());
  const std::string model_path = (fs::path(r.out_dir) / "model.safetensors").string();
  PP_RETURN_IF_ERROR(learned::WriteModel(model_path, model));
  std::fprintf(out, "trained %s for %lld steps in %.1f s; model: %s\n", r.agent.c_str(),
               static_cast<long long>(trainer->global_step()), wall(), model_path.c_str());
  if (r.eval_episodes > 0) PP_RETURN_IF_ERROR(RunFinalEval(r, suite, scenarios, model_path, out, err));
  return Status::Ok();
}

}  // namespace podpilot::rl
