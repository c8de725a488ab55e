// Resource-metric vectors of upstream replica_calculator_test.go (kubernetes/kubernetes
// pkg/controller/podautoscaler), replayed through the metrics-client conversion, the per-metric
// dispatch and the calculator. Each test is named after the upstream test (or, for the newer
// table-driven tests, "<UpstreamTest>_<case>"). baselines.md 1.11 vectors are marked Hn.
#include <cmath>

#include <gtest/gtest.h>

#include "policy/hpa/hpa_test_util.h"
#include "policy/hpa/metric_replicas.h"

namespace podpilot::hpa {
namespace {

using testutil::CalcScenario;
using testutil::CpuRequests;
using testutil::PodLevels;
using testutil::Time3MinsAgo;
using testutil::TimeNow;

MetricProposal RunResource(const CalcScenario& f, int32_t target_utilization,
                           Tolerances tol = testutil::DefaultTestingTolerances()) {
  MetricSpec spec;
  spec.type = f.container.empty() ? MetricSourceType::kResource : MetricSourceType::kContainerResource;
  spec.resource = ResourceName::kCpu;
  spec.container = f.container;
  spec.target.type = MetricTargetType::kUtilization;
  spec.target.average_utilization = target_utilization;
  auto client = f.Client();
  return ComputeReplicasForMetric(spec, Scale{f.current_replicas, f.current_replicas}, f.Pods(),
                                  client, tol, testutil::kNow, testutil::TestingCalculatorConfig());
}

void ExpectResource(const MetricProposal& p, int32_t replicas, int32_t utilization, int64_t raw) {
  ASSERT_TRUE(p.error.ok()) << p.error.message();
  EXPECT_EQ(p.replicas, replicas);
  EXPECT_EQ(p.status.average_utilization, utilization);
  EXPECT_EQ(p.status.average_value_milli, raw);
}

void ExpectError(const MetricProposal& p, const std::string& substring) {
  ASSERT_FALSE(p.error.ok());
  EXPECT_NE(p.error.message().find(substring), std::string::npos) << p.error.message();
  EXPECT_FALSE(p.condition.status);
}

CalcScenario Cpu(int32_t current, std::vector<int64_t> requests, std::vector<std::vector<int64_t>> levels) {
  CalcScenario f;
  f.current_replicas = current;
  f.has_resource = true;
  f.requests = std::move(requests);
  f.levels = std::move(levels);
  return f;
}

constexpr int64_t kContainers = 2;  // numContainersPerPod

TEST(ReplicaCalculatorTest, TestReplicaCalcDisjointResourcesMetrics) {
  CalcScenario f = Cpu(1, CpuRequests(1, 1000), PodLevels({100}));
  f.pod_names = {"an-older-pod-name"};
  ExpectError(RunResource(f, 100), "no metrics returned matched known pods");
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleUp_H1) {
  ExpectResource(RunResource(Cpu(3, CpuRequests(3, 1000), PodLevels({300, 500, 700})), 30), 5, 50,
                 kContainers * 500);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleUpUnreadyLessScale_H2) {
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({300, 500, 700}));
  f.pod_ready = {false, true, true};
  ExpectResource(RunResource(f, 30), 4, 60, kContainers * 600);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleUpHotCpuLessScale) {
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({300, 500, 700}));
  f.pod_start_time = {TimeNow(), Time3MinsAgo(), Time3MinsAgo()};
  ExpectResource(RunResource(f, 30), 4, 60, kContainers * 600);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleUpUnreadyNoScale) {
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({400, 500, 700}));
  f.pod_ready = {true, false, false};
  ExpectResource(RunResource(f, 30), 3, 40, kContainers * 400);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleHotCpuNoScale) {
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({400, 500, 700}));
  f.pod_ready = {true, false, false};
  f.pod_start_time = {Time3MinsAgo(), TimeNow(), TimeNow()};
  ExpectResource(RunResource(f, 30), 3, 40, kContainers * 400);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleUpIgnoresFailedPods) {
  CalcScenario f = Cpu(2, CpuRequests(4, 1000), PodLevels({500, 700}));
  f.pod_ready = {true, true, false, false};
  f.pod_phase = {PodPhase::kRunning, PodPhase::kRunning, PodPhase::kFailed, PodPhase::kFailed};
  ExpectResource(RunResource(f, 30), 4, 60, kContainers * 600);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleUpIgnoresDeletionPods) {
  CalcScenario f = Cpu(2, CpuRequests(4, 1000), PodLevels({500, 700}));
  f.pod_ready = {true, true, false, false};
  f.pod_phase = std::vector<PodPhase>(4, PodPhase::kRunning);
  f.pod_deleted = {false, false, true, true};
  ExpectResource(RunResource(f, 30), 4, 60, kContainers * 600);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleDown_H3) {
  ExpectResource(RunResource(Cpu(5, CpuRequests(5, 1000), PodLevels({100, 300, 500, 250, 250})), 50),
                 3, 28, kContainers * 280);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleDownIncludeUnreadyPods) {
  CalcScenario f = Cpu(5, CpuRequests(5, 1000), PodLevels({100, 300, 500, 250, 250}));
  f.pod_ready = {true, true, true, false, false};
  ExpectResource(RunResource(f, 50), 2, 30, kContainers * 300);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleDownExcludeUnscheduledPods) {
  CalcScenario f = Cpu(5, CpuRequests(5, 1000), PodLevels({100}));
  f.pod_ready = {true, false, false, false, false};
  f.pod_phase = {PodPhase::kRunning, PodPhase::kPending, PodPhase::kPending, PodPhase::kPending,
                 PodPhase::kPending};
  ExpectResource(RunResource(f, 50), 1, 10, kContainers * 100);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleDownIgnoreHotCpuPods) {
  CalcScenario f = Cpu(5, CpuRequests(5, 1000), PodLevels({100, 300, 500, 250, 250}));
  f.pod_start_time = {Time3MinsAgo(), Time3MinsAgo(), Time3MinsAgo(), TimeNow(), TimeNow()};
  ExpectResource(RunResource(f, 50), 2, 30, kContainers * 300);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleDownIgnoresFailedPods) {
  CalcScenario f = Cpu(5, CpuRequests(7, 1000), PodLevels({100, 300, 500, 250, 250}));
  f.pod_ready = {true, true, true, true, true, false, false};
  f.pod_phase = {PodPhase::kRunning, PodPhase::kRunning, PodPhase::kRunning, PodPhase::kRunning,
                 PodPhase::kRunning, PodPhase::kFailed,  PodPhase::kFailed};
  ExpectResource(RunResource(f, 50), 3, 28, kContainers * 280);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcScaleDownIgnoresDeletionPods) {
  CalcScenario f = Cpu(5, CpuRequests(7, 1000), PodLevels({100, 300, 500, 250, 250}));
  f.pod_ready = {true, true, true, true, true, false, false};
  f.pod_phase = std::vector<PodPhase>(7, PodPhase::kRunning);
  f.pod_deleted = {false, false, false, false, false, true, true};
  ExpectResource(RunResource(f, 50), 3, 28, kContainers * 280);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcTolerance_H5) {
  ExpectResource(RunResource(Cpu(3, {900, 1000, 1100}, PodLevels({1010, 1030, 1020})), 100), 3, 102,
                 kContainers * 1020);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcSuperfluousMetrics) {
  // Metrics of test-pod-4 and -5 belong to no listed pod: skipped by the ratio, but the
  // first-pass formula multiplies by the 4 ready pods.
  ExpectResource(RunResource(Cpu(4, CpuRequests(4, 1000), PodLevels({4000, 9500, 3000, 7000, 3200, 2000})),
                             100),
                 24, 587, kContainers * 5875);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetrics_H4) {
  ExpectResource(RunResource(Cpu(4, CpuRequests(4, 1000), PodLevels({400, 95})), 100), 3, 24, 495);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcEmptyMetrics) {
  ExpectError(RunResource(Cpu(4, CpuRequests(3, 1000), {}), 100),
              "unable to get metrics for resource cpu: no metrics returned from resource metrics API");
}

