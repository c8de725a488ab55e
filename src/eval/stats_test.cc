#include "eval/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace podpilot {
namespace {

// Two-sided 95 % critical values of Student's t, from the standard tables (e.g. NIST/SEMATECH
// e-Handbook, Table 1.4.2.3.2), to the 3 decimals tables print.
TEST(StatsTest, StudentTQuantileMatchesTables) {
  const struct { double dof, t; } table[] = {{1, 12.706}, {2, 4.303}, {3, 3.182}, {4, 2.776},
                                             {5, 2.571},  {9, 2.262}, {19, 2.093}, {30, 2.042}};
  for (const auto& row : table) {
    EXPECT_NEAR(StudentTQuantile(0.975, row.dof), row.t, 5e-4) << "dof " << row.dof;
  }
  // Symmetry, and the normal limit.
  EXPECT_NEAR(StudentTQuantile(0.025, 4), -2.776, 5e-4);
  EXPECT_NEAR(StudentTQuantile(0.975, 1e6), 1.960, 5e-4);
}

TEST(StatsTest, SummarizeGivesTheTInterval) {
  // 1..5: mean 3, s = sqrt(2.5) = 1.5811, se = 0.70711, half-width = 2.7764 * 0.70711 = 1.9632.
  SampleSummary s = Summarize({1, 2, 3, 4, 5});
  EXPECT_EQ(s.n, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_NEAR(s.stddev, 1.58114, 1e-5);
  EXPECT_NEAR(s.half_width, 1.96324, 1e-4);
  EXPECT_NEAR(s.low(), 1.03676, 1e-4);
  EXPECT_NEAR(s.high(), 4.96324, 1e-4);
  EXPECT_TRUE(s.has_interval());
}

TEST(StatsTest, TwoSamplesUseTheWideOneDegreeQuantile) {
  // 10 and 12: s = sqrt(2), se = 1, half-width = t(0.975, 1) = 12.706.
  SampleSummary s = Summarize({10, 12});
  EXPECT_DOUBLE_EQ(s.mean, 11.0);
  EXPECT_NEAR(s.half_width, 12.7062, 1e-3);
}

TEST(StatsTest, IdenticalSamplesHaveAZeroWidthInterval) {
  SampleSummary s = Summarize({0.25, 0.25, 0.25});
  EXPECT_DOUBLE_EQ(s.mean, 0.25);
  EXPECT_DOUBLE_EQ(s.half_width, 0.0);
}

TEST(StatsTest, OneSampleHasNoInterval) {
  SampleSummary s = Summarize({7});
  EXPECT_EQ(s.n, 1);
  EXPECT_DOUBLE_EQ(s.mean, 7);
  EXPECT_FALSE(s.has_interval());
  EXPECT_TRUE(std::isnan(s.half_width));
  SampleSummary e = Summarize({});
  EXPECT_EQ(e.n, 0);
  EXPECT_FALSE(e.has_interval());
}

TEST(StatsTest, LargeOffsetsDoNotLoseTheSpread) {
  // The two-pass variance keeps the spread of values that share many leading digits.
  SampleSummary s = Summarize({1e9 + 1, 1e9 + 2, 1e9 + 3});
  EXPECT_NEAR(s.stddev, 1.0, 1e-6);
}

}  // namespace
}  // namespace podpilot
