// `podpilot train`: trains PPO or DQN on the TRAIN workloads of one or more scenarios of one
// application (all of an app's scenarios with `app`), optionally varied per episode (vary_*:
// workload/variation.h), and writes
//
//   DIR/train_config.json          the request (read back by --resume)
//   DIR/learning_curve.csv         one row per update (learning_curve.h); its last two columns are the
//                                  update's rollout SLO attainment and the SLO weight it ran with
//   DIR/checkpoint/                the latest checkpoint (checkpoint.h), every checkpoint_every updates
//   DIR/model-latest.safetensors   the policy at the latest checkpoint
//   DIR/model.safetensors          the final policy (model_file.h; run with learned:model=PATH)
//   DIR/eval/scorecard.{json,csv}  with eval_episodes > 0: the final policy (and the HPA at its
//                                  default 80 % target, for reference) on the EVAL workloads
//
// Every input is checked before anything is written: a bad suite, scenario, agent, mode or
// number is InvalidArgument naming it, and DIR is left untouched. A DIR that already holds a
// checkpoint is refused unless resuming.
//
// Resume (resume = true): continues the run in DIR from its checkpoint. The run's definition
// (agent, suite, scenarios, variation, seed, num_envs, mode, history, metrics lag, reward, SLO
// target, agent configs) is taken from
// DIR/train_config.json; the request's timesteps and eval_episodes apply. The learning curve is
// cut back to the checkpoint's update, so no row is duplicated or missing.
//
// Thread-safety: one call at a time per DIR; sets libtorch's global thread count and seed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "rl/dqn.h"
#include "rl/ppo.h"
#include "sim/env.h"

namespace podpilot::rl {

struct TrainRequest {
  std::string agent = "ppo";          // "ppo" | "dqn"
  std::string suite = "default";      // suite name or path (eval/suite.h)
  std::string scenario;               // a name or a comma-separated list; empty: the suite's first
                                      // scenario, or all of `app`'s
  std::string app;                    // with scenario empty: every scenario of this application
  // Per-episode variation added to every TRAIN workload (workload/variation.h); 1 / "" / 0 = off.
  // vary_offset and vary_tempo are added to shapes only (a trace's days are not interchangeable).
  double vary_scale = 1;
  std::string vary_offset;
  double vary_noise = 0;
  double vary_tempo = 1;              // shapes only, like vary_offset
  int64_t timesteps = 100000;         // total env steps (a resumed run trains up to this)
  uint64_t seed = 1;
  std::string out_dir;                // required
  bool resume = false;
  int num_envs = 8;
  std::string mode = "delta";         // "delta" | "setpoint"
  // Setpoint mode's choices (CPU targets, e.g. {0.3, 0.5, 0.6, 0.7, 0.9}); empty: TrainEnvOptions'
  // default {0.3, 0.5, 0.7, 0.9}. The model file records them (policy/learned/actions.h).
  std::vector<double> setpoints;
  // Setpoint mode: the HPA's scale-down stabilisation on the rule's output, in seconds (0 = off;
  // the HPA's default is 300). The model file records it in its action layout.
  double scale_down_window_s = 0;
  int history = 0;
  // PPO only: start every head preferring this action (a setpoint such as 0.5 in setpoint mode,
  // a replica delta in delta mode) with probability init_action_prob (PpoConfig::initial_choice).
  // Decided when a run starts (kept in train_config.json as the ppo config's initial_choice).
  std::optional<double> init_action;
  double init_action_prob = 0.9;
  int peak_window = 0;                // recent-peak features over this many intervals (features.h)
  // Delay before metric samples are visible to the agent (SimConfig::metrics_lag_s), for every
  // scenario; "" = each scenario's own (suite.h metrics_lag). Kept in train_config.json.
  std::string metrics_lag;
  int eval_episodes = 0;
  int env_threads = 0;                // per VecEnv; 0 = hardware concurrency
  int torch_threads = 1;
  int checkpoint_every = 10;          // updates
  RewardWeights reward;
  // With slo_target > 0, reward.slo only starts a Lagrangian multiplier that moves after every
  // update toward the rollouts' attainment meeting the target (rl/slo_constraint.h).
  double slo_target = 0;
  double slo_target_rate = 0.05;
  // "run": one multiplier for the run's pooled attainment; "workload": one per TRAIN workload,
  // each moved by that workload's attainment (a hard day then does not raise the price of SLO
  // on every other day).
  std::string slo_target_scope = "run";
  PpoConfig ppo;                      // total_timesteps, seed and torch_threads are overwritten
  DqnConfig dqn;                      // likewise
  // Progress: a one-line bar redrawn in place (a terminal) or one plain line per update.
  bool progress_bar = false;
  // Test hook: called after each update (after its row and any checkpoint); returning false
  // stops at once, as if the process died there (no final checkpoint or model).
  std::function<bool(const UpdateStats&)> on_update;
};

Status RunTrainCommand(const TrainRequest& request, std::FILE* out, std::FILE* err);

}  // namespace podpilot::rl
