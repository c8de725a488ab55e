// The HPA KEDA generates (baselines.md 4.2 and 1.5(c)/(d), 1.6, 1.7): vector E7 and the H8a/H8b
// patterns, run against both KedaHpa implementations (podpilot's HPA controller and the
// written-out formulas) so the wiring to src/policy/hpa is checked against the spec.
#include <gtest/gtest.h>

#include "policy/keda/keda_hpa.h"
#include "policy/keda/keda_metric.h"

namespace podpilot::keda {
namespace {

class KedaHpaTest : public ::testing::TestWithParam<bool> {
 protected:
  std::unique_ptr<KedaHpa> Make() { return GetParam() ? MakePlainKedaHpa() : MakeHpaCoreKedaHpa("keda-hpa-so"); }

  static KedaHpaInput Input(Time now, int32_t spec, int32_t status, int32_t ready, std::optional<int64_t> value,
                            int64_t target, MetricType type = MetricType::kAverageValue) {
    return {now, spec, status, ready, 1, 100, {{"s0-queue", value, target, type}}};
  }
};

// E7: queue 95 vs AverageValue 10 with 3 pods: ratio 95 / 30 = 3.1667 -> proposal ceil(9.5) = 10;
// the legacy scale-up cap max(2 x 3, 4) = 6 limits this reconcile.
TEST_P(KedaHpaTest, AverageValueProposesValueOverTarget) {
  auto hpa = Make();
  KedaHpaResult r = hpa->Reconcile(Input(0, 3, 3, 3, MetricValueMilli(95), TargetMilli(10)));
  EXPECT_EQ(r.proposal, 10);
  EXPECT_EQ(r.desired_replicas, 6);
  EXPECT_TRUE(r.rescaled);
  // Next sync at 6 pods: 95 / 60 = 1.58 -> 10, within the cap of 12.
  r = hpa->Reconcile(Input(15, 6, 6, 6, MetricValueMilli(95), TargetMilli(10)));
  EXPECT_EQ(r.desired_replicas, 10);
}

// E7: with 9 pods the ratio 95 / 90 = 1.0556 is within tolerance: stays 9.
TEST_P(KedaHpaTest, AverageValueWithinToleranceKeepsStatusReplicas) {
  auto hpa = Make();
  KedaHpaResult r = hpa->Reconcile(Input(0, 9, 9, 9, MetricValueMilli(95), TargetMilli(10)));
  EXPECT_EQ(r.proposal, 9);
  EXPECT_EQ(r.desired_replicas, 9);
  EXPECT_FALSE(r.rescaled);
}

// H8a pattern: 8600m vs 2150m per pod, status 3 -> 4 (the AverageValue path ignores readiness).
TEST_P(KedaHpaTest, TestReplicaCalcScaleUpPerPodCMExternal) {
  auto hpa = Make();
  KedaHpaResult r = hpa->Reconcile(Input(0, 3, 3, 0, 8600, 2150));
  EXPECT_EQ(r.proposal, 4);
  EXPECT_EQ(r.desired_replicas, 4);
}

// H8b pattern: Value target 4400m, usage 8600m, current 3 with one ready pod -> ceil(1.9545) = 2.
TEST_P(KedaHpaTest, TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods) {
  auto hpa = Make();
  KedaHpaResult r = hpa->Reconcile(Input(0, 3, 3, 1, 8600, 4400, MetricType::kValue));
  EXPECT_EQ(r.proposal, 2);
}

// The legacy path holds scale-downs for the 300 s window (seeded with the current count).
TEST_P(KedaHpaTest, ScaleDownWaitsForTheStabilizationWindow) {
  auto hpa = Make();
  EXPECT_EQ(hpa->Reconcile(Input(0, 5, 5, 5, MetricValueMilli(10), TargetMilli(10))).desired_replicas, 5);
  EXPECT_EQ(hpa->Reconcile(Input(150, 5, 5, 5, MetricValueMilli(10), TargetMilli(10))).desired_replicas, 5);
  // The seed (5 @ 0) is still inside the window at 300 s (entries strictly before now - 300 are old)...
  EXPECT_EQ(hpa->Reconcile(Input(300, 5, 5, 5, MetricValueMilli(10), TargetMilli(10))).desired_replicas, 5);
  // ...and out of it at 301 s: every recommendation left is 1.
  KedaHpaResult r = hpa->Reconcile(Input(301, 5, 5, 5, MetricValueMilli(10), TargetMilli(10)));
  EXPECT_EQ(r.desired_replicas, 1);
  EXPECT_TRUE(r.rescaled);
}

TEST_P(KedaHpaTest, DisabledAtZeroReplicas) {
  auto hpa = Make();
  KedaHpaResult r = hpa->Reconcile(Input(0, 0, 0, 0, MetricValueMilli(500), TargetMilli(10)));
  EXPECT_EQ(r.desired_replicas, 0);
  EXPECT_FALSE(r.rescaled);
}

TEST_P(KedaHpaTest, FailedMetricDoesNotScale) {
  auto hpa = Make();
  KedaHpaResult r = hpa->Reconcile(Input(0, 3, 3, 3, std::nullopt, TargetMilli(10)));
  EXPECT_EQ(r.desired_replicas, 3);
  EXPECT_FALSE(r.rescaled);
  EXPECT_FALSE(r.error.ok());
}

TEST_P(KedaHpaTest, ClampsToMinAndMax) {
  auto hpa = Make();
  KedaHpaInput in = Input(0, 3, 3, 3, MetricValueMilli(1000), TargetMilli(10));
  in.max_replicas = 5;
  EXPECT_EQ(hpa->Reconcile(in).desired_replicas, 5);
  in = Input(15, 1, 1, 1, MetricValueMilli(0), TargetMilli(10));
  in.min_replicas = 2;
  EXPECT_EQ(hpa->Reconcile(in).desired_replicas, 2);  // below min: raised without metrics
}

INSTANTIATE_TEST_SUITE_P(CoreAndPlain, KedaHpaTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Plain" : "Core"; });

}  // namespace
}  // namespace podpilot::keda
