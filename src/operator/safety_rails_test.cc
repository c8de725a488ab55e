#include "operator/safety_rails.h"

#include <gtest/gtest.h>

namespace podpilot::op {
namespace {

TargetRef Bounds(int min, int max) {
  TargetRef t;
  t.name = "web";
  t.min_replicas = min;
  t.max_replicas = max;
  return t;
}

TEST(SafetyRailsTest, ClampsToBounds) {
  ScaleHistory h;
  auto r = ApplyRails(3, 50, Bounds(1, 10), {}, h, 0);
  EXPECT_EQ(r.replicas, 10);
  EXPECT_EQ(r.rails, std::vector<std::string>{"max"});
  r = ApplyRails(3, 0, Bounds(2, 10), {}, h, 0);
  EXPECT_EQ(r.replicas, 2);
  EXPECT_EQ(r.rails, std::vector<std::string>{"min"});
  r = ApplyRails(3, 5, Bounds(1, 10), {}, h, 0);
  EXPECT_EQ(r.replicas, 5);
  EXPECT_TRUE(r.rails.empty());
}

TEST(SafetyRailsTest, RateLimitsCountTheRollingMinute) {
  ScaleHistory h;
  RateLimits limits{3, 1};
  auto r = ApplyRails(2, 8, Bounds(1, 10), limits, h, 100);
  EXPECT_EQ(r.replicas, 5);  // +3 allowed this minute
  EXPECT_EQ(r.rails, std::vector<std::string>{"rate"});
  h.Record(100, 3);
  r = ApplyRails(5, 8, Bounds(1, 10), limits, h, 130);
  EXPECT_EQ(r.replicas, 5);  // budget spent until t = 160
  r = ApplyRails(5, 8, Bounds(1, 10), limits, h, 160.5);
  EXPECT_EQ(r.replicas, 8);
  // Down: one pod per minute.
  r = ApplyRails(8, 2, Bounds(1, 10), limits, h, 200);
  EXPECT_EQ(r.replicas, 7);
  h.Record(200, -1);
  EXPECT_EQ(h.ScaledDownWithinMinute(259), 1);
  EXPECT_EQ(h.ScaledDownWithinMinute(260.1), 0);
}

TEST(SafetyRailsTest, BoundsThenRate) {
  ScaleHistory h;
  auto r = ApplyRails(2, 100, Bounds(1, 10), RateLimits{4, 0}, h, 0);
  EXPECT_EQ(r.replicas, 6);
  EXPECT_EQ(r.rails, (std::vector<std::string>{"max", "rate"}));
  EXPECT_NE(r.note.find("4 pods/min"), std::string::npos);
}

}  // namespace
}  // namespace podpilot::op
