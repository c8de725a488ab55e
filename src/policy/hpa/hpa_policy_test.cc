// End-to-end tests of HpaPolicy on Observations: metric extraction from pod samples and
// per-target fields, the Decision and its reason, per-target state, Reset and determinism.
#include "policy/hpa/hpa_policy.h"

#include <gtest/gtest.h>

#include "policy/hpa/hpa_factory.h"
#include "policy/hpa/observation_metrics.h"

namespace podpilot {
namespace {

constexpr double kT0 = 10000;  // simulation seconds

std::unique_ptr<Policy> Make(const std::string& text) {
  auto params = ParsePolicySpec(text);
  EXPECT_TRUE(params.ok());
  auto p = MakeHpaPolicy(*params);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(*p);
}

PodSample ReadyPod(double cpu_cores, double started = kT0 - 900) {
  PodSample s;
  s.phase = PodSample::Phase::kRunning;
  s.ready = true;
  s.start_time_s = started;
  s.ready_transition_s = started + 20;
  s.has_metrics = true;
  s.cpu_usage = cpu_cores;
  s.memory_usage = 200e6;
  s.metric_window_start_s = kT0 - 30;
  return s;
}

TargetObservation Target(const std::string& name, std::vector<PodSample> pods, double cpu_request = 0.5) {
  TargetObservation t;
  t.name = name;
  t.replicas_spec = static_cast<int>(pods.size());
  t.replicas_ready = static_cast<int>(pods.size());
  t.min_replicas = 1;
  t.max_replicas = 10;
  t.requests = {cpu_request, 256e6};
  t.pods = std::move(pods);
  return t;
}

Observation Obs(double t, std::vector<TargetObservation> targets) {
  Observation o;
  o.time_s = t;
  o.metrics_window_s = 30;
  o.targets = std::move(targets);
  return o;
}

TEST(HpaPolicyTest, ScalesUpOnCpuUtilizationFromPodSamples) {
  auto policy = Make("hpa:cpu=50");
  policy->Reset({});
  // 0.4 of 0.5 cores = 80 % vs 50 %: ceil(1.6 x 3) = 5, under the legacy cap max(6, 4).
  Decision d = policy->Decide(Obs(kT0, {Target("web", {ReadyPod(0.4), ReadyPod(0.4), ReadyPod(0.4)})}));
  ASSERT_EQ(d.targets.size(), 1u);
  EXPECT_EQ(d.targets[0].replicas, 5);
  EXPECT_FALSE(d.targets[0].set_resources);
  EXPECT_NE(d.reason.find("web: 3 -> 5"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("cpu resource utilization (percentage of request) proposes 5, above target"), std::string::npos)
      << d.reason;
}

TEST(HpaPolicyTest, FirstScaleDownWaitsForTheStabilizationWindow) {
  auto policy = Make("hpa:cpu=50");
  policy->Reset({});
  auto idle = [](double t) { return Obs(t, {Target("web", {ReadyPod(0.05), ReadyPod(0.05), ReadyPod(0.05)})}); };
  Decision d = policy->Decide(idle(kT0));
  EXPECT_EQ(d.targets[0].replicas, TargetDecision::kKeep);
  EXPECT_NE(d.reason.find("ScaleDownStabilized at 3"), std::string::npos) << d.reason;
  for (double t = kT0 + 15; t <= kT0 + 300; t += 15) {
    ASSERT_EQ(policy->Decide(idle(t)).targets[0].replicas, TargetDecision::kKeep) << t;
  }
  d = policy->Decide(idle(kT0 + 315));
  EXPECT_EQ(d.targets[0].replicas, 1);  // 10 % vs 50 %: ceil(0.2 x 3)
  EXPECT_NE(d.reason.find("proposes 1, all metrics below target"), std::string::npos) << d.reason;

  // Reset forgets the history: the next scale-down is held again.
  policy->Reset({});
  EXPECT_EQ(policy->Decide(idle(kT0 + 330)).targets[0].replicas, TargetDecision::kKeep);
}

TEST(HpaPolicyTest, RequestsPerSecondSpreadOverReadyPods) {
  auto policy = Make("hpa:rps=20");
  policy->Reset({});
  PodSample warming = ReadyPod(0.1, kT0 - 10);
  warming.ready = false;  // running, scraped, not yet in the load balancer: reports 0 req/s
  TargetObservation t = Target("api", {ReadyPod(0.1), ReadyPod(0.1), warming});
  t.request_rate = 100;  // 50 req/s on each ready pod
  Decision d = policy->Decide(Obs(kT0, {t}));
  // Pods metrics ignore readiness: average (50 + 50 + 0) / 3 = 33.333 vs 20 -> ceil(1.667 x 3) = 5.
  EXPECT_EQ(d.targets[0].replicas, 5);
  EXPECT_NE(d.reason.find("pods metric requests_per_second"), std::string::npos) << d.reason;
}

TEST(HpaPolicyTest, ExternalRequestRateTotal) {
  auto policy = Make("hpa:ext_rps_total=100");
  policy->Reset({});
  Observation o = Obs(kT0, {Target("web", {ReadyPod(0.1), ReadyPod(0.1)})});
  o.request_rate = 250;  // ratio 2.5 x 2 ready pods = 5, capped at max(2 x 2, 4)
  Decision d = policy->Decide(o);
  EXPECT_EQ(d.targets[0].replicas, 4);
  EXPECT_NE(d.reason.find("ScalingLimited=True ScaleUpLimit"), std::string::npos) << d.reason;
}

TEST(HpaPolicyTest, MissingPodSamplesMeanNoScaling) {
  auto policy = Make("hpa:cpu=50");
  policy->Reset({});
  TargetObservation t = Target("web", {});
  t.replicas_spec = 3;
  Decision d = policy->Decide(Obs(kT0, {t}));
  EXPECT_EQ(d.targets[0].replicas, TargetDecision::kKeep);
  EXPECT_NE(d.reason.find("FailedGetResourceMetric"), std::string::npos) << d.reason;
}

TEST(HpaPolicyTest, NoCpuRequestFailsUtilizationTarget) {
  auto policy = Make("hpa:cpu=50");
  policy->Reset({});
  Decision d = policy->Decide(Obs(kT0, {Target("web", {ReadyPod(0.4)}, /*cpu_request=*/0)}));
  EXPECT_EQ(d.targets[0].replicas, TargetDecision::kKeep);
  EXPECT_NE(d.reason.find("missing request for cpu"), std::string::npos) << d.reason;
}

TEST(HpaPolicyTest, StartingPodIsIgnoredForCpuScaleUp) {
  auto policy = Make("hpa:cpu=50");
  policy->Reset({});
  // A pod that started 20 s ago burns start-up CPU but is not ready: it counts as 0 % on the
  // scale-up, so 2 pods at 100 % + 1 at 0 % -> 66 % -> ceil(1.32 x 3) = 4, where counting its
  // burst would have given 100 % -> 6.
  PodSample starting = ReadyPod(0.5, kT0 - 20);
  starting.ready = false;
  starting.ready_transition_s = -1;
  Decision d = policy->Decide(Obs(kT0, {Target("web", {ReadyPod(0.5), ReadyPod(0.5), starting})}));
  EXPECT_EQ(d.targets[0].replicas, 4);
}

TEST(HpaPolicyTest, TargetsKeepSeparateStateAndMinMaxOverrides) {
  auto policy = Make("hpa:cpu=50,max=4");
  policy->Reset({});
  Observation o = Obs(kT0, {Target("a", {ReadyPod(0.75), ReadyPod(0.75)}), Target("b", {ReadyPod(0.25)})});
  Decision d = policy->Decide(o);
  ASSERT_EQ(d.targets.size(), 2u);
  EXPECT_EQ(d.targets[0].replicas, 4);                       // 150 % -> 6, max override 4
  EXPECT_EQ(d.targets[1].replicas, TargetDecision::kKeep);   // exactly at target
  EXPECT_NE(d.reason.find("a: 2 -> 4"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("; b: stays 1"), std::string::npos) << d.reason;
  auto* hpa_policy = static_cast<hpa::HpaPolicy*>(policy.get());
  ASSERT_EQ(hpa_policy->last_results().size(), 2u);
  EXPECT_EQ(hpa_policy->last_results()[0].FindCondition(hpa::ConditionType::kScalingLimited)->reason,
            "TooManyReplicas");
}

TEST(HpaPolicyTest, DeterministicOverASequence) {
  auto run = [] {
    auto policy = Make("hpa:cpu=60,behavior=default,scale_down_window=60s");
    policy->Reset({});
    std::vector<int> out;
    int replicas = 2;
    for (int step = 0; step < 40; ++step) {
      const double load = step < 20 ? 2.0 : 0.3;  // cores of demand shared by the pods
      std::vector<PodSample> pods(replicas, ReadyPod(load / replicas));
      TargetObservation t = Target("web", pods);
      Decision d = policy->Decide(Obs(kT0 + 15 * step, {t}));
      if (d.targets[0].replicas != TargetDecision::kKeep) replicas = d.targets[0].replicas;
      out.push_back(replicas);
    }
    return out;
  };
  const std::vector<int> first = run();
  EXPECT_EQ(first, run());
  EXPECT_GT(first[19], 2);        // scaled up under load
  EXPECT_LT(first.back(), first[19]);  // and back down after the 60 s window
}

TEST(ObservationMetricsTest, PodsAndScaleFromTarget) {
  PodSample pending;
  PodSample deleting = ReadyPod(0.1);
  deleting.deleting = true;
  PodSample no_transition = ReadyPod(0.1, kT0 - 50);
  no_transition.ready_transition_s = -1;
  TargetObservation t = Target("svc", {ReadyPod(0.1), pending, deleting, no_transition});
  std::vector<hpa::Pod> pods = hpa::PodsFromTarget(t);
  ASSERT_EQ(pods.size(), 4u);
  EXPECT_EQ(pods[0].name, "svc-0");
  EXPECT_EQ(pods[0].containers[0].cpu_request_milli, 500);
  EXPECT_EQ(pods[0].containers[0].memory_request_milli, 256'000'000'000);
  EXPECT_EQ(pods[1].phase, hpa::PodPhase::kPending);
  EXPECT_FALSE(pods[1].ready_condition.has_value());
  EXPECT_TRUE(pods[2].deletion_timestamp_set);
  ASSERT_TRUE(pods[3].ready_condition.has_value());
  EXPECT_EQ(pods[3].ready_condition->last_transition, kT0 - 50);
  EXPECT_EQ(hpa::ScaleFromTarget(t).status_replicas, 3);  // the terminating pod does not count

  Observation o = Obs(kT0, {t});
  hpa::ObservationMetricsClient client(o, o.targets[0]);
  auto cpu = client.GetResourceMetric(hpa::ResourceName::kCpu, "");
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(cpu->size(), 3u);  // the pending pod has no sample
  EXPECT_EQ(cpu->at("svc-0").value, 100);
  EXPECT_EQ(cpu->at("svc-0").timestamp, kT0);  // window [t - 30, t]
  EXPECT_EQ(cpu->at("svc-0").window_s, 30);
  EXPECT_FALSE(client.GetRawMetric("qps").ok());
  EXPECT_FALSE(client.GetExternalMetric("queue").ok());
  auto object = client.GetObjectMetric("request_rate", "Service", "svc");
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(*object, 0);
}

}  // namespace
}  // namespace podpilot
