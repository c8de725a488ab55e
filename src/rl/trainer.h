// The interface the training driver (train_driver.h) runs PPO and DQN through.
//
// A trainer owns its TrainEnvs. One Update() is the trainer's unit of work (PPO: one rollout and
// its optimisation epochs; DQN: a fixed number of vector steps with their gradient steps); the
// driver logs and checkpoints between updates, so a checkpoint always sits on an update boundary.
//
// Thread-safety: not thread-safe; libtorch uses its own intra-op threads (nets.h SetTorchThreads).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "policy/learned/model_file.h"
#include "rl/checkpoint.h"
#include "rl/train_env.h"

namespace podpilot::rl {

struct UpdateStats {
  int64_t update = 0;                 // updates done, this one included
  int64_t global_step = 0;            // env steps so far (all envs; autoreset steps excluded)
  double mean_step_reward = 0;        // raw reward per env step in this update
  std::vector<std::pair<std::string, double>> metrics;  // trainer-specific, fixed names and order
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  virtual const char* name() const = 0;                // "ppo" / "dqn"
  virtual StatusOr<UpdateStats> Update() = 0;
  virtual int64_t global_step() const = 0;
  virtual int64_t updates() const = 0;
  // Names of UpdateStats::metrics, in order.
  virtual std::vector<std::string> MetricNames() const = 0;
  // The greedy policy as a model file (with provenance trainer/timesteps/seed filled in).
  virtual StatusOr<learned::LearnedModel> Export(const std::string& suite) const = 0;
  // Everything needed to continue training (networks, optimizer, normalisers, RNG, counters).
  virtual StatusOr<CheckpointData> Save() const = 0;
  // Restores Save()'s output and restarts the envs from a seed derived from it (train_env.h).
  // InvalidArgument / DataLoss naming the field if the checkpoint does not fit this trainer.
  virtual Status Restore(const CheckpointData& data) = 0;
  virtual TrainEnvs& envs() = 0;
};

}  // namespace podpilot::rl
