// KpaPolicy (the Policy adapter, 2 s ticks) and MakeKpaPolicy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/kpa/kpa_factory.h"
#include "policy/kpa/kpa_policy.h"
#include "policy/policy_spec.h"

namespace podpilot::kpa {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Policy> Make(const std::string& spec) {
  auto params = ParsePolicySpec(spec);
  EXPECT_TRUE(params.ok()) << spec;
  auto policy = MakeKpaPolicy(*params);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  PolicyContext ctx;
  ctx.target_names = {"fn"};
  (*policy)->Reset(ctx);
  return std::move(*policy);
}

// A one-target world that follows the policy's replica decisions instantly (pods ready at once).
struct World {
  int replicas = 1;
  double in_flight_total = 0;  // concurrent requests over the service
  double request_rate = 0;
  Observation Observe(double now) const {
    Observation obs;
    obs.time_s = now;
    TargetObservation t;
    t.name = "fn";
    t.replicas_spec = t.replicas_ready = replicas;
    t.max_replicas = 50;
    t.in_flight = replicas > 0 ? in_flight_total / replicas : in_flight_total;
    t.request_rate = request_rate;
    obs.targets.push_back(t);
    return obs;
  }
  void Apply(const Decision& d) {
    if (d.targets[0].replicas != TargetDecision::kKeep) replicas = d.targets[0].replicas;
  }
};

TEST(KpaPolicy, AsksForATwoSecondControlInterval) {
  auto p = Make("kpa");
  EXPECT_EQ(p->PreferredControlIntervalSeconds(), 2.0);
  EXPECT_EQ(p->PreferredMetricsWindowSeconds(), 2.0) << "one tick: Knative scrapes every second";
  EXPECT_EQ(p->Name(), "kpa:metric=concurrency,target=100");
  EXPECT_FALSE(p->NeedsPodSamples());
}

TEST(KpaPolicy, ConcurrencyAboveTargetScalesUpAtOnceAndPanics) {
  auto p = Make("kpa:target=100,metric=concurrency");  // 70 per pod after 70 % utilization
  World w;
  w.in_flight_total = 140;
  Decision d = p->Decide(w.Observe(100));
  EXPECT_EQ(d.targets[0].replicas, 2);  // ceil(140 / 70); 2 / 1 ready >= panic threshold 2
  EXPECT_THAT(d.reason, HasSubstr("(panic)"));
  w.Apply(d);
  // Load drops while panicking: no scale-down.
  w.in_flight_total = 10;
  for (double t = 102; t < 150; t += 2) {
    d = p->Decide(w.Observe(t));
    w.Apply(d);
  }
  EXPECT_EQ(w.replicas, 2);
}

TEST(KpaPolicy, IdleServiceScalesToZeroAfterTheStableWindow) {
  auto p = Make("kpa");
  World w;
  double zero_at = -1;
  for (double t = 0; t <= 200; t += 2) {
    Decision d = p->Decide(w.Observe(t));
    w.Apply(d);
    if (w.replicas == 0 && zero_at < 0) zero_at = t;
  }
  // Active since t=0; at 60 s the PA goes inactive, and with the activator already in the path
  // (1 pod x 100 - 211 < 0) it scales to zero on the next reconcile.
  EXPECT_EQ(zero_at, 62);
}

TEST(KpaPolicy, ActivatorPokeScalesFromZero) {
  auto p = Make("kpa");
  World w;
  w.replicas = 0;
  Decision d = p->Decide(w.Observe(10));
  EXPECT_EQ(d.targets[0].replicas, TargetDecision::kKeep);  // no pods, no traffic: no data
  EXPECT_THAT(d.reason, HasSubstr("no metric data"));
  w.request_rate = 3;
  d = p->Decide(w.Observe(12));
  EXPECT_EQ(d.targets[0].replicas, 1);
}

TEST(KpaPolicy, RpsMetricUsesTheRequestRate) {
  auto p = Make("kpa:metric=rps");  // 200 x 0.7 = 140 rps per pod
  World w;
  w.request_rate = 280;
  Decision d = p->Decide(w.Observe(0));
  EXPECT_EQ(d.targets[0].replicas, 2);
  EXPECT_THAT(d.reason, HasSubstr("rps"));
}

TEST(KpaPolicy, StableWindowAveragesOverTheSecondsSeen) {
  auto p = Make("kpa:target=10,target_utilization=100,max_scale_down_rate=1000,panic_threshold_pct=1000");
  World w;
  w.replicas = 4;
  w.in_flight_total = 40;
  for (double t = 0; t < 60; t += 2) w.Apply(p->Decide(w.Observe(t)));
  EXPECT_EQ(w.replicas, 4);
  // Load stops; the tick at 60 s fills seconds 59-60 with what it observes (0). At 90 s the 60 s
  // window holds seconds 31..90, of which 31..58 carried 40: 28 x 40 / 60 = 18.666666.
  w.in_flight_total = 0;
  for (double t = 60; t < 90; t += 2) w.Apply(p->Decide(w.Observe(t)));
  Decision d = p->Decide(w.Observe(90));
  EXPECT_THAT(d.reason, HasSubstr("stable=18.667"));
  EXPECT_THAT(d.reason, HasSubstr("desired=2"));
}

TEST(KpaFactory, RejectsUnknownKeysAndAbsurdValues) {
  const char* bad[] = {"kpa:metric=cpu",           "kpa:targett=10",         "kpa:target=0",
                       "kpa:stable_window=5s",     "kpa:stable_window=2h",   "kpa:stable_window=61.5s",
                       "kpa:panic_threshold_pct=100", "kpa:max_scale_up_rate=1", "kpa:max_scale_down_rate=0.5",
                       "kpa:target_burst_capacity=-2", "kpa:min=5,max=2",     "kpa:target_utilization=0",
                       "kpa:scale_to_zero=maybe",  "kpa:activation_scale=0", "kpa:tick=0s"};
  for (const char* spec : bad) {
    auto params = ParsePolicySpec(spec);
    if (!params.ok()) continue;
    EXPECT_FALSE(MakeKpaPolicy(*params).ok()) << spec;
  }
  auto params = ParsePolicySpec("kpa:targett=10");
  EXPECT_THAT(MakeKpaPolicy(*params).status().message(), HasSubstr("targett"));
}

TEST(KpaFactory, ContainerConcurrencyCapsTheTarget) {
  auto params = ParsePolicySpec("kpa:container_concurrency=10,target=50");
  auto policy = MakeKpaPolicy(*params);
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ((*policy)->Name(), "kpa:metric=concurrency,target=10");
}

TEST(KpaFactory, AcceptsDocumentedKeys) {
  auto params = ParsePolicySpec(
      "kpa:metric=concurrency,target=50,container_concurrency=100,target_utilization=80,stable_window=120s,"
      "panic_window_pct=20,panic_threshold_pct=300,max_scale_up_rate=10,max_scale_down_rate=4,"
      "target_burst_capacity=-1,activation_scale=2,scale_to_zero=false,grace=1m,retention=2m,"
      "scale_down_delay=30s,min=1,max=20,tick=2s");
  ASSERT_TRUE(params.ok());
  auto policy = MakeKpaPolicy(*params);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
}

}  // namespace
}  // namespace podpilot::kpa
