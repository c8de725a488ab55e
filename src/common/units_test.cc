#include "common/units.h"

#include <gtest/gtest.h>

namespace podpilot {
namespace {

TEST(UnitsTest, CpuQuantities) {
  EXPECT_DOUBLE_EQ(*ParseCpu("250m"), 0.25);
  EXPECT_DOUBLE_EQ(*ParseCpu("2"), 2.0);
  EXPECT_DOUBLE_EQ(*ParseCpu("0.5"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseCpu("123456789n"), 0.123456789);  // metrics.k8s.io nanocores
  EXPECT_DOUBLE_EQ(*ParseCpu("1500u"), 0.0015);
  EXPECT_FALSE(ParseCpu("").ok());
  EXPECT_FALSE(ParseCpu("abc").ok());
  auto bad = ParseCpu("2Gi");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'Gi'"), std::string::npos);
}

TEST(UnitsTest, MemoryQuantities) {
  EXPECT_DOUBLE_EQ(*ParseBytes("300Mi"), 300.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*ParseBytes("1Gi"), 1024.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*ParseBytes("512M"), 512e6);
  EXPECT_DOUBLE_EQ(*ParseBytes("1e6"), 1e6);
  EXPECT_DOUBLE_EQ(*ParseBytes("128974848"), 128974848.0);
  EXPECT_FALSE(ParseBytes("12Qi").ok());
  EXPECT_FALSE(ParseBytes("Mi").ok());
}

// resource.Quantity's grammar: every suffix, a sign, an exponent or a suffix but not both.
TEST(UnitsTest, MemoryQuantitiesFollowKubernetesGrammar) {
  EXPECT_DOUBLE_EQ(*ParseBytes("2Pi"), 2.0 * 1024 * 1024 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*ParseBytes("1Ei"), 1152921504606846976.0);
  EXPECT_DOUBLE_EQ(*ParseBytes("3P"), 3e15);
  EXPECT_DOUBLE_EQ(*ParseBytes("1E"), 1e18);  // exa, not an exponent
  EXPECT_DOUBLE_EQ(*ParseBytes("1E3"), 1e3);  // an exponent
  EXPECT_DOUBLE_EQ(*ParseBytes("5e-1"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseBytes("1e+3"), 1e3);
  EXPECT_DOUBLE_EQ(*ParseBytes("500m"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseBytes("2500u"), 0.0025);
  EXPECT_DOUBLE_EQ(*ParseBytes("7n"), 7e-9);
  EXPECT_DOUBLE_EQ(*ParseBytes("+5"), 5);
  EXPECT_DOUBLE_EQ(*ParseBytes("-1.5k"), -1500);
  EXPECT_DOUBLE_EQ(*ParseBytes(".5Gi"), 0.5 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*ParseBytes("5.Mi"), 5.0 * 1024 * 1024);
  for (const char* bad : {"1e3k", "1e3.5", "1ee3", "1K", "1ki", "+", "-.", "1.2.3", "--1", "1 Mi", "1e"}) {
    EXPECT_FALSE(ParseBytes(bad).ok()) << bad;
  }
  EXPECT_DOUBLE_EQ(*ParseCpu("+250m"), 0.25);
  EXPECT_DOUBLE_EQ(*ParseCpu("2.5e-1"), 0.25);
  EXPECT_FALSE(ParseCpu("1e3m").ok());
}

TEST(UnitsTest, Durations) {
  EXPECT_DOUBLE_EQ(*ParseDuration("15s"), 15);
  EXPECT_DOUBLE_EQ(*ParseDuration("5m"), 300);
  EXPECT_DOUBLE_EQ(*ParseDuration("2h"), 7200);
  EXPECT_DOUBLE_EQ(*ParseDuration("30d"), 30 * 86400.0);
  EXPECT_DOUBLE_EQ(*ParseDuration("1w"), 7 * 86400.0);
  EXPECT_DOUBLE_EQ(*ParseDuration("90"), 90);
  EXPECT_DOUBLE_EQ(*ParseDuration("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(*ParseDuration("1h30m"), 5400);
  EXPECT_DOUBLE_EQ(*ParseDuration("250ms"), 0.25);
  EXPECT_FALSE(ParseDuration("-5s").ok());
  EXPECT_FALSE(ParseDuration("5 parsecs").ok());
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_EQ(FormatDuration(90061), "1d1h1m1s");
}

}  // namespace
}  // namespace podpilot