TEST(ReplicaCalculatorTest, TestReplicaCalcEmptyCPURequest) {
  ExpectError(RunResource(Cpu(1, {}, PodLevels({200})), 100), "missing request for");
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetricsNoChangeEq) {
  ExpectResource(RunResource(Cpu(2, CpuRequests(2, 1000), PodLevels({1000})), 100), 2, 100,
                 kContainers * 1000);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetricsNoChangeGt) {
  ExpectResource(RunResource(Cpu(2, CpuRequests(2, 1000), PodLevels({1900})), 100), 2, 190,
                 kContainers * 1900);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetricsNoChangeLt) {
  ExpectResource(RunResource(Cpu(2, CpuRequests(2, 1000), PodLevels({600})), 100), 2, 60,
                 kContainers * 600);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetricsUnreadyChange) {
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({100, 450}));
  f.pod_ready = {false, true, true};
  ExpectResource(RunResource(f, 50), 3, 45, kContainers * 450);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetricsHotCpuNoChange) {
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({100, 450}));
  f.pod_start_time = {TimeNow(), Time3MinsAgo(), Time3MinsAgo()};
  ExpectResource(RunResource(f, 50), 3, 45, kContainers * 450);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetricsUnreadyScaleUp) {
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({100, 2000}));
  f.pod_ready = {false, true, true};
  ExpectResource(RunResource(f, 50), 4, 200, kContainers * 2000);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetricsHotCpuScaleUp) {
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({100, 2000}));
  f.pod_ready = {false, true, true};
  f.pod_start_time = {TimeNow(), Time3MinsAgo(), Time3MinsAgo()};
  ExpectResource(RunResource(f, 50), 4, 200, kContainers * 2000);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcMissingMetricsUnreadyScaleDown_H7) {
  CalcScenario f = Cpu(4, CpuRequests(4, 1000), PodLevels({100, 100, 100}));
  f.pod_ready = {false, true, true, true};
  ExpectResource(RunResource(f, 50), 3, 10, kContainers * 100);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcResourceMissingMetrics_ScaleDownTargetOver100) {
  // The missing pod counts as max(100, 300) % of its request on the scale-down (PR #112178).
  CalcScenario f = Cpu(4, {1000, 1000, 2000, 2000}, PodLevels({200, 100, 100}));
  f.pod_ready = {false, true, true, true};
  ExpectResource(RunResource(f, 300), 2, 6, kContainers * 100);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcDuringRollingUpdateWithMaxSurge_H6) {
  CalcScenario f = Cpu(2, CpuRequests(3, 1000), PodLevels({100, 100}));
  f.pod_phase = std::vector<PodPhase>(3, PodPhase::kRunning);
  ExpectResource(RunResource(f, 50), 2, 10, kContainers * 100);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcComputedToleranceAlgImplementation) {
  // The upstream derivation, step by step: 10 pods using 150 m each against 2x that request.
  const int32_t start_pods = 10;
  const int64_t total_used = start_pods * 150;
  const int32_t total_requested = static_cast<int32_t>(2 * total_used);
  const double requested_to_used = static_cast<double>(total_requested / static_cast<int32_t>(total_used));
  const int32_t per_pod_requested = total_requested / start_pods;
  double target = std::abs(1 / (requested_to_used * (1 - 0.1))) + .01;
  int32_t final_cpu_percent_target = static_cast<int32_t>(target * 100);
  const double used_ratio = static_cast<double>(total_used) / (static_cast<double>(total_requested) * target);
  const int32_t final_pods = static_cast<int32_t>(std::ceil(used_ratio * start_pods));

  std::vector<int64_t> requests;
  for (int d : {100, -100, 10, -10, 2, -2, 1, -1, 0, 0}) requests.push_back(per_pod_requested + d);
  std::vector<std::vector<int64_t>> levels(10, {total_used / 10, total_used / 10});
  CalcScenario f = Cpu(start_pods, requests, levels);
  const int32_t expected_utilization = static_cast<int32_t>(total_used * 100) / total_requested;
  const int64_t expected_raw = kContainers * total_used / 10;
  ExpectResource(RunResource(f, final_cpu_percent_target), final_pods, expected_utilization, expected_raw);

  // Just inside the tolerance margin: no scaling.
  target = std::abs(1 / (requested_to_used * (1 - 0.1))) + .004;
  final_cpu_percent_target = static_cast<int32_t>(target * 100);
  ExpectResource(RunResource(f, final_cpu_percent_target), start_pods, expected_utilization, expected_raw);
}

