#include "rl/dqn.h"

#include <gtest/gtest.h>

#include "rl/rl_test_util.h"

namespace podpilot::rl {
namespace {

TEST(DqnTest, DoubleDqnTargetsPerHeadHandComputed) {
  // Batch of 2, 2 heads, 3 choices.
  // Sample 0: head 0 online argmax = 2 -> target Q = 5; head 1 online argmax = 0 -> target Q = -1.
  // Sample 1: head 0 online argmax = 1 -> 0.5; head 1 online argmax = 1 -> 2.
  auto online = torch::tensor({1.f, 2.f, 3.f, 9.f, 0.f, 1.f, 0.f, 4.f, 1.f, 0.f, 7.f, 1.f}).view({2, 2, 3});
  auto target = torch::tensor({8.f, 7.f, 5.f, -1.f, 6.f, 0.f, 3.f, 0.5f, 9.f, 4.f, 2.f, 8.f}).view({2, 2, 3});
  auto returns = torch::tensor({1.f, 2.f});
  auto disc = torch::tensor({0.9f, 0.81f});
  auto y = DqnTargets(online, target, returns, disc, /*double_dqn=*/true);
  ASSERT_EQ(y.size(0), 2);
  ASSERT_EQ(y.size(1), 2);
  EXPECT_NEAR(y[0][0].item<float>(), 1 + 0.9 * 5, 1e-6);
  EXPECT_NEAR(y[0][1].item<float>(), 1 + 0.9 * -1, 1e-6);
  EXPECT_NEAR(y[1][0].item<float>(), 2 + 0.81 * 0.5, 1e-6);
  EXPECT_NEAR(y[1][1].item<float>(), 2 + 0.81 * 2, 1e-6);
  // Plain DQN: each head's max of the target network.
  auto y2 = DqnTargets(online, target, returns, disc, /*double_dqn=*/false);
  EXPECT_NEAR(y2[0][0].item<float>(), 1 + 0.9 * 8, 1e-6);
  EXPECT_NEAR(y2[1][1].item<float>(), 2 + 0.81 * 8, 1e-6);
  // A terminal transition (discount 0) is just its return.
  auto y3 = DqnTargets(online, target, returns, torch::zeros({2}), true);
  EXPECT_NEAR(y3[1][0].item<float>(), 2, 1e-6);
}

TEST(DqnTest, DuelingCombinesValueAndCentredAdvantages) {
  torch::manual_seed(1);
  QNet q(4, std::vector<int>{8}, 2, 3, true);
  auto x = torch::randn({5, 4});
  auto out = q->forward(x);
  // Centred advantages: the mean over each head's choices is the state value, the same for all heads.
  auto means = out.mean(-1);
  EXPECT_LT((means.select(1, 0) - means.select(1, 1)).abs().max().item<float>(), 1e-5);
}

TEST(DqnTest, TrainsAndCheckpointsOnTheTinyProblem) {
  TrainEnvOptions eo;
  eo.configs = {testing::TinyEnvConfig()};
  eo.num_envs = 2;
  eo.threads = 1;
  DqnConfig c;
  c.total_timesteps = 2000;
  c.learning_starts = 100;
  c.buffer_size = 600;  // smaller than the run: the ring wraps
  c.batch_size = 32;
  c.n_step = 3;
  c.dueling = true;
  c.tau = 0.05;
  c.steps_per_update = 64;
  c.hidden = {16};
  auto t = DqnTrainer::Create(TrainEnvs::Create(eo, 1).value(), c).value();
  for (int i = 0; i < 6; ++i) {
    auto s = t->Update();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
  }
  // 6 updates x 64 vector steps x 2 envs, minus the autoreset steps (one per finished episode).
  EXPECT_LE(t->global_step(), 6 * 64 * 2);
  EXPECT_GE(t->global_step(), 6 * 64 * 2 - 4);
  EXPECT_EQ(t->replay_size(), 600);
  auto model = t->Export("tiny");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->provenance.trainer, "dqn");
  auto saved = t->Save();
  ASSERT_TRUE(saved.ok());
  auto t2 = DqnTrainer::Create(TrainEnvs::Create(eo, 2).value(), c).value();
  ASSERT_TRUE(t2->Restore(*saved).ok());
  EXPECT_EQ(t2->global_step(), t->global_step());
  EXPECT_EQ(t2->replay_size(), 600);
  // Same weights: same exported model.
  auto m2 = t2->Export("tiny").value();
  EXPECT_EQ(m2.heads[0].weight, model->heads[0].weight);
  EXPECT_TRUE(t2->Update().ok());
  // A PPO checkpoint does not fit.
  saved->state["trainer"] = "ppo";
  EXPECT_FALSE(t2->Restore(*saved).ok());
}

}  // namespace
}  // namespace podpilot::rl
