// `podpilot train`: trains PPO or DQN on one scenario's TRAIN workloads and writes
//
//   DIR/train_config.json          the request (read back by --resume)
//   DIR/learning_curve.csv         one row per update (learning_curve.h)
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
// (agent, suite, scenario, seed, num_envs, mode, history, agent configs) is taken from
// DIR/train_config.json; the request's timesteps and eval_episodes apply. The learning curve is
// cut back to the checkpoint's update, so no row is duplicated or missing.
//
// Thread-safety: one call at a time per DIR; sets libtorch's global thread count and seed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "common/status.h"
#include "rl/dqn.h"
#include "rl/ppo.h"
#include "sim/env.h"

namespace podpilot::rl {

struct TrainRequest {
  std::string agent = "ppo";          // "ppo" | "dqn"
  std::string suite = "default";      // suite name or path (eval/suite.h)
  std::string scenario;               // empty: the suite's first scenario
  int64_t timesteps = 100000;         // total env steps (a resumed run trains up to this)
  uint64_t seed = 1;
  std::string out_dir;                // required
  bool resume = false;
  int num_envs = 8;
  std::string mode = "delta";         // "delta" | "setpoint"
  int history = 0;
  int eval_episodes = 0;
  int env_threads = 0;                // per VecEnv; 0 = hardware concurrency
  int torch_threads = 1;
  int checkpoint_every = 10;          // updates
  RewardWeights reward;
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
