#include "rl/ppo.h"

#include <gtest/gtest.h>

#include "rl/rl_test_util.h"

namespace podpilot::rl {
namespace {

TEST(PpoTest, LearnsToBeatKeepingTheInitialReplicaOnTheTinyProblem) {
  TrainEnvOptions eo;
  eo.configs = {testing::TinyEnvConfig()};
  eo.num_envs = 4;
  eo.threads = 1;
  PpoConfig c;
  c.total_timesteps = 16384;
  c.n_steps = 128;
  c.minibatch_size = 128;
  c.epochs = 4;
  c.learning_rate = 1e-3;
  c.hidden = {32, 32};
  c.seed = 3;
  auto t = PpoTrainer::Create(TrainEnvs::Create(eo, 9).value(), c).value();
  const auto& actions = t->envs().action_layout();  // deltas {-1, 0, +1}
  const EnvConfig eval = testing::TinyEnvConfig();
  const double keep = testing::FixedReturn(eval, 77, 1, actions);
  const double initial = testing::GreedyReturn(eval, 77, t->Export("tiny").value());
  while (t->global_step() < c.total_timesteps) {
    auto s = t->Update();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
  }
  const double trained = testing::GreedyReturn(eval, 77, t->Export("tiny").value());
  // Keeping one replica misses the SLO for the whole hour (about -10 per step); the trained
  // policy must scale up and recover most of that.
  EXPECT_GT(trained, keep + 0.5 * std::abs(keep)) << "keep " << keep << " initial " << initial << " trained " << trained;
  EXPECT_GT(trained, initial) << "keep " << keep << " initial " << initial << " trained " << trained;
}

TEST(PpoTest, RejectsBadConfig) {
  PpoConfig c;
  c.clip_range = 0;
  EXPECT_FALSE(ValidatePpoConfig(c).ok());
  c = PpoConfig{};
  c.minibatch_size = 1;
  EXPECT_FALSE(ValidatePpoConfig(c).ok());
  EXPECT_TRUE(ValidatePpoConfig(PpoConfig{}).ok());
}

TEST(PpoTest, SameSeedSameUpdates) {
  TrainEnvOptions eo;
  eo.configs = {testing::TinyEnvConfig()};
  eo.num_envs = 2;
  PpoConfig c;
  c.n_steps = 32;
  c.minibatch_size = 32;
  c.epochs = 2;
  c.hidden = {8};
  auto run = [&] {
    auto t = PpoTrainer::Create(TrainEnvs::Create(eo, 4).value(), c).value();
    for (int i = 0; i < 2; ++i) EXPECT_TRUE(t->Update().ok());
    return t->Export("x").value().heads[0].weight;
  };
  EXPECT_EQ(run(), run());
}

// One tiny environment on one thread (the initial-choice tests need no more).
TrainEnvOptions OneTinyEnv() {
  TrainEnvOptions eo;
  eo.configs = {testing::TinyEnvConfig()};
  eo.num_envs = 1;
  eo.threads = 1;
  return eo;
}

// The probabilities the actor gives choice `k` on every head of `obs` (one observation).
std::vector<double> ChoiceProbabilities(PpoTrainer& t, const std::vector<float>& obs, int heads, int choices, int k) {
  torch::NoGradGuard guard;
  const torch::Tensor x = torch::from_blob(const_cast<float*>(obs.data()), {1, static_cast<int64_t>(obs.size())}).clone();
  const torch::Tensor p = torch::softmax(t.actor()->forward(x).view({heads, choices}), 1);
  std::vector<double> out;
  for (int h = 0; h < heads; ++h) out.push_back(p[h][k].item<double>());
  return out;
}

TEST(PpoTest, InitialChoiceStartsEveryHeadPreferringIt) {
  TrainEnvOptions eo = OneTinyEnv();
  PpoConfig c;
  c.hidden = {16, 16};
  for (double prob : {0.9, 0.6}) {
    c.initial_choice = 2;  // deltas {-1, 0, +1}: +1
    c.initial_choice_prob = prob;
    auto t = PpoTrainer::Create(TrainEnvs::Create(eo, 1).value(), c).value();
    const int heads = t->envs().num_heads(), choices = t->envs().action_layout().choices(), f = t->envs().obs_size();
    for (float v : {-2.0f, 0.0f, 3.0f}) {
      for (double p : ChoiceProbabilities(*t, std::vector<float>(f, v), heads, choices, 2)) EXPECT_NEAR(p, prob, 0.02);
      for (double p : ChoiceProbabilities(*t, std::vector<float>(f, v), heads, choices, 0)) {
        EXPECT_NEAR(p, (1 - prob) / 2, 0.02);
      }
    }
  }
  // Without it the start is uniform (the output layer's gain of 0.01).
  c.initial_choice = -1;
  auto t = PpoTrainer::Create(TrainEnvs::Create(eo, 1).value(), c).value();
  const int f = t->envs().obs_size();
  for (double p : ChoiceProbabilities(*t, std::vector<float>(f, 1.0f), t->envs().num_heads(), 3, 2)) {
    EXPECT_NEAR(p, 1.0 / 3, 0.02);
  }
}

TEST(PpoTest, InitialChoiceOfTheOnlyChoiceTrains) {
  TrainEnvOptions eo = OneTinyEnv();
  eo.mode = learned::ActionMode::kSetpoint;
  eo.setpoints = {0.5};
  PpoConfig c;
  c.n_steps = 16;
  c.minibatch_size = 16;
  c.epochs = 1;
  c.hidden = {8};
  c.initial_choice = 0;
  auto t = PpoTrainer::Create(TrainEnvs::Create(eo, 1).value(), c);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto stats = (*t)->Update();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ((*t)->global_step(), 16);
}

TEST(PpoTest, InitialChoiceOutsideTheActionsIsRefused) {
  TrainEnvOptions eo = OneTinyEnv();
  PpoConfig c;
  c.initial_choice = 3;  // three choices: 0..2
  auto t = PpoTrainer::Create(TrainEnvs::Create(eo, 1).value(), c);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("initial_choice 3"), std::string::npos) << t.status().ToString();
  c.initial_choice = -2;
  EXPECT_FALSE(ValidatePpoConfig(c).ok());
  c.initial_choice = 0;
  c.initial_choice_prob = 1;
  EXPECT_FALSE(ValidatePpoConfig(c).ok());
  c.initial_choice_prob = 0;
  EXPECT_FALSE(ValidatePpoConfig(c).ok());
}

}  // namespace
}  // namespace podpilot::rl
