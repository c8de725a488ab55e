// Pods / Object / External metric vectors of upstream replica_calculator_test.go, replayed
// through the metrics-client conversion, the per-metric dispatch and the calculator. Test names
// follow the upstream tests; baselines.md 1.11 vectors are marked Hn.
#include <limits>

#include <gtest/gtest.h>

#include "policy/hpa/hpa_test_util.h"
#include "policy/hpa/metric_replicas.h"

namespace podpilot::hpa {
namespace {

using testutil::CalcScenario;
using testutil::Time3MinsAgo;
using testutil::TimeNow;

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
constexpr int32_t kMaxInt32 = std::numeric_limits<int32_t>::max();

enum class Kind { kPods, kObject, kObjectPerPod, kExternal, kExternalPerPod };

CalcScenario Metric(int32_t current, std::vector<int64_t> levels) {
  CalcScenario f;
  f.current_replicas = current;
  f.metric_levels = std::move(levels);
  return f;
}

MetricProposal RunMetric(const CalcScenario& f, Kind kind, int64_t target,
                   Tolerances tol = testutil::DefaultTestingTolerances()) {
  MetricSpec spec;
  spec.metric_name = "qps";
  spec.object_kind = "Deployment";
  spec.object_name = "some-deployment";
  switch (kind) {
    case Kind::kPods:
      spec.type = MetricSourceType::kPods;
      spec.target = {MetricTargetType::kAverageValue, 0, 0, target};
      break;
    case Kind::kObject:
      spec.type = MetricSourceType::kObject;
      spec.target = {MetricTargetType::kValue, 0, target, 0};
      break;
    case Kind::kObjectPerPod:
      spec.type = MetricSourceType::kObject;
      spec.target = {MetricTargetType::kAverageValue, 0, 0, target};
      break;
    case Kind::kExternal:
      spec.type = MetricSourceType::kExternal;
      spec.target = {MetricTargetType::kValue, 0, target, 0};
      break;
    case Kind::kExternalPerPod:
      spec.type = MetricSourceType::kExternal;
      spec.target = {MetricTargetType::kAverageValue, 0, 0, target};
      break;
  }
  auto client = f.Client();
  // Upstream passes the test's currentReplicas as both the spec and the status replicas.
  return ComputeReplicasForMetric(spec, Scale{f.current_replicas, f.current_replicas}, f.Pods(),
                                  client, tol, testutil::kNow, testutil::TestingCalculatorConfig());
}

void Expect(const MetricProposal& p, int32_t replicas, int64_t usage) {
  ASSERT_TRUE(p.error.ok()) << p.error.message();
  EXPECT_EQ(p.replicas, replicas);
  const auto reported = p.status.value_milli ? p.status.value_milli : p.status.average_value_milli;
  ASSERT_TRUE(reported.has_value());
  EXPECT_EQ(*reported, usage);
}

// --- Pods metrics (GetMetricReplicas) ------------------------------------------------------

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCM) {
  Expect(RunMetric(Metric(3, {20000, 10000, 30000}), Kind::kPods, 15000), 4, 20000);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale) {
  CalcScenario f = Metric(3, {50000, 10000, 30000});
  f.pod_ready = {true, true, false};
  f.pod_start_time = {Time3MinsAgo(), Time3MinsAgo(), TimeNow()};
  Expect(RunMetric(f, Kind::kPods, 15000), 6, 30000);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown_H8c) {
  // Readiness is ignored for non-CPU metrics: avg 31666 -> ratio 2.111 -> ceil(6.33).
  CalcScenario f = Metric(3, {50000, 15000, 30000});
  f.pod_ready = {false, true, false};
  f.pod_start_time = {TimeNow(), Time3MinsAgo(), TimeNow()};
  Expect(RunMetric(f, Kind::kPods, 15000), 7, 31666);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCMExternal) {
  // Upstream runs this one as a Pods metric on a single pod.
  Expect(RunMetric(Metric(1, {8600}), Kind::kPods, 4400), 2, 8600);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCMExternalNoLabels) {
  Expect(RunMetric(Metric(1, {8600}), Kind::kPods, 4400), 2, 8600);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleDownCM) {
  Expect(RunMetric(Metric(5, {12000, 12000, 12000, 12000, 12000}), Kind::kPods, 20000), 3, 12000);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcToleranceCM) {
  Expect(RunMetric(Metric(3, {20000, 21000, 21000}), Kind::kPods, 20000), 3, 20666);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcPodMetric_Outside1PercentTolerance) {
  Expect(RunMetric(Metric(3, {20000, 21000, 21000}), Kind::kPods, 20000, {0.1, .01}), 4, 20666);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcPodMetric_NoChangeMissingMetrics) {
  // 5 pods, 3 with values: ratio 1.0 exactly -> neither fill applies; new ratio 1.0 is within.
  Expect(RunMetric(Metric(5, {20000, 19000, 21000}), Kind::kPods, 20000), 5, 20000);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcPodMetric_RollingUpdateWithMaxSurge) {
  CalcScenario f = Metric(2, {10000, 10000});
  f.pod_phase = std::vector<PodPhase>(3, PodPhase::kRunning);
  // Missing pod counted at exactly the target: 37000/3 -> ratio 0.725 -> ceil(2.18) = 3 > 2.
  Expect(RunMetric(f, Kind::kPods, 17000), 2, 10000);
}

TEST(ReplicaCalculatorMetricsTest, PendingPodIsUnreadyForPodsMetric) {
  // Pending pods are unready for every metric type: on a scale-up they count as 0.
  CalcScenario f = Metric(3, {30000, 30000});
  f.pod_phase = {PodPhase::kRunning, PodPhase::kRunning, PodPhase::kPending};
  // ratio 2.0 with unready -> second pass (30000+30000+0)/3 = 20000 -> 1.333 -> ceil(4.0) = 4.
  Expect(RunMetric(f, Kind::kPods, 15000), 4, 30000);
}

// --- Object metrics -----------------------------------------------------------------------

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCMObject) {
  Expect(RunMetric(Metric(3, {20000}), Kind::kObject, 15000), 4, 20000);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods) {
  CalcScenario f = Metric(3, {50000});
  f.pod_ready = {false, true, false};
  Expect(RunMetric(f, Kind::kObject, 10000), 5, 50000);  // 15 if unready pods counted
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleDownCMObject) {
  Expect(RunMetric(Metric(5, {12000}), Kind::kObject, 20000), 3, 12000);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcToleranceCMObject) {
  Expect(RunMetric(Metric(3, {20666}), Kind::kObject, 20000), 3, 20666);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcObjectMetric_Outside1PercentTolerance) {
  Expect(RunMetric(Metric(3, {20666}), Kind::kObject, 20000, {0.1, .01}), 4, 20666);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcObjectMetric_VeryLargeMetricSaturatesReplicas) {
  Expect(RunMetric(Metric(3, {kMaxInt64}), Kind::kObject, 1), kMaxInt32, kMaxInt64);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCMPerPodObject) {
  Expect(RunMetric(Metric(3, {20000}), Kind::kObjectPerPod, 5000), 4, 6667);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleDownPerPodCMObject) {
  Expect(RunMetric(Metric(5, {6000}), Kind::kObjectPerPod, 2000), 3, 1200);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcTolerancePerPodCMObject) {
  Expect(RunMetric(Metric(4, {20166}), Kind::kObjectPerPod, 5000), 4, 5042);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcObjectPerPodMetric_Outside1PercentTolerance) {
  Expect(RunMetric(Metric(4, {20208}), Kind::kObjectPerPod, 5000, {0.1, .01}), 5, 5052);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcObjectPerPodMetric_UsageOverflowWithHugeTarget) {
  Expect(RunMetric(Metric(1, {kMaxInt64}), Kind::kObjectPerPod, kMaxInt64), 1, kMaxInt64);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcObjectPerPodMetric_StatusReplicasZero) {
  Expect(RunMetric(Metric(0, {20000}), Kind::kObjectPerPod, 5000), 4, 0);
  Expect(RunMetric(Metric(0, {0}), Kind::kObjectPerPod, 5000), 0, 0);
}

