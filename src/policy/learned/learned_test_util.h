// Test helpers for the learned-policy tests (header only; not part of the library).
#pragma once

#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/rng.h"
#include "policy/learned/model_file.h"
#include "policy/learned/random_model.h"

namespace podpilot::learned::testing {

struct ModelSpec {
  int targets = 2;
  int history = 1;
  bool setpoint = false;
  std::vector<int> hidden = {16, 8};
  Activation activation = Activation::kTanh;
  LogitsLayout logits = LogitsLayout::kConcat;
  bool normalize = true;
  uint64_t seed = 1;
  double control_interval_s = kDefaultControlIntervalS;  // the interval the model is "trained" at
};

inline LearnedModel MakeModel(const ModelSpec& s) {
  FeatureLayout f =
      MakeFeatureLayout(s.targets, FeatureOptions{.history = s.history, .control_interval_s = s.control_interval_s}).value();
  if (s.normalize) {
    Rng rng(Rng::Derive(s.seed, 99));
    for (int i = 0; i < f.size(); ++i) {
      f.normalization.mean.push_back(static_cast<float>(rng.Uniform()));
      f.normalization.std.push_back(static_cast<float>(0.25 + rng.Uniform()));
    }
    f.normalization.clip = 3;
  }
  const ActionLayout a = s.setpoint ? MakeSetpointActions(s.targets, {0.3, 0.5, 0.7, 0.9}).value()
                                    : MakeDeltaActions(s.targets, {-2, -1, 0, 1, 2}).value();
  auto m = MakeRandomModel(f, a, s.hidden, s.activation, s.logits, s.seed);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.value();
}

// The forward pass written out with plain loops in double, straight from the definitions in
// mlp.h, as an independent reference: normalise, then y_j = b_j + sum_i W[j][i] x_i per layer.
inline std::vector<double> ReferenceLogits(const LearnedModel& m, const std::vector<float>& features) {
  std::vector<double> x(features.begin(), features.end());
  const FeatureNormalization& n = m.features.normalization;
  if (!n.empty()) {
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = (x[i] - n.mean[i]) / n.std[i];
      if (n.clip > 0) x[i] = std::min(std::max(x[i], -double(n.clip)), double(n.clip));
    }
  }
  auto linear = [](const LinearLayer& l, const std::vector<double>& in) {
    std::vector<double> out(static_cast<size_t>(l.out));
    for (int j = 0; j < l.out; ++j) {
      double acc = l.bias[j];
      for (int i = 0; i < l.in; ++i) acc += double(l.weight[static_cast<size_t>(j) * l.in + i]) * in[i];
      out[j] = acc;
    }
    return out;
  };
  for (const LinearLayer& l : m.hidden) {
    x = linear(l, x);
    for (double& v : x) v = m.arch.activation == Activation::kTanh ? std::tanh(v) : std::max(v, 0.0);
  }
  std::vector<double> logits;
  for (const LinearLayer& l : m.heads) {
    const std::vector<double> y = linear(l, x);
    logits.insert(logits.end(), y.begin(), y.end());
  }
  return logits;
}

// Argmax per head of concatenated logits, first maximum on ties.
inline std::vector<int32_t> ReferenceActions(const std::vector<double>& logits, const std::vector<int>& heads) {
  std::vector<int32_t> out;
  size_t off = 0;
  for (int h : heads) {
    int best = 0;
    for (int k = 1; k < h; ++k) {
      if (logits[off + k] > logits[off + best]) best = k;
    }
    out.push_back(best);
    off += h;
  }
  return out;
}

// Unique per process: CTest runs each test case as its own process, several at once.
inline std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/pp_learned_" + std::to_string(::getpid()) + "_" + name;
}

}  // namespace podpilot::learned::testing
