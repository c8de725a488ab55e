// Double DQN (van Hasselt et al. 2016) over TrainEnvs, for multi-discrete actions by ACTION
// BRANCHING (Tavakoli et al. 2018, "Action Branching Architectures"):
//
//   * one Q head per target over its choices, on a shared MLP trunk (tanh, default 64x64);
//     with `dueling`, a shared state value V(s) plus per-head advantages:
//         Q_h(s, a) = V(s) + A_h(s, a) - mean_a' A_h(s, a')
//   * each head is trained as its own DQN on the shared reward, with its own double-DQN target:
//         y_h = R + gamma^m * Q_target,h(s', argmax_a Q_online,h(s', a))
//     (R the n-step return over m <= n steps, m < n only at an episode's end). A joint Q over the
//     product of 11 targets' choices (3^11 actions for Online Boutique) is not learnable; a single
//     head with a mean target across branches (BDQ's choice) couples the heads' errors. Per-head
//     independent targets are the simplest variant that scales linearly in the targets.
//   * the loss is Huber (smooth L1) averaged over heads and the batch; gradient-norm clipping;
//     Adam; epsilon-greedy exploration per head with epsilon decayed linearly; a replay buffer
//     of raw observations (normalised with the current statistics when sampled, so old samples
//     follow the normaliser); the target network is copied every target_update_interval
//     gradient steps (tau = 1) or moved by Polyak averaging after every step (tau < 1).
//   * episodes are truncated, never terminated: the last transition bootstraps from the final
//     observation (train_env.h), and the autoreset step is not stored.
//
// Export: the Q-values are the model's "concat" logits (a dueling head folded into one linear
// layer, exactly), so LearnedPolicy's argmax is the greedy policy.
//
// Thread-safety: not thread-safe.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "rl/nets.h"
#include "rl/running_norm.h"
#include "rl/trainer.h"

namespace podpilot::rl {

struct DqnConfig {
  int64_t total_timesteps = 100000;  // the epsilon schedule's horizon
  int64_t buffer_size = 50000;
  int64_t learning_starts = 1000;    // env steps before the first gradient step
  int batch_size = 64;
  double learning_rate = 1e-4;
  double gamma = 0.99;
  int n_step = 1;
  int64_t target_update_interval = 1000;  // gradient steps between hard copies (tau = 1)
  double tau = 1.0;                  // < 1: Polyak averaging after every gradient step
  int train_freq = 1;                // vector steps between trainings
  int gradient_steps = 1;            // per training
  double exploration_initial = 1.0;
  double exploration_final = 0.05;
  double exploration_fraction = 0.1; // of total_timesteps
  double max_grad_norm = 10;
  double reward_scale = 0.1;         // rewards are multiplied by this before storing
  bool double_dqn = true;
  bool dueling = false;
  std::vector<int> hidden = {64, 64};
  bool normalize_obs = true;
  int steps_per_update = 128;        // vector steps per Update() (the logging / checkpoint unit)
  uint64_t seed = 1;
  int torch_threads = 1;
};

Status ValidateDqnConfig(const DqnConfig& c);

// The per-head TD targets [B, H] from next-state Q-values [B, H, C] of the online and target
// networks, n-step returns [B] and discounts [B] (gamma^m, 0 after a terminal state). Double DQN
// picks each head's action with the online network and evaluates it with the target network;
// otherwise the target network's max. Pure function (no gradient).
torch::Tensor DqnTargets(const torch::Tensor& q_next_online, const torch::Tensor& q_next_target,
                         const torch::Tensor& returns, const torch::Tensor& discounts, bool double_dqn);

class QNetImpl : public torch::nn::Module {
 public:
  QNetImpl(int input, const std::vector<int>& hidden, int heads, int choices, bool dueling);
  torch::Tensor forward(torch::Tensor x);  // [B, heads, choices]
  // The Q-values as one linear layer on the trunk's output (dueling folded in): [H*C, D], [H*C].
  std::pair<torch::Tensor, torch::Tensor> FoldedHead() const;
  Mlp& trunk() { return trunk_; }
  const Mlp& trunk() const { return trunk_; }

 private:
  int heads_, choices_;
  bool dueling_;
  Mlp trunk_{nullptr};
  torch::nn::Linear value_{nullptr};
};
TORCH_MODULE(QNet);

class DqnTrainer : public Trainer {
 public:
  static StatusOr<std::unique_ptr<DqnTrainer>> Create(std::unique_ptr<TrainEnvs> envs, const DqnConfig& config);

  const char* name() const override { return "dqn"; }
  StatusOr<UpdateStats> Update() override;
  int64_t global_step() const override { return global_step_; }
  int64_t updates() const override { return updates_; }
  std::vector<std::string> MetricNames() const override;
  StatusOr<learned::LearnedModel> Export(const std::string& suite) const override;
  StatusOr<CheckpointData> Save() const override;
  Status Restore(const CheckpointData& data) override;
  TrainEnvs& envs() override { return *envs_; }

  QNet& q() { return q_; }
  ObsNormalizer& obs_norm() { return obs_norm_; }
  int64_t replay_size() const { return size_; }

 private:
  struct Pending {
    std::vector<float> obs;
    std::vector<int64_t> actions;
    float reward;
  };
  DqnTrainer(std::unique_ptr<TrainEnvs> envs, const DqnConfig& config);
  double Epsilon() const;
  // Stores the transition from the window's oldest entry: the discounted sum of the window's
  // rewards, bootstrapping from `next_obs` with gamma^window size; then drops that entry.
  void EmitFront(std::deque<Pending>& window, const float* next_obs);
  double TrainStep();

  DqnConfig config_;
  std::unique_ptr<TrainEnvs> envs_;
  at::Generator gen_;
  QNet q_{nullptr}, target_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  ObsNormalizer obs_norm_;
  int heads_ = 0, choices_ = 0, obs_size_ = 0;
  // Replay buffer (ring of capacity buffer_size).
  torch::Tensor obs_buf_, next_buf_, act_buf_, ret_buf_, disc_buf_;
  int64_t pos_ = 0, size_ = 0;
  std::vector<std::deque<Pending>> nstep_;  // per env: the last < n_step transitions
  int64_t global_step_ = 0, updates_ = 0, grad_steps_ = 0, vector_steps_ = 0;
};

}  // namespace podpilot::rl
