// TrainEnvs: the training side of the simulator for the C++ trainers. N environments over one
// scenario's TRAIN workloads, their observations turned into feature vectors (features.h) and the
// trainers' multi-discrete actions turned into Decisions (actions.h).
//
// Workloads are mixed across environments: env i runs workload i % W (W = number of workloads).
// Each workload's envs form one VecEnv (a VecEnv holds one EnvConfig), stepped one after the
// other, each on its own thread pool.
//
// Episodes follow VecEnv's NEXT_STEP autoreset, exposed as it is (no hidden buffering):
//   * a Step after which truncated()[i] is set returned env i's FINAL observation in obs() and
//     that interval's real reward. A trainer bootstraps from the value of that observation.
//   * the following Step ignores env i's action, starts a new episode and returns its first
//     observation with reward 0, flagged in reset_step()[i]. That transition is not a real one:
//     trainers must drop it from losses and stop returns at it.
// The episodes never terminate (the simulator only truncates at the workload's end).
//
// Seeding: Reset(seed) resets workload group k's VecEnv with base seed Rng::Derive(seed, k), so
// env j of the group starts at that + j, and later episodes of each env follow VecEnv's own seed
// chain. A resumed trainer calls Reset with a seed derived from its checkpoint, so a resumed run
// is a deterministic function of the checkpoint (the episodes in flight at the checkpoint are not
// continued: a simulator's state is not saved).
//
// Rewards: the simulator's reward components weighted by each config's RewardWeights, except the
// SLO shortfall's weight, which is kept per workload (configs[k]'s at first) and may be changed
// between steps (set_slo_weight): a Lagrangian multiplier on SLO attainment (the train driver's
// --slo-target) moves it while training, one for all workloads or one per workload.
//
// Thread-safety: not thread-safe; one trainer thread drives it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"
#include "policy/learned/actions.h"
#include "policy/learned/features.h"
#include "sim/vec_env.h"

namespace podpilot::rl {

struct TrainEnvOptions {
  std::vector<EnvConfig> configs;        // >= 1: one per train workload
  int num_envs = 8;                      // >= configs.size() so that every workload runs
  int threads = 0;                       // per VecEnv; 0 = hardware concurrency
  learned::FeatureOptions features;      // control_interval_s is ignored: the configs' (all equal) is used
  learned::ActionMode mode = learned::ActionMode::kDelta;
  std::vector<int> deltas = {-1, 0, 1};
  std::vector<double> setpoints = {0.3, 0.5, 0.7, 0.9};
  double tolerance = 0.1;
  double scale_down_window_s = 0;  // setpoint mode: HPA-style scale-down stabilisation (actions.h)
};

// A finished episode's totals.
struct EpisodeStats {
  double ret = 0;              // sum of rewards
  double cost = 0;             // $ over the episode
  double slo_attainment = 1;   // requests OK within SLO / requests (1 when no request)
  int64_t steps = 0;
  int workload = 0;            // index into TrainEnvOptions::configs
};

class TrainEnvs {
 public:
  // Creates the environments and resets them with `seed` (the layouts need the first observation
  // for the target count and names). InvalidArgument for bad options or configs.
  static StatusOr<std::unique_ptr<TrainEnvs>> Create(const TrainEnvOptions& options, uint64_t seed);

  int num_envs() const { return num_envs_; }
  int obs_size() const { return features_.size(); }
  int num_heads() const { return actions_.num_targets; }
  const learned::FeatureLayout& feature_layout() const { return features_; }
  const learned::ActionLayout& action_layout() const { return actions_; }
  int num_workloads() const { return static_cast<int>(groups_.size()); }

  // Starts new episodes in every env (see "Seeding"). Forgets unfinished episode totals.
  Status Reset(uint64_t seed);

  // Steps every env; `actions` holds num_envs() * num_heads() indices, env-major, each in
  // [0, action_layout().choices()). InvalidArgument on an out-of-range index.
  Status Step(const int32_t* actions);

  // Raw (unnormalised) features of the current observations, num_envs() x obs_size(), env-major.
  const std::vector<float>& obs() const { return obs_; }
  const std::vector<float>& rewards() const { return rewards_; }
  const std::vector<uint8_t>& truncated() const { return truncated_; }
  const std::vector<uint8_t>& reset_step() const { return reset_step_; }

  // Episodes finished since the last call, in env order within a step.
  std::vector<EpisodeStats> TakeFinishedEpisodes();

  // Requests and those OK within their SLO over every real transition since the last call: a
  // rollout's attainment, for the SLO constraint. `all` is summed transition by transition in env
  // order (not from the per-workload sums), so its rounding, and a run's multiplier, are the same
  // as before per-workload totals existed.
  struct RequestTotals {
    double requests = 0, ok = 0;
    double attainment() const { return requests > 0 ? ok / requests : 1.0; }
    RequestTotals& operator+=(const RequestTotals& o) {
      requests += o.requests;
      ok += o.ok;
      return *this;
    }
  };
  struct RolloutTotals {
    RequestTotals all;
    std::vector<RequestTotals> by_workload;  // index into TrainEnvOptions::configs
  };
  RolloutTotals TakeRequestTotals();

  // The weight of the SLO shortfall in workload k's rewards of the following steps (>= 0).
  double slo_weight(int k) const { return slo_weights_.at(k); }
  void set_slo_weight(int k, double w) { slo_weights_.at(k) = w; }
  int64_t episodes_finished() const { return episodes_finished_; }

 private:
  struct Group {
    std::unique_ptr<VecEnv> vec;
    std::vector<int> envs;               // global env indices, in VecEnv order
    std::vector<Decision> decisions;
  };
  struct Running {
    double ret = 0, cost = 0, requests = 0, ok = 0;
    int64_t steps = 0;
  };
  TrainEnvs() = default;
  Status Collect(bool after_reset);

  TrainEnvOptions options_;
  int num_envs_ = 0;
  learned::FeatureLayout features_;
  learned::ActionLayout actions_;
  std::vector<Group> groups_;
  std::vector<learned::FeatureBuilder> builders_;
  std::vector<learned::ScaleDownHistory> histories_;  // per env, reset with its builder
  std::vector<int> group_of_, slot_of_;
  std::vector<float> obs_, rewards_;
  std::vector<uint8_t> truncated_, reset_step_;
  std::vector<Running> running_;
  std::vector<EpisodeStats> finished_;
  int64_t episodes_finished_ = 0;
  RolloutTotals request_totals_;
  std::vector<double> slo_weights_;           // per workload
};

}  // namespace podpilot::rl
