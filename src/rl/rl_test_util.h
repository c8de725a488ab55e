// Test helpers for src/rl (header only; not part of the library).
#pragma once

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/file_util.h"
#include "eval/suite.h"
#include "policy/learned/actions.h"
#include "policy/learned/features.h"
#include "policy/learned/mlp.h"
#include "rl/train_env.h"
#include "sim/env.h"

namespace podpilot::rl::testing {

// A fresh empty directory under the test temp dir.
inline std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ("rl_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// A tiny problem: GourmetGram (one service, starts with 1 replica) under a constant 20 rps for
// one hour (240 steps of 15 s). One replica cannot keep up (20 rps x 0.05 core-s against a 500m
// limit), so keeping the initial replica misses the SLO all episode long.
inline std::string TinySuiteYaml() {
  return "name: tiny\n"
         "scenarios:\n"
         "  - name: gg-constant\n"
         "    app: gourmetgram\n"
         "    duration: 1h\n"
         "    train:\n"
         "      - constant:rps=20\n"
         "    eval:\n"
         "      - constant:rps=22\n";
}

inline std::string WriteTinySuite(const std::string& dir) {
  const std::string path = dir + "/tiny.yaml";
  EXPECT_TRUE(WriteFileAtomically(path, TinySuiteYaml()).ok());
  return path;
}

inline EnvConfig TinyEnvConfig(bool train = true) {
  auto suite = ParseSuite(TinySuiteYaml(), "tiny", ".");
  EXPECT_TRUE(suite.ok()) << suite.status().ToString();
  const Scenario& s = suite->scenarios[0];
  return ScenarioEnvConfig(s, train ? s.train[0] : s.eval[0]);
}

// Return of one episode when every head always picks choice `index`.
inline double FixedReturn(const EnvConfig& config, uint64_t seed, int index, const learned::ActionLayout& actions) {
  auto env = Env::Create(config).value();
  const StepResult* r = &env->Reset(seed);
  double ret = 0;
  std::vector<int32_t> a(actions.num_targets, index);
  Decision d;
  while (!r->truncated) {
    EXPECT_TRUE(learned::ApplyActions(actions, r->observation, a.data(), &d).ok());
    r = &env->Step(d);
    ret += r->reward.reward;
  }
  return ret;
}

// Return of one episode of a model's greedy policy (the Eigen runtime, as LearnedPolicy runs it).
inline double GreedyReturn(const EnvConfig& config, uint64_t seed, const learned::LearnedModel& model) {
  auto env = Env::Create(config).value();
  auto net = learned::MlpNet::Create(model).value();
  learned::FeatureBuilder fb(model.features);
  std::vector<float> x;
  std::vector<int32_t> a(model.actions.num_targets);
  const StepResult* r = &env->Reset(seed);
  double ret = 0;
  Decision d;
  while (!r->truncated) {
    EXPECT_TRUE(fb.Build(r->observation, &x).ok());
    EXPECT_TRUE(net.Forward(x.data(), a.data()));
    EXPECT_TRUE(learned::ApplyActions(model.actions, r->observation, a.data(), &d).ok());
    r = &env->Step(d);
    ret += r->reward.reward;
  }
  return ret;
}

}  // namespace podpilot::rl::testing
