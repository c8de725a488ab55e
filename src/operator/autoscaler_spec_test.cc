#include "operator/autoscaler_spec.h"

#include <gtest/gtest.h>

namespace podpilot::op {
namespace {

using nlohmann::json;

json Base() {
  return json::parse(R"({
    "apiVersion": "autoscaling.podpilot.dev/v1alpha1", "kind": "PodPilotAutoscaler",
    "metadata": {"name": "web", "namespace": "shop", "uid": "u1", "generation": 3},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
             "minReplicas": 2, "maxReplicas": 10, "mode": "Active",
             "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}],
             "policy": {"type": "Hpa"}}})");
}

TEST(AutoscalerSpecTest, SingleTargetHpa) {
  auto s = ParseAutoscalerSpec(Base());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->namespace_, "shop");
  EXPECT_EQ(s->generation, 3);
  ASSERT_EQ(s->targets.size(), 1u);
  EXPECT_EQ(s->targets[0].name, "web");
  EXPECT_EQ(s->targets[0].min_replicas, 2);
  EXPECT_EQ(s->targets[0].max_replicas, 10);
  EXPECT_EQ(s->mode, Mode::kActive);
  EXPECT_EQ(s->hpa_spec, "hpa:cpu=60");
  EXPECT_EQ(s->policy_spec, "hpa:cpu=60");
}

TEST(AutoscalerSpecTest, TimeZoneDefaultsToUtcAndMustBeKnown) {
  auto utc = ParseAutoscalerSpec(Base());
  ASSERT_TRUE(utc.ok()) << utc.status().ToString();
  EXPECT_EQ(utc->time_zone.name(), "UTC");
  json o = Base();
  o["spec"]["timeZone"] = "Europe/Berlin";
  auto berlin = ParseAutoscalerSpec(o);
  ASSERT_TRUE(berlin.ok()) << berlin.status().ToString();
  EXPECT_EQ(berlin->time_zone.name(), "Europe/Berlin");
  for (const json& bad : {json("Europe/Atlantis"), json(""), json(60)}) {
    o["spec"]["timeZone"] = bad;
    auto s = ParseAutoscalerSpec(o);
    ASSERT_FALSE(s.ok()) << bad.dump();
    EXPECT_EQ(s.status().message().rfind("spec.timeZone: ", 0), 0u) << s.status().message();
    if (bad.is_string() && !bad.get<std::string>().empty()) {
      EXPECT_NE(s.status().message().find("'Europe/Atlantis'"), std::string::npos) << s.status().message();
    }
  }
}

TEST(AutoscalerSpecTest, StatefulSetAndReplicaSetTargets) {
  for (const char* kind : {"StatefulSet", "ReplicaSet"}) {
    json o = Base();
    o["spec"]["scaleTargetRef"]["kind"] = kind;
    auto s = ParseAutoscalerSpec(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->targets[0].kind, kind);
  }
}

TEST(AutoscalerSpecTest, DefaultsAreShadowAndTheApiDefaultMetric) {
  json o = Base();
  o["spec"].erase("mode");
  o["spec"].erase("metrics");
  auto s = ParseAutoscalerSpec(o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->mode, Mode::kShadow);
  EXPECT_EQ(s->hpa_spec, "hpa");
}

TEST(AutoscalerSpecTest, BehaviorMapsToHpaKeys) {
  auto spec = HpaSpecFromV2(json::parse(R"([{"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                                              "target": {"type": "AverageValue", "averageValue": "20"}}}])"),
                            json::parse(R"({"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                                              "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                                           {"type": "Percent", "value": 100, "periodSeconds": 15}]},
                                            "scaleDown": {"stabilizationWindowSeconds": 60}})"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(*spec, "hpa:rps=20,behavior=default,scale_up_window=0s,scale_up_select=max,scale_up_pods=4,"
                   "scale_up_percent=100,scale_up_period=15s,scale_down_window=60s");
}

TEST(AutoscalerSpecTest, GroupTargetsInheritBounds) {
  json o = Base();
  o["spec"].erase("scaleTargetRef");
  o["spec"]["targets"] = json::parse(R"([{"kind": "Deployment", "name": "a", "maxReplicas": 4},
                                         {"kind": "Deployment", "name": "b"}])");
  auto s = ParseAutoscalerSpec(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->targets.size(), 2u);
  EXPECT_EQ(s->targets[0].max_replicas, 4);
  EXPECT_EQ(s->targets[1].max_replicas, 10);
  EXPECT_EQ(s->targets[1].min_replicas, 2);
}

