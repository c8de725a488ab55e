#include "policy/hpa/hpa_factory.h"

#include <gtest/gtest.h>

#include "policy/hpa/hpa_defaults.h"

namespace podpilot {
namespace {

using hpa::MetricSourceType;
using hpa::MetricTargetType;
using hpa::PolicyType;

StatusOr<std::unique_ptr<Policy>> Make(const std::string& text) {
  auto params = ParsePolicySpec(text);
  if (!params.ok()) return params.status();
  return MakeHpaPolicy(*params);
}

const hpa::HpaPolicyOptions& Options(const std::unique_ptr<Policy>& p) {
  return static_cast<const hpa::HpaPolicy&>(*p).options();
}

void ExpectError(const std::string& text, const std::string& substring) {
  auto p = Make(text);
  ASSERT_FALSE(p.ok()) << text;
  EXPECT_NE(p.status().message().find(substring), std::string::npos)
      << text << " -> " << p.status().message();
}

TEST(HpaFactoryTest, BareHpaUsesTheApiDefaults) {
  auto p = Make("hpa");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const auto& o = Options(*p);
  ASSERT_EQ(o.spec.metrics.size(), 1u);
  EXPECT_EQ(o.spec.metrics[0].type, MetricSourceType::kResource);
  EXPECT_EQ(o.spec.metrics[0].resource, hpa::ResourceName::kCpu);
  EXPECT_EQ(o.spec.metrics[0].target.type, MetricTargetType::kUtilization);
  EXPECT_EQ(o.spec.metrics[0].target.average_utilization, 80);
  EXPECT_FALSE(o.spec.behavior.has_value());  // legacy path
  EXPECT_FALSE(o.min_replicas.has_value());
  EXPECT_DOUBLE_EQ(o.controller.tolerance, 0.1);
  EXPECT_EQ((*p)->Name(), "hpa");
  EXPECT_TRUE((*p)->NeedsPodSamples());
  EXPECT_DOUBLE_EQ((*p)->PreferredControlIntervalSeconds(), 15.0);
}

TEST(HpaFactoryTest, CpuTarget) {
  auto p = Make("hpa:cpu=50");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Options(*p).spec.metrics[0].target.average_utilization, 50);
  EXPECT_EQ((*p)->Name(), "hpa:cpu=50");
}

TEST(HpaFactoryTest, BehaviorDefaultFillsApiDefaults) {
  auto p = Make("hpa:cpu=70,behavior=default");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const auto& b = Options(*p).spec.behavior;
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->scale_up->stabilization_window_seconds, 0);
  EXPECT_EQ(b->scale_up->select_policy, hpa::SelectPolicy::kMax);
  ASSERT_EQ(b->scale_up->policies->size(), 2u);
  EXPECT_EQ((*b->scale_up->policies)[0].type, PolicyType::kPods);
  EXPECT_EQ((*b->scale_up->policies)[0].value, 4);
  EXPECT_EQ((*b->scale_up->policies)[1].value, 100);
  EXPECT_FALSE(b->scale_down->stabilization_window_seconds.has_value());  // the controller flag fills it
  ASSERT_EQ(b->scale_down->policies->size(), 1u);
  EXPECT_EQ((*b->scale_down->policies)[0].type, PolicyType::kPercent);
}

TEST(HpaFactoryTest, MemoryAndPodsMetrics) {
  auto m = Make("hpa:memory=60");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(Options(*m).spec.metrics[0].resource, hpa::ResourceName::kMemory);
  EXPECT_EQ(Options(*m).spec.metrics[0].target.average_utilization, 60);

  auto r = Make("hpa:rps=20");
  ASSERT_TRUE(r.ok());
  const auto& spec = Options(*r).spec.metrics[0];
  EXPECT_EQ(spec.type, MetricSourceType::kPods);
  EXPECT_EQ(spec.metric_name, "requests_per_second");
  EXPECT_EQ(spec.target.type, MetricTargetType::kAverageValue);
  EXPECT_EQ(spec.target.average_value_milli, 20000);
}

TEST(HpaFactoryTest, SeveralMetricsKeepAFixedOrder) {
  auto p = Make("hpa:rps=20,cpu=60,ext_rps_total=500,cpu_avg=250m");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const auto& m = Options(*p).spec.metrics;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].target.average_utilization, 60);
  EXPECT_EQ(m[1].target.average_value_milli, 250);  // cpu_avg in millicores
  EXPECT_EQ(m[2].type, MetricSourceType::kPods);
  EXPECT_EQ(m[3].type, MetricSourceType::kExternal);
  EXPECT_EQ(m[3].target.type, MetricTargetType::kValue);
  EXPECT_EQ(m[3].target.value_milli, 500000);
}

