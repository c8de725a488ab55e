#include "policy/policy_spec.h"

#include <gtest/gtest.h>

namespace podpilot {
namespace {

TEST(PolicySpecTest, ParsesNameAndParameters) {
  auto p = ParsePolicySpec("hpa:cpu=50,behavior=default");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name(), "hpa");
  EXPECT_DOUBLE_EQ(*p->GetDouble("cpu", 80, 1, 1000), 50);
  EXPECT_EQ(*p->GetString("behavior", "none"), "default");
  EXPECT_EQ(*p->GetInt("min", 1, 0, 10), 1);
  EXPECT_TRUE(p->CheckAllUsed().ok());
  auto bare = ParsePolicySpec("static");
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->values().empty());
}

TEST(PolicySpecTest, RefusesMalformedAndUnknown) {
  EXPECT_FALSE(ParsePolicySpec(":cpu=5").ok());
  EXPECT_FALSE(ParsePolicySpec("hpa:cpu").ok());
  EXPECT_FALSE(ParsePolicySpec("hpa:cpu=1,cpu=2").ok());
  auto p = ParsePolicySpec("hpa:cpu=abc,cpuu=3");
  ASSERT_TRUE(p.ok());
  auto v = p->GetDouble("cpu", 80, 1, 1000);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("cpu=abc"), std::string::npos);
  Status unused = p->CheckAllUsed();
  ASSERT_FALSE(unused.ok());
  EXPECT_NE(unused.message().find("cpuu"), std::string::npos);
  auto range = ParsePolicySpec("hpa:cpu=5000");
  EXPECT_FALSE(range->GetDouble("cpu", 80, 1, 1000).ok());
  auto dur = ParsePolicySpec("x:window=5m,bad=5x");
  EXPECT_DOUBLE_EQ(*dur->GetDuration("window", 0, 0, 1e6), 300);
  EXPECT_FALSE(dur->GetDuration("bad", 0, 0, 1e6).ok());
}

}  // namespace
}  // namespace podpilot