TEST(AutoscalerSpecTest, LearnedAndPredictiveSpecs) {
  json o = Base();
  o["spec"]["policy"] = json::parse(R"({"type": "Learned", "model": {"path": "boutique.safetensors"},
                                         "parameters": {"fallback_cpu": "70"}})");
  ParseOptions opts;
  opts.model_dir = "/models";
  auto s = ParseAutoscalerSpec(o, opts);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->policy_type, PolicyType::kLearned);
  EXPECT_EQ(s->model_path, "/models/boutique.safetensors");
  EXPECT_EQ(s->policy_spec, "learned:model=/models/boutique.safetensors,fallback=hpa,fallback_cpu=70");
  o["spec"]["policy"] = json::parse(R"({"type": "Learned", "model": {"configMapRef": {"name": "models", "key": "web.safetensors"}}})");
  s = ParseAutoscalerSpec(o, opts);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->model_path, "");
  EXPECT_EQ(s->model_config_map, "models");
  EXPECT_EQ(s->model_config_map_key, "web.safetensors");
  EXPECT_EQ(s->policy_spec, "learned:fallback=hpa");
  o["spec"]["policy"] = json::parse(R"({"type": "Predictive", "parameters": {"cpu": "70", "headroom": "0.15"}})");
  s = ParseAutoscalerSpec(o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->policy_spec, "predictive:cpu=70,headroom=0.15");
}

// Bad input: each error names the field path and the value.
TEST(AutoscalerSpecTest, ErrorsNameFieldAndValue) {
  struct Case { std::string patch; std::string want; };
  const Case cases[] = {
      {R"({"spec": {"minReplicas": 11}})", "spec.minReplicas: 11 exceeds maxReplicas 10"},
      {R"({"spec": {"mode": "Aggressive"}})", "spec.mode: 'Aggressive'"},
      {R"({"spec": {"scaleTargetRef": {"kind": "CronJob", "name": "x"}}})", "spec.scaleTargetRef.kind: 'CronJob'"},
      {R"({"spec": {"scaleTargetRef": {"apiVersion": "apps/v1beta2", "kind": "StatefulSet", "name": "x"}}})",
       "spec.scaleTargetRef.apiVersion: 'apps/v1beta2' (want apps/v1)"},
      {R"({"spec": {"metrics": [{"type": "Resource", "resource": {"name": "gpu", "target": {"type": "Utilization", "averageUtilization": 5}}}]}})",
       "spec.metrics[0].resource.name: 'gpu'"},
      {R"({"spec": {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": "60"}}}]}})",
       "spec.metrics[0].resource.target.averageUtilization: '60' is not an integer"},
      {R"({"spec": {"policy": {"type": "Magic"}}})", "spec.policy.type: 'Magic'"},
      {R"({"spec": {"policy": {"type": "Learned"}}})", "spec.policy.model"},
      {R"({"spec": {"policy": {"type": "Learned", "model": {"path": "a", "configMapRef": {"name": "m", "key": "k"}}}}})",
       "spec.policy.model: give path or configMapRef, not both"},
      {R"({"spec": {"policy": {"type": "Learned", "model": {"configMapRef": {"name": "m"}}}}})",
       "spec.policy.model.configMapRef: needs name and key"},
      {R"({"spec": {"policy": {"type": "Hpa", "parameters": {"cpu": "60,memory=1"}}}})", "spec.policy.parameters.cpu: '60,memory=1'"},
      {R"({"spec": {"behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                                          {"type": "Percent", "value": 50, "periodSeconds": 60}]}}}})",
       "spec.behavior.scaleUp.policies[1].periodSeconds: 60 differs"},
      {R"({"spec": {"maxReplicas": 0}})", "spec.maxReplicas: 0 is outside"},
      // Quantities the CRD's schema cannot range-check, refused by the HPA rule's own limits.
      {R"j({"spec": {"metrics": [{"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                                 "target": {"type": "AverageValue", "averageValue": "1e9"}}}],
                    "signals": {"requestRateQuery": "sum(rate(x[1m]))"}}})j",
       "spec.metrics[0].pods.target.averageValue: "},
      {R"j({"spec": {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "5000"}}}]}})j",
       "spec.metrics[0].resource.target.averageValue: "},
      {R"j({"spec": {"metrics": [{"type": "External", "external": {"metric": {"name": "request_rate"},
                                 "target": {"type": "Value", "value": "0.0001"}}}],
                    "signals": {"requestRateQuery": "sum(rate(x[1m]))"}}})j",
       "spec.metrics[0].external.target.value: "},
      {R"j({"spec": {"metrics": [{"type": "External", "external": {"metric": {"name": "request_rate"},
                                 "target": {"type": "Value", "value": "lots"}}}],
                    "signals": {"requestRateQuery": "sum(rate(x[1m]))"}}})j",
       "spec.metrics[0].external.target.value: 'lots' is not a quantity"},
      {R"j({"spec": {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
                                 {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}})j",
       "spec.metrics[1]: the same metric as spec.metrics[0]"},
  };
  for (const auto& c : cases) {
    json o = Base();
    o.merge_patch(json::parse(c.patch));
    auto s = ParseAutoscalerSpec(o);
    ASSERT_FALSE(s.ok()) << c.patch;
    EXPECT_NE(s.status().message().find(c.want), std::string::npos) << s.status().message() << " / want " << c.want;
  }
  json both = Base();
  both["spec"]["targets"] = json::parse(R"([{"kind": "Deployment", "name": "a"}])");
  EXPECT_FALSE(ParseAutoscalerSpec(both).ok());
}

