#include "rl/gae.h"

#include <gtest/gtest.h>

namespace podpilot::rl {
namespace {

TEST(GaeTest, HandComputedSingleEnv) {
  // 3 steps, 1 env, gamma 0.5, lambda 0.5, no episode end.
  //   delta_2 = 3 + 0.5*4 - 3 = 2          A_2 = 2
  //   delta_1 = 2 + 0.5*3 - 2 = 1.5        A_1 = 1.5 + 0.25*2 = 2
  //   delta_0 = 1 + 0.5*2 - 1 = 1          A_0 = 1 + 0.25*2 = 1.5
  auto r = ComputeGae(3, 1, {1, 2, 3}, {1, 2, 3}, {0, 0, 0}, {0, 0, 0}, {4}, 0.5, 0.5);
  EXPECT_FLOAT_EQ(r.advantages[2], 2.0f);
  EXPECT_FLOAT_EQ(r.advantages[1], 2.0f);
  EXPECT_FLOAT_EQ(r.advantages[0], 1.5f);
  EXPECT_FLOAT_EQ(r.returns[0], 2.5f);
  EXPECT_FLOAT_EQ(r.returns[2], 5.0f);
}

TEST(GaeTest, TruncationBootstrapsFromFinalObservationAndStopsAtTheAutoreset) {
  // Env 0: step 1 truncates its episode, so obs_2 is the FINAL observation (V = 10) and step 2 is
  // the autoreset (fake); step 3 starts the next episode. Env 1 never ends.
  // gamma 0.9, lambda 0.8. Arrays are [t][env].
  const std::vector<float> rewards = {1, 1, 2, 1, 0, 1, 5, 1};
  const std::vector<float> values = {3, 1, 4, 1, 10, 1, 6, 1};
  const std::vector<uint8_t> fake = {0, 0, 0, 0, 1, 0, 0, 0};
  const std::vector<uint8_t> term(8, 0);
  auto r = ComputeGae(4, 2, rewards, values, fake, term, {7, 2}, 0.9, 0.8);
  // Env 0, t=3: delta = 5 + 0.9*7 - 6 = 5.3 -> A = 5.3.
  EXPECT_NEAR(r.advantages[6], 5.3, 1e-5);
  // t=2 is fake: A = 0, and it does not pass t=3's advantage back.
  EXPECT_EQ(r.advantages[4], 0.0f);
  // t=1: bootstraps from V(final obs) = 10: delta = 2 + 0.9*10 - 4 = 7; A = 7 + 0.72*0 = 7.
  EXPECT_NEAR(r.advantages[2], 7.0, 1e-5);
  // t=0: delta = 1 + 0.9*4 - 3 = 1.6; A = 1.6 + 0.72*7 = 6.64.
  EXPECT_NEAR(r.advantages[0], 6.64, 1e-5);
  // Env 1: deltas 1 + 0.9*1 - 1 = 0.9 (t=0..2), t=3: 1 + 0.9*2 - 1 = 1.8.
  EXPECT_NEAR(r.advantages[7], 1.8, 1e-5);
  EXPECT_NEAR(r.advantages[5], 0.9 + 0.72 * 1.8, 1e-5);
  EXPECT_NEAR(r.returns[2], 7.0 + 4.0, 1e-5);
}

TEST(GaeTest, TerminationDoesNotBootstrap) {
  auto r = ComputeGae(2, 1, {1, 1}, {0.5, 0.5}, {0, 0}, {1, 0}, {100}, 0.9, 0.9);
  EXPECT_NEAR(r.advantages[0], 0.5, 1e-6);  // 1 + 0 - 0.5, nothing from t=1
  EXPECT_NEAR(r.advantages[1], 1 + 90 - 0.5, 1e-4);
}

}  // namespace
}  // namespace podpilot::rl
