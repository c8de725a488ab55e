#include "rl/running_norm.h"

#include <algorithm>
#include <cmath>

namespace podpilot::rl {
namespace {

template <typename T>
void UpdateImpl(std::vector<double>& mean, std::vector<double>& var, double& count, const T* data, int rows) {
  if (rows <= 0) return;
  const size_t n = mean.size();
  std::vector<double> bmean(n, 0.0), bvar(n, 0.0);
  for (int r = 0; r < rows; ++r) {
    for (size_t j = 0; j < n; ++j) bmean[j] += data[r * n + j];
  }
  for (size_t j = 0; j < n; ++j) bmean[j] /= rows;
  for (int r = 0; r < rows; ++r) {
    for (size_t j = 0; j < n; ++j) {
      const double d = data[r * n + j] - bmean[j];
      bvar[j] += d * d;
    }
  }
  for (size_t j = 0; j < n; ++j) bvar[j] /= rows;  // population variance, as numpy's var
  // Chan et al.'s parallel update (SB3 RunningMeanStd.update_from_moments).
  const double total = count + rows;
  for (size_t j = 0; j < n; ++j) {
    const double delta = bmean[j] - mean[j];
    const double m2 = var[j] * count + bvar[j] * rows + delta * delta * count * rows / total;
    mean[j] += delta * rows / total;
    var[j] = m2 / total;
  }
  count = total;
}

}  // namespace

void RunningMeanStd::Update(const float* data, int rows) { UpdateImpl(mean_, var_, count_, data, rows); }
void RunningMeanStd::Update(const double* data, int rows) { UpdateImpl(mean_, var_, count_, data, rows); }

nlohmann::json RunningMeanStd::ToJson() const { return {{"mean", mean_}, {"var", var_}, {"count", count_}}; }

Status RunningMeanStd::FromJson(const nlohmann::json& j, const std::string& where) {
  try {
    auto mean = j.at("mean").get<std::vector<double>>();
    auto var = j.at("var").get<std::vector<double>>();
    const double count = j.at("count").get<double>();
    if (mean.size() != mean_.size() || var.size() != var_.size()) {
      return InvalidArgumentError(where + ": normaliser has " + std::to_string(mean.size()) + " values, expected " +
                                  std::to_string(mean_.size()));
    }
    for (size_t i = 0; i < mean.size(); ++i) {
      if (!std::isfinite(mean[i]) || !std::isfinite(var[i]) || var[i] < 0) {
        return InvalidArgumentError(where + ": normaliser value " + std::to_string(i) + " is not finite");
      }
    }
    if (!std::isfinite(count) || count <= 0) return InvalidArgumentError(where + ": normaliser count " + std::to_string(count));
    mean_ = std::move(mean);
    var_ = std::move(var);
    count_ = count;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(where + ": normaliser: " + e.what());
  }
  return Status::Ok();
}

learned::FeatureNormalization ObsNormalizer::Export() const {
  learned::FeatureNormalization n;
  if (!enabled_) return n;
  for (int j = 0; j < stats_.size(); ++j) {
    n.mean.push_back(static_cast<float>(stats_.mean()[j]));
    n.std.push_back(static_cast<float>(std::sqrt(stats_.var()[j] + kNormEpsilon)));
  }
  n.clip = kNormClip;
  return n;
}

void ObsNormalizer::Normalize(const float* obs, int rows, float* out) const {
  const int n = stats_.size();
  if (!enabled_) {
    std::copy(obs, obs + static_cast<size_t>(rows) * n, out);
    return;
  }
  // In double from the exported float mean / std, as mlp.h does, so training and inference see
  // the same inputs up to the final rounding to float.
  const learned::FeatureNormalization e = Export();
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < n; ++j) {
      const double x = (static_cast<double>(obs[r * n + j]) - e.mean[j]) / e.std[j];
      out[r * n + j] = static_cast<float>(std::clamp(x, -static_cast<double>(kNormClip), static_cast<double>(kNormClip)));
    }
  }
}

void RewardNormalizer::Observe(const float* rewards, const uint8_t* episode_end, float* scaled) {
  const int n = static_cast<int>(returns_.size());
  if (!enabled_) {
    std::copy(rewards, rewards + n, scaled);
    return;
  }
  for (int i = 0; i < n; ++i) returns_[i] = returns_[i] * gamma_ + rewards[i];
  stats_.Update(returns_.data(), n);
  const double scale = std::sqrt(stats_.var()[0] + kNormEpsilon);
  for (int i = 0; i < n; ++i) {
    scaled[i] = static_cast<float>(std::clamp(rewards[i] / scale, -static_cast<double>(kNormClip), static_cast<double>(kNormClip)));
    if (episode_end[i]) returns_[i] = 0.0;
  }
}

}  // namespace podpilot::rl
