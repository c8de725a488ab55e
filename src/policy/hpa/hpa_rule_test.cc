#include "policy/hpa/hpa_rule.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace podpilot::hpa {
namespace {

TEST(PlainHpaRuleTest, ScalesByTheUsageRatio) {
  EXPECT_EQ(*PlainHpaRule(3, 0.8, 0.5), 5);     // ceil(3 x 1.6) = ceil(4.8)
  EXPECT_EQ(*PlainHpaRule(10, 0.2, 0.5), 4);    // ceil(10 x 0.4)
  EXPECT_EQ(*PlainHpaRule(4, 30.0, 20.0), 6);   // requests/s per pod work the same way
}

TEST(PlainHpaRuleTest, ToleranceBandKeepsCurrentInclusively) {
  EXPECT_EQ(*PlainHpaRule(7, 0.55, 0.5), 7);  // ratio 1.1: on the bound, kept
  EXPECT_EQ(*PlainHpaRule(7, 0.45, 0.5), 7);  // ratio 0.9: on the bound, kept
  EXPECT_EQ(*PlainHpaRule(7, 0.56, 0.5), 8);  // ceil(7.84)
  EXPECT_EQ(*PlainHpaRule(7, 0.56, 0.5, Tolerances{0.1, 0.2}), 7);  // per-direction tolerance
  EXPECT_EQ(*PlainHpaRule(7, 0.4, 0.5, Tolerances{0.3, 0.1}), 7);
  EXPECT_EQ(*PlainHpaRule(7, 0.4, 0.5, Tolerances{0.1, 0.1}), 6);   // ceil(5.6)
}

TEST(PlainHpaRuleTest, ZeroCurrentStaysZeroAndLargeResultsSaturate) {
  EXPECT_EQ(*PlainHpaRule(0, 5.0, 0.5), 0);
  EXPECT_EQ(*PlainHpaRule(1000, 1e12, 1.0), std::numeric_limits<int32_t>::max());
}

TEST(PlainHpaRuleTest, RejectsInvalidInputs) {
  EXPECT_FALSE(PlainHpaRule(3, 0.5, 0).ok());
  EXPECT_FALSE(PlainHpaRule(3, 0.5, -1).ok());
  EXPECT_FALSE(PlainHpaRule(3, -0.1, 0.5).ok());
  EXPECT_FALSE(PlainHpaRule(3, std::nan(""), 0.5).ok());
  EXPECT_FALSE(PlainHpaRule(3, 0.5, std::numeric_limits<double>::infinity()).ok());
  EXPECT_FALSE(PlainHpaRule(-1, 0.5, 0.5).ok());
  auto r = PlainHpaRule(3, 0.5, 0);
  EXPECT_NE(r.status().message().find("target"), std::string::npos);
}

}  // namespace
}  // namespace podpilot::hpa
