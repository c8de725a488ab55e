// Trigger -> HPA metric translation and activation (baselines.md 4.2, vector E8) and the fallback
// metric (upstream pkg/fallback/fallback_test.go, vector E5).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "policy/keda/keda_fallback.h"
#include "policy/keda/keda_metric.h"

namespace podpilot::keda {
namespace {

// E8 (derived from prometheus_scaler.go): value > activationThreshold, strictly.
TEST(KedaMetric, ActivationIsStrict) {
  EXPECT_FALSE(IsTriggerActive(5, 5));
  EXPECT_TRUE(IsTriggerActive(5.001, 5));
  EXPECT_FALSE(IsTriggerActive(0, 0));  // default activation 0: any positive value activates
  EXPECT_TRUE(IsTriggerActive(0.001, 0));
}

TEST(KedaMetric, TargetHasThreeDecimalMilliPrecision) {
  EXPECT_EQ(TargetMilli(50), 50000);
  EXPECT_EQ(TargetMilli(2.15), 2150);
  EXPECT_EQ(TargetMilli(0.0004), 0);      // "%.3f" -> "0.000"
  EXPECT_EQ(TargetMilli(1.23456), 1235);  // rounded, not truncated
}

TEST(KedaMetric, AdapterSanitisesAndTruncatesValues) {
  EXPECT_EQ(MetricValueMilli(95), 95000);
  EXPECT_EQ(MetricValueMilli(1.2349), 1234);  // GenerateMetricInMili truncates
  EXPECT_EQ(MetricValueMilli(-3), 0);
  EXPECT_EQ(MetricValueMilli(std::nan("")), 0);
  EXPECT_EQ(MetricValueMilli(std::numeric_limits<double>::infinity()), 0);
  EXPECT_EQ(ExternalMetricName(0, "request_rate"), "s0-request_rate");
}

ScaledObjectSpec WithFallback(FallbackBehavior behavior) {
  ScaledObjectSpec s;
  s.fallback = FallbackSpec{3, 10, behavior};
  return s;
}

// E5: "should return a normalised metric when number of failures are beyond threshold".
TEST(KedaFallback, ReturnsNormalisedMetricBeyondThreshold) {
  ScaledObjectSpec s = WithFallback(FallbackBehavior::kStatic);
  EXPECT_FALSE(ShouldFallBack(s, 3));  // failures must exceed the threshold
  EXPECT_TRUE(ShouldFallBack(s, 4));
  EXPECT_EQ(FallbackMetricMilli(10, MetricType::kAverageValue, *s.fallback, 6, 6), 100000);  // 100
}

// E5: behavior currentReplicas with 6 current replicas -> 60.
TEST(KedaFallback, CurrentReplicasBehavior) {
  ScaledObjectSpec s = WithFallback(FallbackBehavior::kCurrentReplicas);
  EXPECT_EQ(FallbackMetricMilli(10, MetricType::kAverageValue, *s.fallback, 6, 6), 60000);
}

// E5: behavior static -> 100.
TEST(KedaFallback, StaticBehavior) {
  ScaledObjectSpec s = WithFallback(FallbackBehavior::kStatic);
  EXPECT_EQ(FallbackMetricMilli(10, MetricType::kAverageValue, *s.fallback, 6, 6), 100000);
}

TEST(KedaFallback, IfHigherIfLowerAndValueTargets) {
  FallbackSpec higher{3, 10, FallbackBehavior::kCurrentReplicasIfHigher};
  FallbackSpec lower{3, 10, FallbackBehavior::kCurrentReplicasIfLower};
  EXPECT_EQ(FallbackReplicas(higher, 6), 10);
  EXPECT_EQ(FallbackReplicas(higher, 12), 12);
  EXPECT_EQ(FallbackReplicas(lower, 6), 6);
  EXPECT_EQ(FallbackReplicas(lower, 12), 10);
  // Value targets divide by the ready replicas so the HPA's x ready lands on R.
  FallbackSpec fixed{3, 10, FallbackBehavior::kStatic};
  EXPECT_EQ(FallbackMetricMilli(10, MetricType::kValue, fixed, 6, 4), 25000);
  EXPECT_FALSE(ShouldFallBack(ScaledObjectSpec{}, 100));  // no fallback configured
}

}  // namespace
}  // namespace podpilot::keda