// Kubernetes quantities in Pods and External targets become the plain numbers of the rule's keys.
TEST(AutoscalerSpecTest, QuantitiesOfPodsAndExternalTargetsAreConverted) {
  json o = Base();
  o.merge_patch(json::parse(R"j({"spec": {"metrics": [
      {"type": "Pods", "pods": {"metric": {"name": "in_flight"}, "target": {"type": "AverageValue", "averageValue": "700m"}}},
      {"type": "External", "external": {"metric": {"name": "request_rate"}, "target": {"type": "Value", "value": "2k"}}},
      {"type": "Pods", "pods": {"metric": {"name": "requests_per_second"}, "target": {"type": "AverageValue", "averageValue": 25}}}],
    "signals": {"requestRateQuery": "sum(rate(x[1m]))", "perTarget": {"inFlight": "sum(inflight{workload=\"$target\"})"}}}})j"));
  auto s = ParseAutoscalerSpec(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->hpa_spec, "hpa:inflight=0.7,ext_rps_total=2000,rps=25");  // not 0.7000000000000001
}

// Pods and External metrics need the signal the operator reads them from; without it every pod
// would read 0 and the rule would scale the target to its minimum.
TEST(AutoscalerSpecTest, PodsAndExternalMetricsNeedTheirSource) {
  const std::string rps = R"({"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                              "target": {"type": "AverageValue", "averageValue": "20"}}})";
  const std::string latency = R"({"type": "Pods", "pods": {"metric": {"name": "latency_p95_ms"},
                                  "target": {"type": "AverageValue", "averageValue": "200"}}})";
  const std::string inflight = R"({"type": "Pods", "pods": {"metric": {"name": "in_flight"},
                                   "target": {"type": "AverageValue", "averageValue": "2"}}})";
  const std::string external = R"({"type": "External", "external": {"metric": {"name": "request_rate"},
                                   "target": {"type": "Value", "value": "100"}}})";
  const std::string rate_query = R"j("signals": {"requestRateQuery": "sum(rate(http_requests_total[1m]))"})j";
  const std::string slo_query = R"("policy": {"type": "Hpa", "slo": {"latencyMs": 200, "query": "p95_ms"}})";
  const std::string group = R"("scaleTargetRef": null, "targets": [{"kind": "Deployment", "name": "a"},
                                                                     {"kind": "Deployment", "name": "b"}])";
  auto per_target = [](const std::string& key) {
    return R"j("signals": {"perTarget": {")j" + key + R"j(": "sum(rate(requests{workload=\"$target\"}[1m]))"}})j";
  };
  struct Case {
    std::string metric, extra, want;  // want "" = accepted
  };
  const Case cases[] = {
      {rps, "", "spec.metrics[0].pods.metric.name: 'requests_per_second' needs spec.signals.requestRateQuery"},
      {rps, rate_query, ""},
      {rps, rate_query + "," + group, "is observed for the group's first target only; a group of 2 targets"},
      {external, "", "spec.metrics[0].external.metric.name: 'request_rate' needs spec.signals.requestRateQuery"},
      {external, rate_query + "," + group, ""},
      {latency, "", "'latency_p95_ms' needs spec.policy.slo.query"},
      {latency, slo_query, ""},
      {inflight, rate_query, "spec.metrics[0].pods.metric.name: 'in_flight' needs spec.signals.perTarget.inFlight"},
      // Each target's own query: Pods metrics for a single target and for a group.
      {rps, per_target("requestRate"), ""},
      {rps, per_target("requestRate") + "," + group, ""},
      {rps, per_target("latencyP95Ms") + "," + group, "needs spec.signals.requestRateQuery or spec.signals.perTarget.requestRate"},
      {external, per_target("requestRate"), "'request_rate' needs spec.signals.requestRateQuery (the request rate"},
      {latency, per_target("latencyP95Ms") + "," + group, ""},
      {latency, slo_query + "," + group, "give spec.signals.perTarget.latencyP95Ms, or use cpu"},
      {inflight, per_target("inFlight") + "," + group, ""},
  };
  for (const auto& c : cases) {
    json o = Base();
    o.merge_patch(json::parse(R"({"spec": {"metrics": [)" + c.metric + "]" + (c.extra.empty() ? "" : "," + c.extra) + "}}"));
    auto s = ParseAutoscalerSpec(o);
    if (c.want.empty()) {
      EXPECT_TRUE(s.ok()) << c.metric << c.extra << ": " << s.status().ToString();
    } else {
      ASSERT_FALSE(s.ok()) << c.metric << c.extra;
      EXPECT_NE(s.status().message().find(c.want), std::string::npos) << s.status().message() << " / want " << c.want;
    }
  }
}