TEST(HpaFactoryTest, FullBehaviorExample) {
  auto p = Make(
      "hpa:cpu=60,scale_down_window=60s,tolerance=0.05,scale_up_pods=4,scale_up_percent=100,"
      "scale_down_percent=100,period=15s");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const auto& o = Options(*p);
  EXPECT_DOUBLE_EQ(o.controller.tolerance, 0.05);
  ASSERT_TRUE(o.spec.behavior.has_value());
  EXPECT_EQ(o.spec.behavior->scale_down->stabilization_window_seconds, 60);
  EXPECT_EQ(o.spec.behavior->scale_up->stabilization_window_seconds, 0);
  const auto& up = *o.spec.behavior->scale_up->policies;
  ASSERT_EQ(up.size(), 2u);
  EXPECT_EQ(up[0].type, PolicyType::kPods);
  EXPECT_EQ(up[0].value, 4);
  EXPECT_EQ(up[0].period_seconds, 15);
  EXPECT_EQ(up[1].type, PolicyType::kPercent);
  const auto& down = *o.spec.behavior->scale_down->policies;
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].value, 100);
}

TEST(HpaFactoryTest, PerDirectionKeys) {
  auto p = Make("hpa:scale_up_pods=2,scale_up_period=60s,scale_down_select=disabled,"
                "scale_up_tolerance=0.02,scale_down_tolerance=0.3");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const auto& b = *Options(*p).spec.behavior;
  EXPECT_EQ((*b.scale_up->policies)[0].period_seconds, 60);
  EXPECT_EQ(b.scale_down->select_policy, hpa::SelectPolicy::kDisabled);
  const hpa::Tolerances t = hpa::TolerancesFor(Options(*p).spec, Options(*p).controller);
  EXPECT_DOUBLE_EQ(t.scale_up, 0.02);
  EXPECT_DOUBLE_EQ(t.scale_down, 0.3);
}

TEST(HpaFactoryTest, ReplicaBoundsAndControllerFlags) {
  auto p = Make("hpa:cpu=50,min=2,max=20,sync_period=30s,cpu_init_period=2m,readiness_delay=10s,"
                "downscale_stabilization=1m");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const auto& o = Options(*p);
  EXPECT_EQ(o.min_replicas, 2);
  EXPECT_EQ(o.max_replicas, 20);
  EXPECT_DOUBLE_EQ((*p)->PreferredControlIntervalSeconds(), 30);
  EXPECT_DOUBLE_EQ(o.controller.cpu_initialization_period_s, 120);
  EXPECT_DOUBLE_EQ(o.controller.initial_readiness_delay_s, 10);
  EXPECT_DOUBLE_EQ(o.controller.downscale_stabilization_window_s, 60);
}

TEST(HpaFactoryTest, RejectsUnknownKeys) { ExpectError("hpa:cpuu=50", "unknown parameter(s) cpuu"); }

TEST(HpaFactoryTest, RejectsAbsurdValues) {
  ExpectError("hpa:cpu=0", "cpu=0");
  ExpectError("hpa:cpu=-5", "cpu=-5");
  ExpectError("hpa:cpu=1001", "cpu=1001");
  ExpectError("hpa:cpu=fifty", "cpu=fifty");
  ExpectError("hpa:memory=0", "memory=0");
  ExpectError("hpa:rps=0", "rps=0");
  ExpectError("hpa:rps=-1", "rps=-1");
  ExpectError("hpa:cpu_avg=0m", "cpu_avg=0m");
  ExpectError("hpa:tolerance=1.5", "tolerance=1.5");
  ExpectError("hpa:max=0", "max=0");
  ExpectError("hpa:min=5,max=3", "max=3");
  ExpectError("hpa:scale_up_window=2h", "scale_up_window=2h");
  ExpectError("hpa:scale_down_window=1.5s", "whole seconds");
  ExpectError("hpa:scale_up_pods=0", "scale_up_pods=0");
  ExpectError("hpa:scale_up_select=fastest", "scale_up_select=fastest");
  ExpectError("hpa:behavior=sometimes", "behavior=sometimes");
}

TEST(HpaFactoryTest, RejectsInconsistentCombinations) {
  ExpectError("hpa:behavior=none,scale_up_pods=4", "conflicts");
  ExpectError("hpa:period=30s", "period=30s");
  ExpectError("hpa:scale_down_period=30s", "needs scale_down_pods or scale_down_percent");
  ExpectError("hpa:cpu=50,min=0", "minReplicas");  // needs the scale-to-zero gate
  ExpectError("hpa:cpu=50,min=0,scale_to_zero=true", "Object or External");
}

TEST(HpaFactoryTest, ScaleToZeroWithExternalMetric) {
  auto p = Make("hpa:ext_rps=50,min=0,scale_to_zero=true");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(Options(*p).min_replicas, 0);
  EXPECT_TRUE(Options(*p).controller.scale_to_zero);
}

}  // namespace
}  // namespace podpilot