// --- TestReplicaCalcResourceTolerance (per-direction tolerances, KEP-4951) -----------------

TEST(ReplicaCalculatorTest, TestReplicaCalcResourceTolerance_Outside0PercentTolerance) {
  ExpectResource(RunResource(Cpu(3, {900, 1000, 1100}, PodLevels({909, 1010, 1111})), 100, {0., 0.}),
                 4, 101, kContainers * 1010);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcResourceTolerance_Within200PercentScaleUpTolerance) {
  ExpectResource(RunResource(Cpu(3, {900, 1000, 1100}, PodLevels({1890, 1910, 1900})), 100, {0.1, 2.}),
                 3, 190, kContainers * 1900);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcResourceTolerance_Outside8PercentScaleUpTolerance) {
  ExpectResource(RunResource(Cpu(3, {900, 1000, 1100}, PodLevels({1100, 1080, 1090})), 100, {2., .08}),
                 4, 109, kContainers * 1090);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcResourceTolerance_Within36PercentScaleDownTolerance) {
  ExpectResource(RunResource(Cpu(3, {900, 1000, 1100}, PodLevels({660, 640, 650})), 100, {.36, 0.1}),
                 3, 65, kContainers * 650);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcResourceTolerance_Outside34PercentScaleDownTolerance) {
  ExpectResource(RunResource(Cpu(3, {900, 1000, 1100}, PodLevels({660, 640, 650})), 100, {.34, 0.1}),
                 2, 65, kContainers * 650);
}

