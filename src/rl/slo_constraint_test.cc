#include "rl/slo_constraint.h"

#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

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


using Totals = TrainEnvs::RequestTotals;

TrainEnvs::RolloutTotals Rollout(std::vector<Totals> by_workload) {
  TrainEnvs::RolloutTotals r;
  for (const auto& t : by_workload) r.all += t;
  r.by_workload = std::move(by_workload);
  return r;
}

TEST(SloConstraintsTest, RunScopePoolsEveryWorkloadsRequests) {
  auto c = SloConstraints::Create({.target = 0.99, .rate = 0.1}, "run", 10, 2).value();
  EXPECT_FALSE(c.per_workload());
  // 1000 requests at 95 % and 9000 at 100 %: pooled 99.5 %, half the allowed shortfall above.
  c.Update(Rollout({Totals{1000, 950}, Totals{9000, 9000}}));
  EXPECT_DOUBLE_EQ(c.weight(0), 10 * std::exp(-0.05));
  EXPECT_DOUBLE_EQ(c.weight(1), c.weight(0));
  EXPECT_EQ(c.ColumnNames(), (std::vector<std::string>{"rollout_slo", "slo_weight"}));
}

TEST(SloConstraintsTest, WorkloadScopeMovesEachWeightByItsOwnRequests) {
  auto c = SloConstraints::Create({.target = 0.99, .rate = 0.1}, "workload", 10, 3).value();
  EXPECT_TRUE(c.per_workload());
  const auto rollout = Rollout({Totals{1000, 950}, Totals{9000, 9000}, Totals{0, 0}});
  const auto row = c.Columns(rollout);
  c.Update(rollout);
  EXPECT_DOUBLE_EQ(c.weight(0), 10 * std::exp(0.1));   // missed: up
  EXPECT_DOUBLE_EQ(c.weight(1), 10 * std::exp(-0.1));  // beat it: down
  EXPECT_DOUBLE_EQ(c.weight(2), 10);                    // no request: no evidence, kept
  // The row shows the rollout as run: pooled attainment, the weights it ran with.
  EXPECT_EQ(c.ColumnNames().size(), 8u);
  EXPECT_EQ(c.ColumnNames()[4], "rollout_slo_w1");
  ASSERT_EQ(row.size(), 8u);
  EXPECT_DOUBLE_EQ(row[0], 9950.0 / 10000);
  EXPECT_DOUBLE_EQ(row[1], 10);
  EXPECT_DOUBLE_EQ(row[2], 0.95);
  EXPECT_DOUBLE_EQ(row[4], 1.0);
  EXPECT_DOUBLE_EQ(c.Columns(rollout)[1], 10);  // geometric mean of 10e^0.1, 10e^-0.1 and 10
}

TEST(SloConstraintsTest, SaveAndRestoreEveryWeight) {
  auto c = SloConstraints::Create({.target = 0.99, .rate = 0.1}, "workload", 10, 2).value();
  c.Update(Rollout({Totals{100, 50}, Totals{100, 100}}));
  nlohmann::json state;
  c.Save(&state);
  auto d = SloConstraints::Create({.target = 0.99, .rate = 0.1}, "workload", 10, 2).value();
  d.Restore(state, 10);
  EXPECT_DOUBLE_EQ(d.weight(0), c.weight(0));
  EXPECT_DOUBLE_EQ(d.weight(1), c.weight(1));
  // A checkpoint from before scopes (one slo_weight) gives it to every workload.
  d.Restore(nlohmann::json{{"slo_weight", 42.0}}, 10);
  EXPECT_DOUBLE_EQ(d.weight(0), 42);
  EXPECT_DOUBLE_EQ(d.weight(1), 42);
}

TEST(SloConstraintsTest, BadScopeIsRefused) {
  auto c = SloConstraints::Create({.target = 0.99}, "scenario", 10, 2);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--slo-target-scope 'scenario'"), std::string::npos) << c.status().ToString();
}

}  // namespace
}  // namespace podpilot::rl
