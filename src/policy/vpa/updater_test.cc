// Upstream updater tests (vectors U1-U3 of baselines.md 2.7): priority_processor_test.go,
// update_priority_calculator_test.go and restriction/pods_eviction_restriction_test.go.
#include <gtest/gtest.h>

#include "policy/vpa/eviction_restriction.h"
#include "policy/vpa/update_priority.h"

namespace podpilot::vpa {
namespace {

constexpr const char* kC1 = "test-container";
constexpr const char* kC2 = "test-container-2";

// Quantities as the upstream fixture writes them, in milli-units.
int64_t Cores(double c) { return static_cast<int64_t>(c * 1000); }
int64_t MegaBytes(double mb) { return static_cast<int64_t>(mb * 1e6 * 1000); }

ContainerRequests Req(const char* name, std::optional<int64_t> cpu, std::optional<int64_t> mem = std::nullopt) {
  return {name, cpu, mem};
}

ResourceRecommendation Rec(int64_t target, std::optional<int64_t> lower = std::nullopt,
                           std::optional<int64_t> upper = std::nullopt) {
  return {target, lower, upper};
}

struct PriorityCase {
  const char* name;
  std::vector<ContainerRequests> pod;
  std::vector<ContainerRecommendation> rec;
  PodPriority expected;
};

// U1: every case of TestGetUpdatePriority.
TEST(PriorityProcessor, TestGetUpdatePriority) {
  const std::vector<PriorityCase> cases = {
      {"simple scale up", {Req(kC1, Cores(2))}, {{kC1, Rec(Cores(10)), {}}}, {false, true, 4.0}},
      {"simple scale down", {Req(kC1, Cores(4))}, {{kC1, Rec(Cores(2)), {}}}, {false, false, 0.5}},
      {"no resource diff", {Req(kC1, Cores(2))}, {{kC1, Rec(Cores(2)), {}}}, {false, false, 0.0}},
      {"scale up on milliquantities", {Req(kC1, 10)}, {{kC1, Rec(900), {}}}, {false, true, 89.0}},
      {"scale up outside recommended range", {Req(kC1, Cores(4))},
       {{kC1, Rec(Cores(10), Cores(6), Cores(14)), {}}}, {true, true, 1.5}},
      {"scale down outside recommended range", {Req(kC1, Cores(8))},
       {{kC1, Rec(Cores(2), Cores(1), Cores(3)), {}}}, {true, false, 0.75}},
      {"multiple resources, both scale up", {Req(kC1, Cores(3), MegaBytes(10))},
       {{kC1, Rec(Cores(6)), Rec(MegaBytes(20))}}, {false, true, 2.0}},
      {"multiple resources, only one scale up", {Req(kC1, Cores(4), MegaBytes(10))},
       {{kC1, Rec(Cores(2)), Rec(MegaBytes(20))}}, {false, true, 1.5}},
      {"multiple resources, both scale down", {Req(kC1, Cores(4), MegaBytes(20))},
       {{kC1, Rec(Cores(2)), Rec(MegaBytes(10))}}, {false, false, 1.0}},
      {"multiple resources, one outside recommended range", {Req(kC1, Cores(4), MegaBytes(20))},
       {{kC1, Rec(Cores(2), Cores(1), Cores(3)), Rec(MegaBytes(10), MegaBytes(5), MegaBytes(30))}},
       {true, false, 1.0}},
      {"multiple containers, both scale up", {Req(kC1, Cores(1)), Req(kC2, Cores(2))},
       {{kC1, Rec(Cores(4)), {}}, {kC2, Rec(Cores(8)), {}}}, {false, true, 3.0}},
      {"multiple containers, both scale down", {Req(kC1, Cores(3)), Req(kC2, Cores(7))},
       {{kC1, Rec(Cores(1)), {}}, {kC2, Rec(Cores(2)), {}}}, {false, false, 0.7}},
      {"multiple containers, both scale up, one outside range", {Req(kC1, Cores(1)), Req(kC2, Cores(2))},
       {{kC1, Rec(Cores(4), Cores(1)), {}}, {kC2, Rec(Cores(8), Cores(3), Cores(10)), {}}}, {true, true, 3.0}},
      {"multiple containers, multiple resources",
       {Req(kC1, Cores(6), MegaBytes(10)), Req(kC2, Cores(4), MegaBytes(30))},
       {{kC1, Rec(Cores(8)), Rec(MegaBytes(20))}, {kC2, Rec(Cores(7)), Rec(MegaBytes(30))}},
       {false, true, 0.75}},
  };
  for (const auto& c : cases) {
    PodPriority p = GetUpdatePriority(c.pod, c.rec);
    EXPECT_EQ(p.outside_recommended_range, c.expected.outside_recommended_range) << c.name;
    EXPECT_EQ(p.scale_up, c.expected.scale_up) << c.name;
    EXPECT_NEAR(p.resource_diff, c.expected.resource_diff, 1e-12) << c.name;
  }
}

TEST(PriorityProcessor, TestGetUpdatePriority_NoRecommendationForContainer) {
  PodPriority p = GetUpdatePriority({Req(kC1, Cores(5), 10)}, {});
  EXPECT_EQ(p.resource_diff, 0.0);
  EXPECT_FALSE(p.scale_up);
}

TEST(PriorityProcessor, MissingRequestCountsAsScaleUpOutsideRange) {
  PodPriority p = GetUpdatePriority({Req(kC1, std::nullopt)}, {{kC1, Rec(Cores(1)), {}}});
  EXPECT_TRUE(p.scale_up);
  EXPECT_TRUE(p.outside_recommended_range);
  EXPECT_DOUBLE_EQ(p.resource_diff, 999.0);  // |max(0, 1) - 1000| / 1
}

constexpr double kStart = 1000000.0;
constexpr double kHour = 3600.0;

UpdateCandidate Pod(const char* id, PodPriority prio, std::optional<double> oom_run = std::nullopt) {
  return {id, prio, kStart, oom_run};
}

std::vector<std::string> Ids(const std::vector<UpdateCandidate>& pods) {
  std::vector<std::string> ids;
  for (const auto& p : pods) ids.push_back(p.id);
  return ids;
}

TEST(UpdatePriorityCalculator, TestSortPriority) {
  UpdatePriorityCalculator calc;
  double now = kStart + 24 * kHour;
  calc.AddPod(Pod("POD1", {false, false, 4.0}), now);
  calc.AddPod(Pod("POD2", {false, false, 1.5}), now);
  calc.AddPod(Pod("POD3", {false, false, 9.0}), now);
  calc.AddPod(Pod("POD4", {false, false, 2.33}), now);
  EXPECT_EQ(Ids(calc.GetSortedPods()), (std::vector<std::string>{"POD3", "POD1", "POD4", "POD2"}));
}

TEST(UpdatePriorityCalculator, TestSortPriorityResourcesDecrease) {
  UpdatePriorityCalculator calc;
  double now = kStart + 24 * kHour;
  calc.AddPod(Pod("POD1", {false, true, 0.25}), now);
  calc.AddPod(Pod("POD2", {false, false, 0.25}), now);
  calc.AddPod(Pod("POD3", {false, false, 0.5}), now);
  EXPECT_EQ(Ids(calc.GetSortedPods()), (std::vector<std::string>{"POD1", "POD3", "POD2"}));
}

TEST(UpdatePriorityCalculator, TestUpdateNotRequired) {
  UpdatePriorityCalculator calc;
  EXPECT_FALSE(calc.AddPod(Pod("POD1", {false, false, 0.0}), kStart + 24 * kHour));
  EXPECT_TRUE(calc.GetSortedPods().empty());
}

// U2: at 13 h, in-range pods need diff >= 0.5; the out-of-range pod always goes.
TEST(UpdatePriorityCalculator, TestUpdateLonglivedPods) {
  UpdatePriorityCalculator calc({0.5, 12 * kHour, 600});
  double now = kStart + 13 * kHour;
  calc.AddPod(Pod("POD1", {false, true, 0.25}), now);
  calc.AddPod(Pod("POD2", {false, true, 4.0}), now);
  calc.AddPod(Pod("POD3", {true, false, 0.25}), now);
  EXPECT_EQ(Ids(calc.GetSortedPods()), (std::vector<std::string>{"POD2", "POD3"}));
}

// U2: at 11 h only pods outside the recommended range are updated.
TEST(UpdatePriorityCalculator, TestUpdateShortlivedPods) {
  UpdatePriorityCalculator calc({0.5, 12 * kHour, 600});
  double now = kStart + 11 * kHour;
  calc.AddPod(Pod("POD1", {false, true, 0.25}), now);
  calc.AddPod(Pod("POD2", {false, true, 0.0}), now);
  calc.AddPod(Pod("POD3", {true, false, 0.9}), now);
  EXPECT_EQ(Ids(calc.GetSortedPods()), (std::vector<std::string>{"POD3"}));
}

// U2: OOMKilled after 2 min of running (< 10 min) admits a young in-range pod.
TEST(UpdatePriorityCalculator, TestUpdatePodWithQuickOOM) {
  UpdatePriorityCalculator calc({0.5, 12 * kHour, 600});
  EXPECT_TRUE(calc.AddPod(Pod("POD1", {false, true, 0.25}, /*oom_run=*/2 * 60.0), kStart + 11 * kHour));
}

TEST(UpdatePriorityCalculator, TestDontUpdatePodWithQuickOOMNoResourceChange) {
  UpdatePriorityCalculator calc({0.1, 12 * kHour, 600});
  EXPECT_FALSE(calc.AddPod(Pod("POD1", {false, true, 0.0}, 2 * 60.0), kStart + 11 * kHour));
}

TEST(UpdatePriorityCalculator, TestDontUpdatePodWithOOMAfterLongRun) {
  UpdatePriorityCalculator calc({0.5, 12 * kHour, 600});
  EXPECT_FALSE(calc.AddPod(Pod("POD1", {false, true, 0.0}, 57 * 60.0), kStart + 11 * kHour));
}

TEST(UpdatePriorityCalculator, PodWithoutStartTimeIsNotUpdatedInRange) {
  UpdatePriorityCalculator calc;
  UpdateCandidate p{"POD1", {false, true, 5.0}, std::nullopt, std::nullopt};
  EXPECT_FALSE(calc.AddPod(p, kStart + 100 * kHour));
  p.priority.outside_recommended_range = true;
  EXPECT_TRUE(calc.AddPod(p, kStart + 100 * kHour));
}

// U3: 5 configured, 5 running, tolerance 0.8 -> int(4.0) = 4 evictions, the fifth refused.
TEST(EvictionRestriction, TestEvictionTolerance) {
  auto r = EvictionRestriction::ForGroup(5, 0, 5, 2, 0.8);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->tolerance(), 4);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(r->CanEvict(false)) << "eviction " << i;
    r->RecordEviction(false);
  }
  EXPECT_FALSE(r->CanEvict(false));
}

