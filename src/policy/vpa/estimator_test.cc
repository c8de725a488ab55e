// Upstream logic/estimator_test.go and logic/recommender_test.go (vectors R5, R6 of baselines.md
// 2.7) and the derived end-to-end vector R7.
#include <gtest/gtest.h>

#include "policy/vpa/container_state.h"
#include "policy/vpa/estimator.h"

namespace podpilot::vpa {
namespace {

constexpr double kT0 = 1700000000.0;
constexpr double kMinute = 60.0;

// Nine CPU samples two minutes apart (upstream's confidence fixture).
AggregateContainerState NineSamplesTwoMinutesApart() {
  AggregateContainerState s;
  for (int i = 0; i < 9; ++i) s.AddSample({kT0 + i * 2 * kMinute, 1000, 0, ResourceKind::kCpu});
  return s;
}

// R5: confidence 9/1440 = 0.00625 with a 24 h interval; multiplier 0.1, exponent 2 -> x289.
TEST(Estimator, TestConfidenceMultiplier) {
  AggregateContainerState s = NineSamplesTwoMinutesApart();
  double conf = GetConfidence(s, 24 * 3600.0);
  EXPECT_DOUBLE_EQ(conf, 9.0 / 1440.0);
  EXPECT_EQ(WithConfidenceMultiplier(CpuAmountFromCores(3.14), 0.1, 2.0, conf), 907460);  // 907.46 cores
  EXPECT_EQ(WithConfidenceMultiplier(MemoryAmountFromBytes(3.14e9), 0.1, 2.0, conf), 907460000000);
}

// R5 with --confidence-interval 18 min: span 16/18, samples 9/18 -> 0.5; x1.44, truncated.
TEST(Estimator, TestConfidenceMultiplierWithCustomInterval) {
  AggregateContainerState s = NineSamplesTwoMinutesApart();
  double conf = GetConfidence(s, 18 * kMinute);
  EXPECT_DOUBLE_EQ(conf, 0.5);
  EXPECT_EQ(WithConfidenceMultiplier(CpuAmountFromCores(3.14), 0.1, 2.0, conf), 4521);  // 4521.6 -> 4521 m
  EXPECT_EQ(WithConfidenceMultiplier(MemoryAmountFromBytes(3.14e9), 0.1, 2.0, conf), 4521600000);
}

// R5: no history -> confidence 0 -> +Inf inside the power.
TEST(Estimator, TestConfidenceMultiplierNoHistory) {
  AggregateContainerState empty;
  double conf = GetConfidence(empty, 24 * 3600.0);
  EXPECT_EQ(conf, 0.0);
  EXPECT_EQ(WithConfidenceMultiplier(CpuAmountFromCores(3.14), 1.0, 1.0, conf), kMaxResourceAmount);
  EXPECT_EQ(WithConfidenceMultiplier(CpuAmountFromCores(3.14), 1.0, -1.0, conf), 0);
  EXPECT_EQ(WithConfidenceMultiplier(MemoryAmountFromBytes(3.14e9), 1.0, 1.0, conf), kMaxResourceAmount);
  EXPECT_EQ(WithConfidenceMultiplier(MemoryAmountFromBytes(3.14e9), 1.0, -1.0, conf), 0);
}

// R6: margin 0.1 on 3.14 cores / 3.14e9 bytes.
TEST(Estimator, TestMarginEstimator) {
  EXPECT_EQ(WithMargin(CpuAmountFromCores(3.14), 0.1), 3454);
  EXPECT_EQ(WithMargin(MemoryAmountFromBytes(3.14e9), 0.1), 3454000000);
}

// Tiny usage: every bound of a single container falls back to the pod minimum.
AggregateContainerState TinyUsage() {
  AggregateContainerState s;
  for (int i = 0; i < 10; ++i) s.AddSample({kT0 + i * kMinute, 1, 0, ResourceKind::kCpu});  // 1 m
  s.AddSample({kT0 + 24 * 3600.0, 1000000, 0, ResourceKind::kMemory});                       // 1e6 B
  return s;
}

// R6: one container -> 25 m and 262,144,000 B.
TEST(Recommender, TestMinResourcesApplied) {
  RecommendedContainerResources r = EstimateContainerResources(TinyUsage(), 1, {});
  for (const ResourcePair& p : {r.target, r.lower_bound}) {
    EXPECT_EQ(p.cpu, 25);
    EXPECT_EQ(p.memory, 262144000);
  }
}

// R6: two containers -> 12 m (12.5 truncated) and 131,072,000 B each.
TEST(Recommender, TestMinResourcesSplitAcrossContainers) {
  ResourcePair min = MinResourcesPerContainer({}, 2);
  EXPECT_EQ(min.cpu, 12);
  EXPECT_EQ(min.memory, 131072000);
  RecommendedContainerResources r = EstimateContainerResources(TinyUsage(), 2, {});
  EXPECT_EQ(r.target.cpu, 12);
  EXPECT_EQ(r.target.memory, 131072000);
}

// R7 (derived): one day of one-per-minute 0.5-core samples and a single 1 GiB memory peak.
AggregateContainerState OneDayAtHalfCore(double memory_bytes) {
  AggregateContainerState agg;
  ContainerState c(&agg);
  for (int i = 0; i < 1440; ++i) {
    double t = kT0 + i * kMinute;
    EXPECT_TRUE(c.AddSample({t, CpuAmountFromCores(0.5), 0, ResourceKind::kCpu}));
    EXPECT_TRUE(c.AddSample({t, MemoryAmountFromBytes(memory_bytes), 0, ResourceKind::kMemory}));
  }
  return agg;
}

TEST(Recommender, EndToEndOneDayOfSteadyUsage) {
  AggregateContainerState agg = OneDayAtHalfCore(1073741824.0);
  EXPECT_NEAR(GetConfidence(agg, 24 * 3600.0), 1439.0 / 1440.0, 1e-12);
  RecommendedContainerResources r = EstimateContainerResources(agg, 1, {});
  EXPECT_EQ(r.target.cpu, 587);  // bucket 25 -> 511 m, + 76 margin
  EXPECT_EQ(r.lower_bound.cpu, 585);
  EXPECT_EQ(r.upper_bound.cpu, 1174);
  EXPECT_EQ(r.target.memory, 1238659775);  // 1,077,095,457 + 161,564,318
  EXPECT_EQ(r.lower_bound.memory, 1236184450);
  EXPECT_EQ(r.upper_bound.memory, 2478180328);
}

TEST(Recommender, EndToEndSmallMemoryFallsBackToMinimum) {
  RecommendedContainerResources r = EstimateContainerResources(OneDayAtHalfCore(200.0 * 1024 * 1024), 1, {});
  EXPECT_EQ(r.target.memory, 262144000);  // 215,785,635 + margin = 248,153,480 < 250 MiB
  EXPECT_EQ(r.target.cpu, 587);
}

// Longer history tightens the bounds (2.5 reference multipliers: upper x2 at 24 h, x3 at 12 h).
TEST(Recommender, BoundsTightenWithHistory) {
  AggregateContainerState half_day;
  for (int i = 0; i <= 720; ++i) half_day.AddSample({kT0 + i * kMinute, 500, 0, ResourceKind::kCpu});
  RecommendedContainerResources r = EstimateContainerResources(half_day, 1, {});
  EXPECT_NEAR(static_cast<double>(r.upper_bound.cpu) / r.target.cpu, 3.0, 0.01);
  AggregateContainerState day = OneDayAtHalfCore(1073741824.0);
  RecommendedContainerResources d = EstimateContainerResources(day, 1, {});
  EXPECT_NEAR(static_cast<double>(d.upper_bound.cpu) / d.target.cpu, 2.0, 0.01);
  EXPECT_LT(d.upper_bound.cpu, r.upper_bound.cpu);
  EXPECT_GE(d.lower_bound.cpu, r.lower_bound.cpu);
}

}  // namespace
}  // namespace podpilot::vpa
