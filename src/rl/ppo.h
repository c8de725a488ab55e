// PPO (Schulman et al. 2017) over TrainEnvs, as Stable-Baselines3 implements it:
//
//   * actor and critic are separate MLPs (tanh, default 64x64); the actor outputs one categorical
//     per target (the ActionLayout's nvec, "concat" logits), the log-probability of an action is
//     the sum over heads, the entropy the sum of the heads' entropies;
//   * rollouts of n_steps per env, GAE(lambda) with bootstrapping at truncation (gae.h), clipped
//     surrogate, value loss on the returns (optionally with the value prediction clipped around
//     the rollout's value, SB3's clip_range_vf), entropy bonus, advantages normalised per
//     minibatch, global gradient-norm clipping, `epochs` passes of shuffled minibatches, Adam
//     (eps 1e-5) with the learning rate decayed linearly to 0 over total_timesteps;
//   * observations normalised by a running mean / std (VecNormalize, clip 10) that becomes the
//     exported model's FeatureNormalization; rewards optionally scaled by the running std of the
//     discounted return (VecNormalize's norm_reward).
//
// Randomness (initial weights, action sampling, minibatch order) comes from one torch generator
// seeded from PpoConfig::seed, saved in checkpoints.
//
// Thread-safety: not thread-safe.
#pragma once

#include <memory>
#include <vector>

#include <torch/torch.h>

#include "rl/nets.h"
#include "rl/running_norm.h"
#include "rl/trainer.h"

namespace podpilot::rl {

struct PpoConfig {
  int64_t total_timesteps = 100000;  // the learning-rate schedule's horizon
  int n_steps = 256;                 // per env per rollout
  int epochs = 10;
  int minibatch_size = 256;
  double learning_rate = 3e-4;
  bool linear_lr = true;
  double gamma = 0.99;
  double gae_lambda = 0.95;
  double clip_range = 0.2;
  double clip_range_vf = 0;          // > 0: clip the value prediction (SB3 clip_range_vf)
  double ent_coef = 0.0;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;
  std::vector<int> hidden = {64, 64};
  bool normalize_obs = true;
  bool normalize_reward = true;
  uint64_t seed = 1;
  int torch_threads = 1;             // libtorch intra-op threads (<= 0: libtorch's default)
  // A starting point for the policy: with initial_choice >= 0 every head's initial distribution
  // puts initial_choice_prob on choice initial_choice and shares the rest evenly (the actor's
  // output bias; its weights stay near zero). Used to start setpoint policies at the HPA's own
  // operating point (50 %), so that PPO improves on it instead of searching the whole
  // choices^targets space for it. -1: uniform (SB3's initialisation). Only the initial weights
  // change; a resumed run restores its trained weights.
  int initial_choice = -1;
  double initial_choice_prob = 0.9;  // in (0, 1); used only with initial_choice >= 0
};

// InvalidArgument naming the field for out-of-range values (initial_choice is checked against
// the action layout by PpoTrainer::Create).
Status ValidatePpoConfig(const PpoConfig& c);

class PpoTrainer : public Trainer {
 public:
  static StatusOr<std::unique_ptr<PpoTrainer>> Create(std::unique_ptr<TrainEnvs> envs, const PpoConfig& config);

  const char* name() const override { return "ppo"; }
  StatusOr<UpdateStats> Update() override;
  int64_t global_step() const override { return global_step_; }
  int64_t updates() const override { return updates_; }
  std::vector<std::string> MetricNames() const override;
  StatusOr<learned::LearnedModel> Export(const std::string& suite) const override;
  StatusOr<CheckpointData> Save() const override;
  Status Restore(const CheckpointData& data) override;
  TrainEnvs& envs() override { return *envs_; }

  // For tests: the networks and the normaliser.
  Mlp& actor() { return actor_; }
  Mlp& critic() { return critic_; }
  ObsNormalizer& obs_norm() { return obs_norm_; }

 private:
  PpoTrainer(std::unique_ptr<TrainEnvs> envs, const PpoConfig& config);

  PpoConfig config_;
  std::unique_ptr<TrainEnvs> envs_;
  at::Generator gen_;
  Mlp actor_{nullptr}, critic_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  ObsNormalizer obs_norm_;
  RewardNormalizer reward_norm_;
  int64_t global_step_ = 0, updates_ = 0;
  int heads_ = 0, choices_ = 0, obs_size_ = 0;
};

}  // namespace podpilot::rl