// --- ContainerResource variants (TestReplicaCalcResource, container cases) --------------------

TEST(ReplicaCalculatorTest, TestReplicaCalcResource_ScaleDownContainerMetric) {
  CalcScenario f = Cpu(5, CpuRequests(5, 1000), {{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}});
  f.container = "container2";
  ExpectResource(RunResource(f, 50), 3, 28, 280);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcResource_ScaleUpContainerMetricsWithFailedPodsIgnored) {
  CalcScenario f = Cpu(2, CpuRequests(4, 1000), {{1000, 500}, {9000, 700}});
  f.container = "container2";
  f.pod_ready = {true, true, false, false};
  f.pod_phase = {PodPhase::kRunning, PodPhase::kRunning, PodPhase::kFailed, PodPhase::kFailed};
  ExpectResource(RunResource(f, 30), 4, 60, 600);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcResource_ScaleDownContainerMetricExcludesUnreadyPods) {
  CalcScenario f = Cpu(5, CpuRequests(5, 1000), {{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}});
  f.container = "container2";
  f.pod_ready = {true, true, true, false, false};
  ExpectResource(RunResource(f, 50), 2, 30, 300);
}

TEST(ReplicaCalculatorTest, TestReplicaCalcResource_ScaleDownContainerMetricIgnoresHotCpuPods) {
  CalcScenario f = Cpu(5, CpuRequests(5, 1000), {{1000, 100}, {1000, 300}, {1000, 500}, {1000, 1000}, {1000, 1000}});
  f.container = "container2";
  f.pod_start_time = {Time3MinsAgo(), Time3MinsAgo(), Time3MinsAgo(), TimeNow(), TimeNow()};
  ExpectResource(RunResource(f, 50), 2, 30, 300);
}

// --- Edge cases the spec calls out -----------------------------------------------------------

TEST(ReplicaCalculatorTest, ToleranceBoundsAreInclusive) {
  // utilization 55 vs target 50: ratio exactly 1.1 -> within; 45 vs 50: exactly 0.9 -> within.
  ExpectResource(RunResource(Cpu(2, CpuRequests(2, 1000), PodLevels({550, 550})), 50), 2, 55, 1100);
  ExpectResource(RunResource(Cpu(2, CpuRequests(2, 1000), PodLevels({450, 450})), 50), 2, 45, 900);
  // One percent further out scales.
  ExpectResource(RunResource(Cpu(2, CpuRequests(2, 1000), PodLevels({560, 560})), 50), 3, 56, 1120);
}

TEST(ReplicaCalculatorTest, UtilizationPercentTruncatesTowardZero) {
  // 3 pods at 2 x 333 m of 2 x 1000 m: 1998/6000 = 33.3 % -> 33, not 33.3: ratio 33/30 = 1.1 ->
  // within the tolerance, while the untruncated 1.11 would have scaled to 4.
  ExpectResource(RunResource(Cpu(3, CpuRequests(3, 1000), PodLevels({333, 333, 333})), 30), 3, 33, 666);
}

TEST(ReplicaCalculatorTest, SecondPassNeverFlipsDirection) {
  // Scale-up with an unready pod counted at 0 %: 2 ready pods at 60 % of 50 % target (ratio 1.2),
  // plus one unready -> 40 % -> ratio 0.8 < 1: would flip to a scale-down, so current stays.
  CalcScenario f = Cpu(3, CpuRequests(3, 1000), PodLevels({600, 600, 100}));
  f.pod_ready = {true, true, false};
  ExpectResource(RunResource(f, 50), 3, 60, kContainers * 600);
}

TEST(ReplicaCalculatorTest, MissingContainerInContainerMetricFailsWholeMetric) {
  CalcScenario f = Cpu(2, CpuRequests(2, 1000), {{1000, 500}, {900}});
  f.container = "container2";
  ExpectError(RunResource(f, 50), "container container2 not present in metrics for pod test-pod-1");
}

}  // namespace
}  // namespace podpilot::hpa