// U3: tolerance 0.1 -> int(0.5) = 0, yet exactly one eviction is allowed.
TEST(EvictionRestriction, TestEvictAtLeastOne) {
  auto r = EvictionRestriction::ForGroup(5, 0, 5, 2, 0.1);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->tolerance(), 0);
  ASSERT_TRUE(r->CanEvict(false));
  r->RecordEviction(false);
  EXPECT_FALSE(r->CanEvict(false));
}

TEST(EvictionRestriction, TestEvictTooFewReplicas) {
  EXPECT_FALSE(EvictionRestriction::ForGroup(1, 0, 1, 2, 0.5).has_value());
  EXPECT_TRUE(EvictionRestriction::ForGroup(1, 0, 1, 1, 0.5).has_value());  // per-VPA minReplicas 1
}

TEST(EvictionRestriction, PendingPodsAreAlwaysEvictableAndDoNotCount) {
  // 3 configured, 2 running + 1 pending, tolerance int(1.5) = 1: running 2 > 3 - 1 fails already.
  auto r = EvictionRestriction::ForGroup(3, 1, 3, 2, 0.5);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->CanEvict(false));
  EXPECT_TRUE(r->CanEvict(true));
  r->RecordEviction(true);
  EXPECT_EQ(r->evicted(), 0);
}

TEST(EvictionRateLimiter, TokenBucketRefillsAtRateUpToBurst) {
  EvictionRateLimiter disabled;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(disabled.Allow(0));
  EvictionRateLimiter limiter(0.5, 2);  // one token every 2 s, burst 2
  EXPECT_TRUE(limiter.Allow(0));
  EXPECT_TRUE(limiter.Allow(0));
  EXPECT_FALSE(limiter.Allow(0));
  EXPECT_FALSE(limiter.Allow(1));  // half a token
  EXPECT_TRUE(limiter.Allow(2));
  EXPECT_TRUE(limiter.Allow(100));
  EXPECT_TRUE(limiter.Allow(100));
  EXPECT_FALSE(limiter.Allow(100));  // burst caps the refill
}

}  // namespace
}  // namespace podpilot::vpa
