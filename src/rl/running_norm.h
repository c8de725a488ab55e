// Running mean / variance of observations and of discounted returns, as Stable-Baselines3's
// VecNormalize (RunningMeanStd with the parallel-variance update, count starting at 1e-4,
// epsilon 1e-8, clip 10).
//
//   observations: x' = clip((x - mean) / sqrt(var + eps), -clip, clip), updated from every batch
//                 of observations the trainer collects; exported as the model's
//                 FeatureNormalization {mean, std = sqrt(var + eps), clip}, which mlp.h applies
//                 the same way.
//   rewards:      r' = clip(r / sqrt(var(G) + eps), -clip, clip), G the running discounted return
//                 of each env (reset at episode ends), as VecNormalize's norm_reward.
//
// Statistics are kept in double. Thread-compatible values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "policy/learned/features.h"

namespace podpilot::rl {

class RunningMeanStd {
 public:
  explicit RunningMeanStd(int size = 0) : mean_(size, 0.0), var_(size, 1.0) {}

  int size() const { return static_cast<int>(mean_.size()); }
  // Adds `rows` vectors of size() values (row-major).
  void Update(const float* data, int rows);
  void Update(const double* data, int rows);

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& var() const { return var_; }
  double count() const { return count_; }

  nlohmann::json ToJson() const;
  // Refuses a size different from size() or non-finite values; `where` prefixes errors.
  Status FromJson(const nlohmann::json& j, const std::string& where);

 private:
  std::vector<double> mean_, var_;
  double count_ = 1e-4;
};

inline constexpr double kNormEpsilon = 1e-8;
inline constexpr float kNormClip = 10.0f;

class ObsNormalizer {
 public:
  ObsNormalizer(int size, bool enabled) : enabled_(enabled), stats_(size) {}
  bool enabled() const { return enabled_; }
  void Update(const float* obs, int rows) {
    if (enabled_) stats_.Update(obs, rows);
  }
  // Writes rows x size() normalised values to `out` (a copy when disabled).
  void Normalize(const float* obs, int rows, float* out) const;
  // The model's normalisation (empty when disabled). Normalize computes with exactly these floats.
  learned::FeatureNormalization Export() const;
  RunningMeanStd& stats() { return stats_; }
  const RunningMeanStd& stats() const { return stats_; }

 private:
  bool enabled_;
  RunningMeanStd stats_;
};

class RewardNormalizer {
 public:
  RewardNormalizer(int num_envs, double gamma, bool enabled) : enabled_(enabled), gamma_(gamma), returns_(num_envs, 0.0), stats_(1) {}
  bool enabled() const { return enabled_; }
  // Updates the running return of env i with raw reward `r`, and returns the scaled reward.
  // `episode_end` resets that env's running return afterwards.
  void Observe(const float* rewards, const uint8_t* episode_end, float* scaled);
  RunningMeanStd& stats() { return stats_; }
  const RunningMeanStd& stats() const { return stats_; }
  std::vector<double>& returns() { return returns_; }

 private:
  bool enabled_;
  double gamma_;
  std::vector<double> returns_;
  RunningMeanStd stats_;
};

}  // namespace podpilot::rl