// --- External metrics --------------------------------------------------------------------

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods_H8b) {
  CalcScenario f = Metric(3, {8600});
  f.pod_ready = {false, true, false};
  Expect(RunMetric(f, Kind::kExternal, 4400), 2, 8600);  // ceil(1.9545 x 1 ready pod); 6 otherwise
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleDownCMExternal) {
  Expect(RunMetric(Metric(5, {8600}), Kind::kExternal, 14334), 3, 8600);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcToleranceCMExternal) {
  Expect(RunMetric(Metric(3, {8600}), Kind::kExternal, 8888), 3, 8600);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcExternalMetric_Outside1PercentTolerance) {
  Expect(RunMetric(Metric(3, {8900}), Kind::kExternal, 8800, {0.1, .01}), 4, 8900);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcExternalMetric_UsageOverflowCapsAtMaxInt64) {
  Expect(RunMetric(Metric(3, {kMaxInt64 / 2 + 1, kMaxInt64 / 2 + 1}), Kind::kExternal, kMaxInt64), 3,
         kMaxInt64);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleUpPerPodCMExternal_H8a) {
  Expect(RunMetric(Metric(3, {8600}), Kind::kExternalPerPod, 2150), 4, 2867);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcScaleDownPerPodCMExternal) {
  Expect(RunMetric(Metric(5, {8600}), Kind::kExternalPerPod, 2867), 3, 1720);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcTolerancePerPodCMExternal) {
  Expect(RunMetric(Metric(3, {8600}), Kind::kExternalPerPod, 2900), 3, 2867);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcExternalPerPodMetric_Outside1PercentTolerance) {
  Expect(RunMetric(Metric(3, {8600}), Kind::kExternalPerPod, 2800, {0.1, .01}), 4, 2867);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcExternalPerPodMetric_ReplicaCountSaturates) {
  Expect(RunMetric(Metric(1, {kMaxInt64}), Kind::kExternalPerPod, 1), kMaxInt32, kMaxInt64);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcExternalPerPodMetric_UsageOverflowWithHugeTarget) {
  Expect(RunMetric(Metric(1, {kMaxInt64}), Kind::kExternalPerPod, kMaxInt64), 1, kMaxInt64);
}

