#include "rl/slo_constraint.h"

#include <gtest/gtest.h>

#include <cmath>

namespace podpilot::rl {
namespace {

TEST(SloConstraintTest, OffKeepsTheWeight) {
  auto c = SloConstraint::Create({}, 10).value();
  EXPECT_FALSE(c.enabled());
  EXPECT_EQ(c.Update(0.5), 10);
  EXPECT_EQ(c.Update(1.0), 10);
}

TEST(SloConstraintTest, MovesTowardTheTargetByAtMostTheRate) {
  auto c = SloConstraint::Create({.target = 0.99, .rate = 0.1}, 10).value();
  EXPECT_DOUBLE_EQ(c.Update(0.5), 10 * std::exp(0.1));        // far below: the full step up
  EXPECT_DOUBLE_EQ(c.Update(0.995), 10 * std::exp(0.1 - 0.05));  // half the allowed shortfall above: half a step down
  const double w = c.weight();
  EXPECT_DOUBLE_EQ(c.Update(0.99), w);                         // on target: stands still
  EXPECT_TRUE(std::isfinite(c.Update(NAN)));                   // a rollout without requests changes nothing
  EXPECT_DOUBLE_EQ(c.weight(), w);
}

TEST(SloConstraintTest, StaysWithinItsBounds) {
  auto c = SloConstraint::Create({.target = 0.99, .rate = 1, .min_weight = 1, .max_weight = 20}, 10).value();
  for (int i = 0; i < 10; ++i) c.Update(0);
  EXPECT_EQ(c.weight(), 20);
  for (int i = 0; i < 10; ++i) c.Update(1);
  EXPECT_EQ(c.weight(), 1);
  c.set_weight(1e9);
  EXPECT_EQ(c.weight(), 20);
}

// Against a response like a policy's (more weight buys attainment with diminishing returns), dual
// ascent settles where the attainment meets the target.
TEST(SloConstraintTest, SettlesWhereTheAttainmentMeetsTheTarget) {
  auto attainment = [](double w) { return 1 - 0.05 / (1 + w / 5); };  // 95 % at w = 0, 99 % at w = 20
  auto c = SloConstraint::Create({.target = 0.99, .rate = 0.05}, 1).value();
  for (int i = 0; i < 2000; ++i) c.Update(attainment(c.weight()));
  EXPECT_NEAR(c.weight(), 20, 1.0);
  EXPECT_NEAR(attainment(c.weight()), 0.99, 2e-4);
}

TEST(SloConstraintTest, BadOptionsAreRefused) {
  EXPECT_EQ(SloConstraint::Create({.target = 1.0}, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SloConstraint::Create({.target = -0.5}, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SloConstraint::Create({.target = 0.99, .rate = 0}, 10).status().code(), StatusCode::kInvalidArgument);
  auto st = SloConstraint::Create({.target = 0.99, .min_weight = 1, .max_weight = 5}, 10).status();
  EXPECT_NE(st.message().find("--slo-weight 10"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace podpilot::rl