TEST(AutoscalerSpecTest, PerTargetQueriesAreReadAndMustNameTheTarget) {
  json o = Base();
  o["spec"]["signals"] = {{"perTarget",
                           {{"requestRate", "sum(rate(istio_requests_total{destination_workload=\"$target\"}[1m]))"},
                            {"latencyP95Ms", "p95{workload=\"$target\",namespace=\"$namespace\"}"},
                            {"errorRate", "errors{workload=\"$target\"}"},
                            {"inFlight", "inflight{workload=\"$target\"}"}}}};
  auto s = ParseAutoscalerSpec(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->per_target.latency_p95_ms, "p95{workload=\"$target\",namespace=\"$namespace\"}");
  EXPECT_EQ(s->per_target.error_rate, "errors{workload=\"$target\"}");
  EXPECT_EQ(ExpandTargetQuery(s->per_target.latency_p95_ms, "cartservice", "shop"),
            "p95{workload=\"cartservice\",namespace=\"shop\"}");
  EXPECT_EQ(ExpandTargetQuery("$target$target-$namespace$", "a", "b"), "aa-b$");
  EXPECT_EQ(ExpandTargetQuery("$targets", "a", "b"), "$targets");  // whole names only
  // A regex end anchor is PromQL's, not a variable.
  json anchored = o;
  anchored["spec"]["signals"]["perTarget"]["inFlight"] = "avg(inflight{pod=~\"$target-[a-z0-9]+$\"})";
  EXPECT_TRUE(ParseAutoscalerSpec(anchored).ok());
  // The HPA rule's Prometheus fields: the per-target query where given, else the group's.
  json rule = o;
  rule["spec"]["metrics"] = json::parse(R"([{"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
      "target": {"type": "AverageValue", "averageValue": "20"}}}, {"type": "Pods", "pods": {"metric": {"name": "in_flight"},
      "target": {"type": "AverageValue", "averageValue": "2"}}}])");
  auto fields = ParseAutoscalerSpec(rule);
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  EXPECT_EQ(fields->hpa_prometheus_fields,
            (std::set<std::string>{"spec.signals.perTarget.requestRate", "spec.signals.perTarget.inFlight"}));
  for (const auto& [bad, message] : std::vector<std::pair<std::string, std::string>>{
           {"rate(x{w=\"$target\"}[$__rate_interval])", "uses $__rate_interval; the only variables are $target and $namespace"},
           {"x{w=\"${target}\"}", "uses ${; the only variables"},
           {"x{w=\"$targets\"}", "uses $targets;"}}) {
    json b = o;
    b["spec"]["signals"]["perTarget"]["errorRate"] = bad;
    auto refused = ParseAutoscalerSpec(b);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("spec.signals.perTarget.errorRate: '" + bad + "' " + message), std::string::npos)
        << refused.status().message();
  }
  EXPECT_TRUE(s->slo.attainment_query.empty());
  o["spec"]["policy"]["slo"] = {{"latencyMs", 250}, {"attainmentQuery", "within_250ms_ratio"}};
  s = ParseAutoscalerSpec(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->slo.attainment_query, "within_250ms_ratio");

  o["spec"]["signals"]["perTarget"]["inFlight"] = "sum(inflight)";
  s = ParseAutoscalerSpec(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("spec.signals.perTarget.inFlight: 'sum(inflight)' does not contain $target"),
            std::string::npos)
      << s.status().message();
  o["spec"]["signals"]["perTarget"]["inFlight"] = 3;
  s = ParseAutoscalerSpec(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("spec.signals.perTarget.inFlight: '3' is not a string"), std::string::npos)
      << s.status().message();
}

}  // namespace
}  // namespace podpilot::op
