// KedaPolicy (the Policy adapter: KEDA's loop plus its HPA) and MakeKedaPolicy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "policy/keda/keda_factory.h"
#include "policy/keda/keda_policy.h"
#include "policy/policy_spec.h"

namespace podpilot::keda {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Policy> Make(const std::string& spec) {
  auto params = ParsePolicySpec(spec);
  EXPECT_TRUE(params.ok()) << spec;
  auto policy = MakeKedaPolicy(*params);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  PolicyContext ctx;
  ctx.target_names = {"web"};
  (*policy)->Reset(ctx);
  return std::move(*policy);
}

// One target whose replicas follow the decisions at once (ready immediately).
struct World {
  int replicas = 0;
  double request_rate = 0;
  Observation Observe(double now) const {
    Observation obs;
    obs.time_s = now;
    TargetObservation t;
    t.name = "web";
    t.replicas_spec = t.replicas_ready = replicas;
    t.max_replicas = 20;
    t.request_rate = request_rate;
    obs.targets.push_back(t);
    return obs;
  }
  Decision Step(Policy& p, double now) {
    Decision d = p.Decide(Observe(now));
    if (d.targets[0].replicas != TargetDecision::kKeep) replicas = d.targets[0].replicas;
    return d;
  }
};

const char* kSpec = "keda:metric=request_rate,threshold=50,activation=5,cooldown=300s,min=0";

TEST(KedaPolicy, ActivationThresholdGatesScaleFromZero) {
  for (const char* hpa : {"core", "plain"}) {
    auto p = Make(std::string(kSpec) + ",hpa=" + hpa);
    World w;
    w.request_rate = 5;  // not above the activation threshold
    for (double t = 0; t < 120; t += 15) w.Step(*p, t);
    EXPECT_EQ(w.replicas, 0) << hpa;
    w.request_rate = 5.5;
    Decision d = w.Step(*p, 120);  // a polling tick (every 30 s): KEDA scales 0 -> 1
    EXPECT_EQ(w.replicas, 1) << hpa;
    EXPECT_THAT(d.reason, HasSubstr("scaled from 0 to 1"));
  }
}

TEST(KedaPolicy, HpaScalesOnAverageValueAndKedaScalesToZeroAfterCooldown) {
  for (const char* hpa : {"core", "plain"}) {
    auto p = Make(std::string(kSpec) + ",hpa=" + hpa);
    World w;
    w.request_rate = 400;  // 8 pods' worth at 50 per pod
    w.Step(*p, 0);
    EXPECT_EQ(w.replicas, 1) << hpa;
    for (double t = 15; t <= 60; t += 15) w.Step(*p, t);
    // 1 -> 4 (cap max(2x1, 4)) -> 8.
    EXPECT_EQ(w.replicas, 8) << hpa;
    // Traffic stops at 75 s. The HPA holds the scale-down for its 300 s window, KEDA waits for
    // the cooldown since the last active poll (60 s) and then goes straight to zero.
    w.request_rate = 0;
    double zero_at = -1;
    for (double t = 75; t <= 600; t += 15) {
      w.Step(*p, t);
      if (w.replicas == 0 && zero_at < 0) zero_at = t;
    }
    EXPECT_EQ(zero_at, 390) << hpa;  // first poll strictly after 60 + 300 s (polls every 30 s)
  }
}

TEST(KedaPolicy, FallbackMetricAfterRepeatedFailures) {
  auto p = Make(std::string(kSpec) + ",fallback_replicas=6,fallback_failures=2");
  World w;
  w.request_rate = 100;
  w.Step(*p, 0);
  w.Step(*p, 15);
  EXPECT_EQ(w.replicas, 2);
  w.request_rate = std::nan("");  // the scaler fails
  w.Step(*p, 30);  // failure 1
  w.Step(*p, 45);  // failure 2
  EXPECT_EQ(w.replicas, 2);
  Decision d = w.Step(*p, 60);  // failure 3 > 2: the adapter answers 6 x 50 -> the HPA goes to 4 (cap)
  EXPECT_THAT(d.reason, HasSubstr("fallback metric"));
  EXPECT_EQ(w.replicas, 4);
  w.Step(*p, 75);
  EXPECT_EQ(w.replicas, 6);
}

TEST(KedaPolicy, DescribesItself) {
  auto p = Make(kSpec);
  EXPECT_EQ(p->Name(), "keda:metric=request_rate,threshold=50,activation=5,min=0");
  EXPECT_FALSE(p->NeedsPodSamples());
  EXPECT_EQ(p->PreferredControlIntervalSeconds(), 0.0);
}

TEST(KedaFactory, RejectsUnknownKeysAndAbsurdValues) {
  const char* bad[] = {"keda:metric=request_rate",  // threshold missing
                       "keda:threshold=0",
                       "keda:threshold=-1",
                       "keda:threshold=10,metric=cpu",
                       "keda:threshold=10,metric_type=Utilization",
                       "keda:threshold=10,min=5,max=2",
                       "keda:threshold=10,min=2,idle=2",
                       "keda:threshold=10,polling=0s",
                       "keda:threshold=10,cooldown=-5s",
                       "keda:threshold=10,fallback_behavior=static",
                       "keda:threshold=10,fallback_replicas=3,fallback_behavior=always",
                       "keda:threshold=10,hpa=fancy",
                       "keda:threshold=10,treshold=5"};
  for (const char* spec : bad) {
    auto params = ParsePolicySpec(spec);
    ASSERT_TRUE(params.ok()) << spec;
    EXPECT_FALSE(MakeKedaPolicy(*params).ok()) << spec;
  }
  auto params = ParsePolicySpec("keda:threshold=10,treshold=5");
  EXPECT_THAT(MakeKedaPolicy(*params).status().message(), HasSubstr("treshold"));
}

TEST(KedaFactory, AcceptsDocumentedKeys) {
  auto params = ParsePolicySpec(
      "keda:metric=in_flight,threshold=20,activation=1,metric_type=Value,polling=15s,cooldown=2m,"
      "initial_cooldown=1m,min=2,max=30,idle=0,fallback_replicas=4,fallback_failures=5,"
      "fallback_behavior=currentReplicasIfHigher,hpa_sync=15s,hpa=plain");
  ASSERT_TRUE(params.ok());
  auto policy = MakeKedaPolicy(*params);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
}

}  // namespace
}  // namespace podpilot::keda
