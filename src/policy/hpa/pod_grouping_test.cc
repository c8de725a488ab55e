// Ports of upstream TestGroupPods and TestCalculateRequests (replica_calculator_test.go), plus
// boundary tests for the strict time comparisons of the CPU readiness rules.
#include "policy/hpa/pod_grouping.h"

#include <gtest/gtest.h>

#include "policy/hpa/hpa_test_util.h"

namespace podpilot::hpa {
namespace {

using testutil::kNow;
using Names = std::set<std::string>;

constexpr double kCpuInit = 120;  // defaultTestingCPUInitializationPeriod
constexpr double kDelay = 10;     // defaultTestingDelayOfInitialReadinessStatus

Pod MakePod(const std::string& name, PodPhase phase, std::optional<Time> start = std::nullopt,
            std::optional<ReadyCondition> ready = std::nullopt) {
  Pod p;
  p.name = name;
  p.phase = phase;
  p.start_time = start;
  p.ready_condition = ready;
  return p;
}

struct Grouped {
  int ready;
  Names unready, missing, ignored;
};

void ExpectGroups(const std::vector<Pod>& pods, const PodMetricsInfo& metrics,
                  std::optional<ResourceName> resource, const Grouped& want) {
  PodGroups g = GroupPods(pods, metrics, resource, kCpuInit, kDelay, kNow);
  EXPECT_EQ(g.ready_pod_count, want.ready);
  EXPECT_EQ(g.unready, want.unready);
  EXPECT_EQ(g.missing, want.missing);
  EXPECT_EQ(g.ignored, want.ignored);
}

TEST(GroupPodsTest, TestGroupPods_Void) { ExpectGroups({}, {}, ResourceName::kCpu, {0, {}, {}, {}}); }

TEST(GroupPodsTest, TestGroupPods_CountInAReadyPodMemory) {
  ExpectGroups({MakePod("bentham", PodPhase::kRunning)}, {{"bentham", {1, kNow, 60}}},
               ResourceName::kMemory, {1, {}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_UnreadyAPodWithoutReadyConditionCPU) {
  ExpectGroups({MakePod("lucretius", PodPhase::kRunning, kNow)}, {{"lucretius", {1, 0, 0}}},
               ResourceName::kCpu, {0, {"lucretius"}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_CountInAReadyPodWithFreshMetricsDuringInitializationPeriodCPU) {
  ExpectGroups({MakePod("bentham", PodPhase::kRunning, kNow - 60, ReadyCondition{true, kNow - 30})},
               {{"bentham", {1, kNow, 30}}}, ResourceName::kCpu, {1, {}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_UnreadyAReadyPodWithoutFreshMetricsDuringInitializationPeriodCPU) {
  ExpectGroups({MakePod("bentham", PodPhase::kRunning, kNow - 60, ReadyCondition{true, kNow - 30})},
               {{"bentham", {1, kNow, 60}}}, ResourceName::kCpu, {0, {"bentham"}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_UnreadyAnUnreadyPodDuringInitializationPeriodCPU) {
  // Started 10 min ago (past the 2 min init period); readiness flipped to False 6 s after start,
  // i.e. within the 10 s readiness delay: it never became ready.
  ExpectGroups({MakePod("lucretius", PodPhase::kRunning, kNow - 600,
                        ReadyCondition{false, kNow - 594})},
               {{"lucretius", {1, 0, 0}}}, ResourceName::kCpu, {0, {"lucretius"}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_CountInAReadyPodWithoutFreshMetricsAfterInitializationPeriodCPU) {
  ExpectGroups({MakePod("bentham", PodPhase::kRunning, kNow - 180, ReadyCondition{true, kNow - 180})},
               {{"bentham", {1, kNow - 120, 60}}}, ResourceName::kCpu, {1, {}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_CountInAnUnreadyPodThatWasReadyAfterInitializationPeriodCPU) {
  ExpectGroups({MakePod("lucretius", PodPhase::kRunning, kNow - 600,
                        ReadyCondition{false, kNow - 540})},
               {{"lucretius", {1, 0, 0}}}, ResourceName::kCpu, {1, {}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_UnreadyPodThatHasNeverBeenReadyAfterInitializationPeriodCPU) {
  // start + delay == lastTransition exactly: Go's After is strict, so the pod counts as ready.
  ExpectGroups({MakePod("lucretius", PodPhase::kRunning, kNow - 600,
                        ReadyCondition{false, kNow - 590})},
               {{"lucretius", {1, 0, 0}}}, ResourceName::kCpu, {1, {}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_AMissingPod) {
  ExpectGroups({MakePod("epicurus", PodPhase::kRunning, kNow - 180)}, {}, ResourceName::kCpu,
               {0, {}, {"epicurus"}, {}});
}

TEST(GroupPodsTest, TestGroupPods_SeveralPods) {
  ExpectGroups({MakePod("lucretius", PodPhase::kRunning, kNow),
                MakePod("niccolo", PodPhase::kRunning, kNow - 180, ReadyCondition{true, kNow - 180}),
                MakePod("epicurus", PodPhase::kRunning, kNow - 180)},
               {{"lucretius", {1, 0, 0}}, {"niccolo", {1, 0, 0}}}, ResourceName::kCpu,
               {1, {"lucretius"}, {"epicurus"}, {}});
}

TEST(GroupPodsTest, TestGroupPods_PendingPodsAreUnreadied) {
  ExpectGroups({MakePod("unscheduled", PodPhase::kPending)}, {}, ResourceName::kCpu,
               {0, {"unscheduled"}, {}, {}});
}

TEST(GroupPodsTest, TestGroupPods_IgnorePodsWithDeletionTimestamps) {
  Pod p = MakePod("deleted", PodPhase::kPending);
  p.deletion_timestamp_set = true;
  ExpectGroups({p}, {{"deleted", {1, 0, 0}}}, ResourceName::kCpu, {0, {}, {}, {"deleted"}});
}

TEST(GroupPodsTest, TestGroupPods_IgnorePodsInAFailedState) {
  ExpectGroups({MakePod("failed", PodPhase::kFailed)}, {{"failed", {1, 0, 0}}}, ResourceName::kCpu,
               {0, {}, {}, {"failed"}});
}

// --- Strict Before / After at the edges --------------------------------------------------

TEST(GroupPodsTest, InitializationPeriodEndIsStrict) {
  // start + init == now: not "after now", so the post-initialisation rule applies (a ready pod
  // counts even with a metric window that started before readiness).
  ExpectGroups({MakePod("p", PodPhase::kRunning, kNow - kCpuInit, ReadyCondition{true, kNow - 10})},
               {{"p", {1, kNow, 60}}}, ResourceName::kCpu, {1, {}, {}, {}});
  // One second earlier it is still initialising and the stale window makes it unready.
  ExpectGroups({MakePod("p", PodPhase::kRunning, kNow - kCpuInit + 1, ReadyCondition{true, kNow - 10})},
               {{"p", {1, kNow, 60}}}, ResourceName::kCpu, {0, {"p"}, {}, {}});
}

TEST(GroupPodsTest, MetricWindowStartingAtReadinessIsFresh) {
  // timestamp == lastTransition + window: not Before, so the sample is trusted.
  ExpectGroups({MakePod("p", PodPhase::kRunning, kNow - 60, ReadyCondition{true, kNow - 40})},
               {{"p", {1, kNow - 10, 30}}}, ResourceName::kCpu, {1, {}, {}, {}});
  ExpectGroups({MakePod("p", PodPhase::kRunning, kNow - 60, ReadyCondition{true, kNow - 40})},
               {{"p", {1, kNow - 10.5, 30}}}, ResourceName::kCpu, {0, {"p"}, {}, {}});
}

TEST(GroupPodsTest, ReadinessRulesApplyOnlyToCpu) {
  // The same warming-up pod is ready for memory and for a Pods metric (resource nullopt).
  Pod p = MakePod("p", PodPhase::kRunning, kNow - 10, ReadyCondition{false, kNow - 5});
  ExpectGroups({p}, {{"p", {1, kNow, 60}}}, ResourceName::kMemory, {1, {}, {}, {}});
  ExpectGroups({p}, {{"p", {1, kNow, 60}}}, std::nullopt, {1, {}, {}, {}});
  ExpectGroups({p}, {{"p", {1, kNow, 60}}}, ResourceName::kCpu, {0, {"p"}, {}, {}});
}

// --- TestCalculateRequests -------------------------------------------------------------------

Pod RequestPod(std::vector<std::pair<std::string, std::optional<int64_t>>> containers) {
  Pod p;
  p.name = "test-pod";
  for (auto& [name, cpu] : containers) p.containers.push_back({name, cpu, std::nullopt});
  return p;
}

TEST(CalculateRequestsTest, TestCalculateRequests_Void) {
  auto r = CalculateRequests({}, "", ResourceName::kCpu, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(CalculateRequestsTest, TestCalculateRequests_SumContainerRequestsIfPodLevelFeatureIsDisabled) {
  Pod p = RequestPod({{"container1", 100}, {"container2", 50}});
  p.pod_cpu_request_milli = 800;  // ignored with the gate off
  auto r = CalculateRequests({p}, "", ResourceName::kCpu, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("test-pod"), 150);
}

TEST(CalculateRequestsTest, TestCalculateRequests_PodLevelEnabledButNotSetFallsBackToSum) {
  auto r = CalculateRequests({RequestPod({{"container1", 100}, {"container2", 50}})}, "",
                             ResourceName::kCpu, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("test-pod"), 150);
}

TEST(CalculateRequestsTest, TestCalculateRequests_PodLevelResourcesOverrideContainerRequests) {
  Pod p = RequestPod({{"container1", 100}, {"container2", 50}});
  p.pod_cpu_request_milli = 800;
  auto r = CalculateRequests({p}, "", ResourceName::kCpu, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("test-pod"), 800);
}

TEST(CalculateRequestsTest, TestCalculateRequests_FailIfAContainerIsMissingRequests) {
  auto r = CalculateRequests({RequestPod({{"container1", std::nullopt}, {"container2", 50}})}, "",
                             ResourceName::kCpu, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "missing request for cpu in container container1 of Pod test-pod");
}

TEST(CalculateRequestsTest, TestCalculateRequests_PodLevelOverridesMissingContainerRequests) {
  Pod p = RequestPod({{"container1", std::nullopt}, {"container2", 50}});
  p.pod_cpu_request_milli = 800;
  auto r = CalculateRequests({p}, "", ResourceName::kCpu, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("test-pod"), 800);
}

TEST(CalculateRequestsTest, TestCalculateRequests_NamedContainerOnly) {
  Pod p = RequestPod({{"container1", 100}, {"container2", 50}});
  auto r = CalculateRequests({p}, "container1", ResourceName::kCpu, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("test-pod"), 100);
  p.pod_cpu_request_milli = 800;  // a named container takes precedence over pod-level requests
  r = CalculateRequests({p}, "container1", ResourceName::kCpu, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("test-pod"), 100);
}

TEST(CalculateRequestsTest, TestCalculateRequests_PodWithRestartableInitContainers) {
  Pod p = RequestPod({{"container1", 100}});
  // Only the restartable (sidecar) init container counts; a plain init container is not listed.
  p.sidecar_init_containers.push_back({"restartable-container1", 50, std::nullopt});
  auto r = CalculateRequests({p}, "", ResourceName::kCpu, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("test-pod"), 150);
}

TEST(CalculateRequestsTest, TestCalculatePodRequestsFromContainers_NonExistentContainer) {
  auto r = CalculateRequests({RequestPod({{"container1", 100}})}, "non-existent-container",
                             ResourceName::kCpu, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "container non-existent-container not found in Pod test-pod");
}

}  // namespace
}  // namespace podpilot::hpa