TEST(ReplicaCalculatorMetricsTest, TestReplicaCalcExternalPerPodMetric_StatusReplicasZero) {
  Expect(RunMetric(Metric(0, {20000}), Kind::kExternalPerPod, 5000), 4, 0);
  Expect(RunMetric(Metric(0, {0}), Kind::kExternalPerPod, 5000), 0, 0);
}

TEST(ReplicaCalculatorMetricsTest, ExternalValueScaleFromZeroIgnoresTolerance) {
  // Alpha scale-to-zero path: current 0 -> ceil(ratio), even for a ratio inside the tolerance.
  Expect(RunMetric(Metric(0, {1050}), Kind::kExternal, 1000), 2, 1050);
  Expect(RunMetric(Metric(0, {0}), Kind::kExternal, 1000), 0, 0);
}

TEST(ReplicaCalculatorMetricsTest, EmptyExternalSeriesIsAnError) {
  CalcScenario f = Metric(3, {});
  MetricProposal p = RunMetric(f, Kind::kExternal, 1000);
  ASSERT_FALSE(p.error.ok());
  EXPECT_NE(p.error.message().find("no metrics returned from external metrics API"), std::string::npos);
  EXPECT_EQ(p.condition.reason, "FailedGetExternalMetric");
}

}  // namespace
}  // namespace podpilot::hpa
