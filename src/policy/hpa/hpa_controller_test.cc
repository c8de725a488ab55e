// Reconcile-level tests of HpaController: ports of upstream horizontal_test.go cases that go
// through reconcileAutoscaler (multi-metric error handling) and tests of the per-key state
// (initial recommendation seeding, out-of-range clamps, scale events, scale-to-zero).
#include "policy/hpa/hpa_controller.h"

#include <gtest/gtest.h>

#include "policy/hpa/hpa_defaults.h"
#include "policy/hpa/hpa_test_util.h"

namespace podpilot::hpa {
namespace {

using testutil::FakeMetricsClient;
using testutil::kGoZeroTime;
using testutil::kNow;

// The horizontal_test.go pod fixture: Running, Ready=True, started at the zero time, two
// containers each requesting half of `request_milli`; the pod's usage is split evenly.
struct PodsFixture {
  std::vector<Pod> pods;
  std::vector<RawPodMetrics> metrics;
};

PodsFixture MakePods(const std::vector<int64_t>& levels, int64_t request_milli = 1000) {
  PodsFixture f;
  for (size_t i = 0; i < levels.size(); ++i) {
    Pod p;
    p.name = "test-pod-" + std::to_string(i);
    p.start_time = kGoZeroTime;
    p.ready_condition = ReadyCondition{true, kGoZeroTime};
    p.containers = {{"container1", request_milli / 2, std::nullopt},
                    {"container2", request_milli / 2, std::nullopt}};
    f.pods.push_back(p);
    RawPodMetrics m{p.name, kNow, 60, {}};
    m.containers = {{"container1", levels[i] / 2, std::nullopt}, {"container2", levels[i] - levels[i] / 2, std::nullopt}};
    f.metrics.push_back(m);
  }
  return f;
}

MetricSpec CpuMetric(int32_t utilization) {
  MetricSpec m;
  m.type = MetricSourceType::kResource;
  m.resource = ResourceName::kCpu;
  m.target = {MetricTargetType::kUtilization, utilization, 0, 0};
  return m;
}

MetricSpec ExternalValue(const std::string& name, int64_t value_milli) {
  MetricSpec m;
  m.type = MetricSourceType::kExternal;
  m.metric_name = name;
  m.target = {MetricTargetType::kValue, 0, value_milli, 0};
  return m;
}

MetricSpec PodsMetric(const std::string& name, int64_t average_milli) {
  MetricSpec m;
  m.type = MetricSourceType::kPods;
  m.metric_name = name;
  m.target = {MetricTargetType::kAverageValue, 0, 0, average_milli};
  return m;
}

HpaSpec Spec(int32_t min, int32_t max, std::vector<MetricSpec> metrics) {
  HpaSpec s;
  s.min_replicas = min;
  s.max_replicas = max;
  s.metrics = std::move(metrics);
  SetDefaults(s);
  return s;
}

ReconcileInput Input(int32_t current, const PodsFixture& f, Time now = kNow) {
  return ReconcileInput{Scale{current, current}, f.pods, now};
}

TEST(HpaControllerTest, TestScaleUpOneMetricEmpty_H13) {
  PodsFixture f = MakePods({300, 400, 500});
  FakeMetricsClient client;
  client.resource = f.metrics;
  client.fail["qps"] = UnavailableError("something went wrong");
  HpaController controller;
  ReconcileResult r = controller.Reconcile(
      "ns/test-hpa", Spec(2, 6, {CpuMetric(30), ExternalValue("qps", 100)}), Input(3, f), client);
  EXPECT_EQ(r.desired_replicas, 4);  // 40 % vs 30 %: ceil(1.333 x 3); the broken metric does not block it
  EXPECT_TRUE(r.rescaled);
  EXPECT_FALSE(r.error.ok());
  EXPECT_NE(r.error.message().find("invalid metrics (1 invalid out of 2)"), std::string::npos);
  EXPECT_EQ(r.FindCondition(ConditionType::kScalingActive)->reason, "ValidMetricFound");
  EXPECT_EQ(r.rescale_reason, "cpu resource utilization (percentage of request) above target");
  ASSERT_EQ(r.current_metrics.size(), 2u);
  EXPECT_EQ(r.current_metrics[0].average_utilization, 40);
}

TEST(HpaControllerTest, TestNoScaleDownOneMetricInvalid_H13) {
  PodsFixture f = MakePods({100, 300, 500, 250, 250});
  FakeMetricsClient client;
  client.resource = f.metrics;
  MetricSpec cheddar;
  cheddar.type = MetricSourceType::kUnknown;  // "CheddarCheese"
  HpaController controller;
  ReconcileResult r = controller.Reconcile("ns/test-hpa", Spec(2, 6, {CpuMetric(50), cheddar}),
                                           Input(5, f), client);
  EXPECT_EQ(r.desired_replicas, 5);  // the cpu proposal is 3, below spec: the invalid metric blocks it
  EXPECT_FALSE(r.rescaled);
  EXPECT_FALSE(r.error.ok());
  EXPECT_EQ(r.FindCondition(ConditionType::kScalingActive)->reason, "InvalidMetricSourceType");
}

TEST(HpaControllerTest, TestNoScaleDownOneMetricEmpty) {
  PodsFixture f = MakePods({100, 300, 500, 250, 250});
  FakeMetricsClient client;
  client.resource = f.metrics;
  client.fail["qps"] = UnavailableError("something went wrong");
  HpaController controller;
  ReconcileResult r = controller.Reconcile(
      "ns/test-hpa", Spec(2, 6, {CpuMetric(50), ExternalValue("qps", 1000)}), Input(5, f), client);
  EXPECT_EQ(r.desired_replicas, 5);
  EXPECT_FALSE(r.rescaled);
  EXPECT_EQ(r.FindCondition(ConditionType::kScalingActive)->reason, "FailedGetExternalMetric");
}

TEST(HpaControllerTest, AllMetricsInvalidMeansNoScaling) {
  PodsFixture f = MakePods({900, 900});
  FakeMetricsClient client;  // no resource metrics at all
  HpaController controller;
  ReconcileResult r = controller.Reconcile("k", Spec(1, 10, {CpuMetric(50)}), Input(2, f), client);
  EXPECT_FALSE(r.rescaled);
  EXPECT_EQ(r.desired_replicas, 2);
  EXPECT_EQ(r.metric_proposal, -1);
  EXPECT_EQ(r.FindCondition(ConditionType::kScalingActive)->reason, "FailedGetResourceMetric");
}

TEST(HpaControllerTest, InitialRecommendationHoldsScaleDownForOneWindow) {
  PodsFixture f = MakePods({100, 100, 100, 100, 100});  // 10 % vs 50 % -> proposal 1
  FakeMetricsClient client;
  client.resource = f.metrics;
  HpaController controller;
  const HpaSpec spec = Spec(1, 10, {CpuMetric(50)});
  // Reconcile every 15 s as the controller does. The seed (5, t0) blocks the scale-down while
  // it is inside the 300 s window; at exactly t0 + 300 it is still inside (Before is strict).
  for (Time t = 0; t <= 300; t += 15) {
    ReconcileResult r = controller.Reconcile("k", spec, Input(5, f, kNow + t), client);
    ASSERT_FALSE(r.rescaled) << "t=" << t;
    EXPECT_EQ(r.FindCondition(ConditionType::kAbleToScale)->reason, "ScaleDownStabilized");
  }
  ReconcileResult r = controller.Reconcile("k", spec, Input(5, f, kNow + 315), client);
  EXPECT_TRUE(r.rescaled);
  EXPECT_EQ(r.desired_replicas, 1);
  EXPECT_EQ(r.rescale_reason, "All metrics below target");
  EXPECT_EQ(r.last_scale_time, kNow + 315);
}

TEST(HpaControllerTest, OutOfRangeClampsWithoutMetricsOrHistory) {
  PodsFixture f = MakePods({100});
  FakeMetricsClient client;
  client.resource = f.metrics;
  HpaController controller;
  ReconcileResult r = controller.Reconcile("k", Spec(2, 10, {CpuMetric(50)}), Input(12, f), client);
  EXPECT_EQ(r.desired_replicas, 10);
  EXPECT_EQ(r.rescale_reason, "Current number of replicas above Spec.MaxReplicas");
  r = controller.Reconcile("k", Spec(2, 10, {CpuMetric(50)}), Input(1, f), client);
  EXPECT_EQ(r.desired_replicas, 2);
  EXPECT_EQ(client.calls, 0);
  ASSERT_NE(controller.History("k"), nullptr);
  EXPECT_EQ(controller.History("k")->recommendations.size(), 1u);  // only the seed
}

TEST(HpaControllerTest, ZeroReplicasDisablesScalingWithoutTheGate) {
  PodsFixture f = MakePods({});
  FakeMetricsClient client;
  HpaController controller;
  ReconcileResult r = controller.Reconcile("k", Spec(1, 10, {CpuMetric(50)}), Input(0, f), client);
  EXPECT_FALSE(r.rescaled);
  EXPECT_EQ(r.desired_replicas, 0);
  EXPECT_EQ(r.FindCondition(ConditionType::kScalingActive)->reason, "ScalingDisabled");
}

TEST(HpaControllerTest, LegacyScaleUpIsCappedAtTwiceCurrent) {
  PodsFixture f = MakePods({1000, 1000, 1000});  // 100 % vs 10 % -> proposal 30
  FakeMetricsClient client;
  client.resource = f.metrics;
  HpaController controller;
  ReconcileResult r = controller.Reconcile("k", Spec(1, 100, {CpuMetric(10)}), Input(3, f), client);
  EXPECT_EQ(r.metric_proposal, 30);
  EXPECT_EQ(r.desired_replicas, 6);
  EXPECT_EQ(r.FindCondition(ConditionType::kScalingLimited)->reason, "ScaleUpLimit");
  EXPECT_TRUE(r.FindCondition(ConditionType::kScalingLimited)->status);
}

TEST(HpaControllerTest, BehaviorPolicyUsesRecordedScaleEvents) {
  FakeMetricsClient client;
  HpaController controller;
  HpaSpec spec = Spec(1, 100, {CpuMetric(10)});
  ScalingRules up;
  up.policies = std::vector<ScalingPolicy>{{PolicyType::kPods, 4, 60}};
  spec.behavior = Behavior{up, std::nullopt};
  SetDefaults(spec);

  PodsFixture f2 = MakePods({1000, 1000});
  client.resource = f2.metrics;
  ReconcileResult r = controller.Reconcile("k", spec, Input(2, f2, kNow), client);
  EXPECT_EQ(r.desired_replicas, 6);  // 2 + 4 pods per 60 s
  ASSERT_EQ(controller.History("k")->scale_up_events.size(), 1u);
  EXPECT_EQ(controller.History("k")->scale_up_events[0].replica_change, 4);

  PodsFixture f6 = MakePods({1000, 1000, 1000, 1000, 1000, 1000});
  client.resource = f6.metrics;
  r = controller.Reconcile("k", spec, Input(6, f6, kNow + 15), client);
  EXPECT_FALSE(r.rescaled);  // the 4 added 15 s ago use up the 60 s budget
  EXPECT_EQ(r.FindCondition(ConditionType::kScalingLimited)->reason, "ScaleUpLimit");
  r = controller.Reconcile("k", spec, Input(6, f6, kNow + 60), client);
  EXPECT_EQ(r.desired_replicas, 10);  // the event at exactly now - 60 no longer counts
}

TEST(HpaControllerTest, LegacyPathStoresNoScaleEvents) {
  PodsFixture f = MakePods({1000, 1000});
  FakeMetricsClient client;
  client.resource = f.metrics;
  HpaController controller;
  controller.Reconcile("k", Spec(1, 100, {CpuMetric(10)}), Input(2, f), client);
  EXPECT_TRUE(controller.History("k")->scale_up_events.empty());
}

TEST(HpaControllerTest, MultipleMetricsTakeTheMaximumAndTiesKeepTheFirst) {
  PodsFixture f = MakePods({600, 600});  // cpu 60 % vs 50 % -> ceil(1.2 x 2) = 3
  FakeMetricsClient client;
  client.resource = f.metrics;
  client.custom = std::vector<RawCustomMetric>{{"test-pod-0", kNow, std::nullopt, 15000},
                                               {"test-pod-1", kNow, std::nullopt, 15000}};
  HpaController controller;
  // rps 15 vs 10 per pod -> ceil(1.5 x 2) = 3: a tie, the cpu metric (first) names it.
  ReconcileResult r = controller.Reconcile(
      "a", Spec(1, 10, {CpuMetric(50), PodsMetric("rps", 10000)}), Input(2, f), client);
  EXPECT_EQ(r.metric_proposal, 3);
  EXPECT_EQ(r.metric_name, "cpu resource utilization (percentage of request)");
  // rps 15 vs 5 -> 6: the pods metric wins.
  r = controller.Reconcile("b", Spec(1, 10, {CpuMetric(50), PodsMetric("rps", 5000)}), Input(2, f), client);
  EXPECT_EQ(r.metric_proposal, 6);
  EXPECT_EQ(r.metric_name, "pods metric rps");
  EXPECT_EQ(r.desired_replicas, 4);  // legacy cap max(2 x 2, 4)
}

TEST(HpaControllerTest, PerDirectionToleranceFromBehavior) {
  PodsFixture f = MakePods({525, 525});  // 52 % vs 50 %: ratio 1.04, inside the default 10 %
  FakeMetricsClient client;
  client.resource = f.metrics;
  HpaController controller;
  HpaSpec spec = Spec(1, 10, {CpuMetric(50)});
  EXPECT_FALSE(controller.Reconcile("a", spec, Input(2, f), client).rescaled);
  ScalingRules up;
  up.tolerance = 0.01;
  spec.behavior = Behavior{up, std::nullopt};
  SetDefaults(spec);
  ReconcileResult r = controller.Reconcile("b", spec, Input(2, f), client);
  EXPECT_EQ(r.desired_replicas, 3);
}

TEST(HpaControllerTest, ScaleToZeroGateRoundTrip) {
  ControllerConfig config;
  config.scale_to_zero = true;
  HpaController controller(config);
  HpaSpec spec = Spec(0, 10, {ExternalValue("queue", 1000)});
  spec.behavior = Behavior{};
  ScalingRules down;
  down.stabilization_window_seconds = 0;
  spec.behavior->scale_down = down;
  SetDefaults(spec);
  ASSERT_TRUE(ValidateHpaSpec(spec, config).ok());

  PodsFixture f = MakePods({100, 100});
  FakeMetricsClient client;
  client.external = std::vector<int64_t>{0};
  ReconcileResult r = controller.Reconcile("k", spec, Input(2, f), client);
  EXPECT_EQ(r.desired_replicas, 0);
  EXPECT_TRUE(r.FindCondition(ConditionType::kScaledToZero)->status);

  // From zero the Value path proposes ceil(ratio) without tolerance: 1.5 -> 2.
  client.external = std::vector<int64_t>{1500};
  r = controller.Reconcile("k", spec, Input(0, MakePods({}), kNow + 15), client);
  EXPECT_EQ(r.desired_replicas, 2);
  EXPECT_FALSE(r.FindCondition(ConditionType::kScaledToZero)->status);

  // A target put to zero by hand (not by the HPA) stays paused.
  r = controller.Reconcile("manual", spec, Input(0, MakePods({}), kNow), client);
  EXPECT_FALSE(r.rescaled);
  EXPECT_EQ(r.FindCondition(ConditionType::kScalingActive)->reason, "ScalingDisabled");
}

TEST(HpaControllerTest, ForgetDropsTheKey) {
  PodsFixture f = MakePods({100});
  FakeMetricsClient client;
  client.resource = f.metrics;
  HpaController controller;
  controller.Reconcile("k", Spec(1, 10, {CpuMetric(50)}), Input(1, f), client);
  ASSERT_NE(controller.History("k"), nullptr);
  controller.Forget("k");
  EXPECT_EQ(controller.History("k"), nullptr);
}

}  // namespace
}  // namespace podpilot::hpa
