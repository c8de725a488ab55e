// `podpilot train`: trains a PPO or DQN policy with libtorch on a scenario's TRAIN workloads and
// exports it as a model file for `learned:model=PATH`; see rl/train_driver.h. Without libtorch
// (PODPILOT_BUILD_RL=OFF) the command exists and says so.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#ifdef PODPILOT_HAVE_RL
#include "rl/train_driver.h"
#endif

namespace podpilot::cli {
namespace {

#ifdef PODPILOT_HAVE_RL
struct TrainCliOptions {
  rl::TrainRequest request;
  std::string resume;
};

void RunTrain(TrainCliOptions& o) {
  rl::TrainRequest req = o.request;
  if (!o.resume.empty()) {
    if (!req.out_dir.empty() && req.out_dir != o.resume) {
      throw UsageError("train: --resume " + o.resume + " continues the run in that directory; --out " + req.out_dir +
                       " must be omitted or the same");
    }
    req.out_dir = o.resume;
    req.resume = true;
  } else if (req.out_dir.empty()) {
    throw UsageError("train: --out DIR is required (or --resume DIR)");
  }
  req.progress_bar = isatty(fileno(stderr)) != 0;
  Status st = rl::RunTrainCommand(req, stdout, stderr);
  if (!st.ok()) {
    if (st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kNotFound) throw UsageError(st.message());
    throw std::runtime_error(st.message());
  }
}
#endif

}  // namespace

void RegisterTrain(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "train", "Train a PPO or DQN autoscaling policy (libtorch) on a scenario's TRAIN workloads; writes a model "
               "file for --policy learned:model=PATH");
#ifdef PODPILOT_HAVE_RL
  auto o = std::make_shared<TrainCliOptions>();
  rl::TrainRequest& r = o->request;
  sub->add_option("--agent", r.agent, "ppo or dqn")->capture_default_str();
  sub->add_option("--suite", r.suite, "Suite: a bundled name (default) or a YAML path")->capture_default_str();
  sub->add_option("--scenario", r.scenario,
                  "Scenario(s) of the suite, comma-separated, all of one app (default: the suite's first)");
  sub->add_option("--app", r.app, "Train on every scenario of this application (instead of --scenario)");
  // Domain randomisation (workload/variation.h): each episode sees another level, phase and noise
  // path around the TRAIN workloads, so the policy meets more than the one day each workload is.
  sub->add_option("--vary-scale", r.vary_scale,
                  "Per episode, multiply the load by a factor log-uniform in [1/F, F] (1 = off)")
      ->capture_default_str();
  sub->add_option("--vary-offset", r.vary_offset,
                  "Per episode, start shapes a further U[0, DUR) into themselves, e.g. 7d (traces: never)");
  sub->add_option("--vary-noise", r.vary_noise,
                  "Per episode, slow log-normal load swings of this standard deviation (0 = off)")
      ->capture_default_str();
  sub->add_option("--vary-tempo", r.vary_tempo,
                  "Per episode, play shapes faster or slower by a factor log-uniform in [1/F, F] (1 = off; traces: never)")
      ->capture_default_str();
  sub->add_option("--timesteps", r.timesteps, "Environment steps to train for (all envs together)")->capture_default_str();
  sub->add_option("--seed", r.seed, "Seed of the networks, the sampling and the episodes")->capture_default_str();
  sub->add_option("--out", r.out_dir, "Run directory: learning_curve.csv, checkpoint/, model.safetensors");
  sub->add_option("--resume", o->resume, "Continue the run in this directory from its last checkpoint");
  sub->add_option("--num-envs", r.num_envs, "Parallel environments (workloads are spread over them)")
      ->capture_default_str();
  sub->add_option("--mode", r.mode, "Action space: delta (replicas -1/0/+1 per service) or setpoint (CPU target)")
      ->capture_default_str();
  sub->add_option("--setpoints", r.setpoints,
                  "Setpoint mode's CPU targets, comma-separated (default 0.3,0.5,0.7,0.9)")
      ->delimiter(',');
  sub->add_option("--scale-down-window", r.scale_down_window_s,
                  "Setpoint mode: keep the highest replica count of this many seconds before scaling down, as the "
                  "HPA's stabilization window (300 = its default; 0 = off)")
      ->capture_default_str();
  sub->add_option("--history", r.history, "Past observations in the features (features.h)")->capture_default_str();
  sub->add_option("--peak-window", r.peak_window,
                  "Recent-peak features over this many control intervals, e.g. 240 = 1 h at 15 s (0 = none)")
      ->capture_default_str();
  sub->add_option("--metrics-lag", r.metrics_lag,
                  "Delay before metric samples (not replica counts or OOM kills) are visible to the agent, whole seconds, e.g. 15s for a Prometheus scrape "
                  "(default: each scenario's metrics_lag, else 0s)");
  sub->add_option("--init-action", r.init_action,
                  "PPO: start every service's policy preferring this action (setpoint mode: a CPU target such as "
                  "0.5, the HPA's; delta mode: a replica change)");
  sub->add_option("--init-action-prob", r.init_action_prob, "Initial probability of --init-action per service")
      ->capture_default_str();
  // reward = -cost_weight * $/h - slo_weight * (1 - SLO attainment) - churn_weight * |replica changes|
  // per step (sim/env.h); kept in the run directory, so --resume continues with the same ones.
  sub->add_option("--cost-weight", r.reward.cost, "Reward weight of the cost rate ($/h)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--slo-weight", r.reward.slo, "Reward weight of the SLO shortfall (1 - attainment) per step")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--churn-weight", r.reward.churn, "Reward weight of replica changes per step")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--slo-target", r.slo_target,
                  "Train to meet this SLO attainment (e.g. 0.995): --slo-weight becomes a Lagrangian multiplier "
                  "adjusted after every update (0 = off, fixed weight)")
      ->capture_default_str();
  sub->add_option("--slo-target-rate", r.slo_target_rate,
                  "Largest log-change of that multiplier per update")
      ->capture_default_str();
  sub->add_option("--slo-target-scope", r.slo_target_scope,
                  "run: one multiplier for all train workloads' requests; workload: one per train workload")
      ->capture_default_str();
  // DQN's optional extensions (rl/dqn.h); kept in train_config.json like the rest of its config.
  sub->add_option("--dqn-n-step", r.dqn.n_step, "DQN: n-step returns (1 = one-step TD targets)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  sub->add_flag("--dqn-dueling", r.dqn.dueling, "DQN: dueling heads (a shared state value plus per-head advantages)");
  sub->add_option("--eval-episodes", r.eval_episodes,
                  "After training, run the policy on the scenario's EVAL workloads for this many episodes")
      ->capture_default_str();
  sub->add_option("--threads", r.env_threads, "Environment threads (0 = all cores)")->capture_default_str();
  sub->add_option("--torch-threads", r.torch_threads, "libtorch intra-op threads (0 = libtorch's default)")
      ->capture_default_str();
  sub->add_option("--checkpoint-every", r.checkpoint_every, "Updates between checkpoints")->capture_default_str();
  sub->callback([o] { RunTrain(*o); });
#else
  sub->allow_extras();
  sub->callback([] {
    throw std::runtime_error("train: this podpilot was built without libtorch (PODPILOT_BUILD_RL=OFF; install "
                             "libtorch-dev and reconfigure)");
  });
#endif
}

}  // namespace podpilot::cli
