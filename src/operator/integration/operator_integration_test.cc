// The operator against the real control plane of scripts/testenv (kube-apiserver, kube-
// controller-manager WITH its HPA controller, kube-scheduler, KWOK nodes, metrics-server):
//
//  * Active: a Deployment whose KWOK pods report 200m CPU on a 100m request is scaled up by the
//    HPA policy from real metrics.k8s.io data, and down again when its pods report 10m;
//  * Shadow: the same signal never changes the Deployment; status shows both proposals;
//  * side by side with the upstream HPA: one Deployment driven by a real HorizontalPodAutoscaler,
//    an identical one by a PodPilotAutoscaler with the same metrics and behavior; both must reach
//    the same replica counts;
//  * a missing Deployment: status AbleToScale=False, a Warning Event, nothing scaled;
//  * an upstream HPA on an Active autoscaler's target: nothing written until it is deleted; a
//    Shadow one beside an upstream HPA shows that HPA's desired replicas ("live-hpa");
//  * everything runs as the restricted operator identity (deploy RBAC), which is denied the rest.
//
// Deployments are created once in SetUpTestSuite so that their pods' metrics (metrics-server needs
// two KWOK readings, 30-60 s) warm up together. Every wait is bounded; times are not asserted.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "k8s/integration/testenv_fixture.h"
#include "operator/integration/operator_test_util.h"
#include "operator/cluster_cache.h"
#include "operator/hpa_conflicts.h"
#include "operator/operator.h"

namespace podpilot::op {
namespace {

using k8s::testing::K8sIntegrationTest;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using testing::ConditionOf;
using testing::WaitUntil;

json UsageDeployment(const std::string& name, int replicas, const std::string& usage_cpu) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}, {"annotations", {{"kwok.x-k8s.io/usage-cpu", usage_cpu}}}}},
              {"spec",
               {{"containers",
                 json::array({{{"name", "main"},
                               {"image", "registry.invalid/web:1"},
                               {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}}}}})}}}}}}}};
}

// autoscaling/v2 metrics and behavior shared by the upstream HPA and the PodPilotAutoscaler.
json CpuMetrics() {
  return json::array({{{"type", "Resource"},
                       {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 50}}}}}}});
}
json FastDownBehavior() { return {{"scaleDown", {{"stabilizationWindowSeconds", 0}}}}; }

json Autoscaler(const std::string& name, const std::string& target, const std::string& mode, int max) {
  return {{"apiVersion", "autoscaling.podpilot.dev/v1alpha1"},
          {"kind", "PodPilotAutoscaler"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", target}}},
            {"minReplicas", 1},
            {"maxReplicas", max},
            {"mode", mode},
            {"metrics", CpuMetrics()},
            {"behavior", FastDownBehavior()},
            {"policy", {{"type", "Hpa"}}}}}};
}

class OperatorIntegrationTest : public K8sIntegrationTest {
 protected:
  static void SetUpTestSuite() {
    ::setenv("PODPILOT_TESTENV_HPA", "1", 1);  // the upstream HPA controller runs beside us
    K8sIntegrationTest::SetUpTestSuite();
    if (!setup_error_.empty() || !skip_reason_.empty()) return;
    // The env file's PATH line is "K8S_BIN_DIR:$PATH": kubectl is in its first entry.
    const std::string path = Env("PATH");
    kubectl_ = "KUBECONFIG='" + Env("PODPILOT_TESTENV_ADMIN_KUBECONFIG") + "' '" + path.substr(0, path.find(':')) + "/kubectl' ";
    const std::string& kubectl = kubectl_;
    const std::string crd = k8s::testing::SourceDir() + "/deploy/crd/podpilotautoscalers.yaml";
    if (std::system((kubectl + "apply -f '" + crd + "' >/dev/null && " + kubectl +
                     "wait --for condition=established --timeout=60s crd/podpilotautoscalers.autoscaling.podpilot.dev >/dev/null")
                        .c_str()) != 0) {
      setup_error_ = "could not install the CRD " + crd;
      return;
    }
    for (const auto& [name, usage] : std::vector<std::pair<std::string, std::string>>{
             {"active-web", "200m"}, {"shadow-web", "200m"}, {"upstream-hpa", "200m"}, {"podpilot-hpa", "200m"},
             {"learned-web", "200m"}, {"cm-web", "200m"}, {"contested-web", "200m"}}) {
      auto r = admin_->Post(k8s::Deployments().Path(ns_), UsageDeployment(name, 1, usage));
      if (!r.ok()) setup_error_ = r.status().ToString();
    }
  }

  // The operator as the restricted identity, watching the suite's namespace only.
  std::unique_ptr<op::Operator> StartOperator(double period_s, std::thread* runner) {
    OperatorOptions o;
    o.namespace_ = ns_;
    o.period_s = period_s;
    o.listen = "127.0.0.1:0";
    o.model_dir = k8s::testing::SourceDir() + "/models/default";
    o.model_recheck_s = 2;  // see a new ConfigMap version within a few periods
    auto op = std::make_unique<op::Operator>(K8sIntegrationTest::Operator(), std::nullopt, o);
    op::Operator* raw = op.get();
    *runner = std::thread([raw] { EXPECT_TRUE(raw->Run().ok()); });
    return op;
  }

  static int Replicas(const std::string& deployment) {
    auto d = k8s::GetDeployment(*admin_, ns_, deployment);
    return d.ok() ? (*d)["spec"].value("replicas", -1) : -1;
  }

  static void SetUsage(const std::string& deployment, const std::string& usage_cpu) {
    json patch = {{"spec", {{"template", {{"metadata", {{"annotations", {{"kwok.x-k8s.io/usage-cpu", usage_cpu}}}}}}}}}};
    auto r = admin_->Patch(k8s::Deployments().Path(ns_, deployment), k8s::PatchType::kMerge, patch);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  static json GetPpa(const std::string& name) {
    auto p = k8s::GetAutoscaler(*admin_, ns_, name);
    return p.ok() ? *p : json();
  }

  // kubectl as the cluster admin: "KUBECONFIG=... /path/kubectl ".
  static inline std::string kubectl_;

};

TEST_F(OperatorIntegrationTest, ActiveScalesUpAndDownFromRealMetrics) {
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), Autoscaler("active", "active-web", "Active", 6)).ok());
  std::thread runner;
  auto op = StartOperator(5, &runner);
  // 2 pods-worth... 200 % of the request on 1 pod at a 50 % target: ceil(1 * 200 / 50) = 4.
  const bool up = WaitUntil([] { return Replicas("active-web") >= 4; }, std::chrono::seconds(240));
  EXPECT_TRUE(up) << "replicas " << Replicas("active-web") << "; status " << GetPpa("active").value("status", json()).dump();
  EXPECT_LE(Replicas("active-web"), 6);  // maxReplicas holds whatever the rule says
  const json scaled = GetPpa("active");
  EXPECT_GE(scaled["status"].value("desiredReplicas", 0), 4);
  EXPECT_EQ(ConditionOf(scaled, "AbleToScale"), "True/SucceededGetScale");

  SetUsage("active-web", "10m");  // 10 % of the request: the rule wants 1 (minReplicas)
  const bool down = WaitUntil([] { return Replicas("active-web") == 1; }, std::chrono::seconds(300));
  EXPECT_TRUE(down) << "replicas " << Replicas("active-web") << "; status " << GetPpa("active").value("status", json()).dump();

  // The operator said what it did: SuccessfulRescale events on the autoscaler.
  auto events = admin_->Get(k8s::Events().Path(ns_) + k8s::QueryString({{"fieldSelector", "involvedObject.name=active"}}));
  ASSERT_TRUE(events.ok());
  int rescales = 0;
  for (const auto& e : (*events)["items"]) rescales += e.value("reason", "") == "SuccessfulRescale";
  EXPECT_GE(rescales, 2);
  // /metrics counted the actions.
  const std::string metrics = op->metrics().Serialize();
  EXPECT_NE(metrics.find("podpilot_scale_actions_total{autoscaler=\"active\",direction=\"up\""), std::string::npos) << metrics;
  op->Stop();
  runner.join();
}

TEST_F(OperatorIntegrationTest, ShadowNeverWritesAndShowsBothProposals) {
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), Autoscaler("shadow", "shadow-web", "Shadow", 6)).ok());
  // A learned model trained at 15 s, run by an operator deciding every 5 s: the model cannot be
  // applied (its history features would span a third of the time), so the HPA rule decides and
  // the condition says why.
  json learned = Autoscaler("shadow-learned", "shadow-web", "Shadow", 6);
  learned["spec"]["policy"] = {{"type", "Learned"}, {"model", {{"path", "gourmetgram.safetensors"}}}};
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), learned).ok());
  auto before = k8s::GetDeployment(*admin_, ns_, "shadow-web");
  ASSERT_TRUE(before.ok());
  std::thread runner;
  auto op = StartOperator(5, &runner);
  // Wait until the shadow recommendation is to scale up (metrics have arrived).
  const bool recommended = WaitUntil([] { return GetPpa("shadow").value("status", json::object()).value("desiredReplicas", 0) >= 4; },
                                     std::chrono::seconds(240));
  const json ppa = GetPpa("shadow");
  EXPECT_TRUE(recommended) << ppa.value("status", json()).dump();
  // A few more periods: still nothing written.
  std::this_thread::sleep_for(std::chrono::seconds(12));
  auto after = k8s::GetDeployment(*admin_, ns_, "shadow-web");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["spec"].value("replicas", -1), 1);
  EXPECT_EQ((*after)["metadata"].value("generation", 0), (*before)["metadata"].value("generation", 0))
      << "the Deployment spec changed under a Shadow autoscaler";
  EXPECT_EQ(ppa["status"].value("currentReplicas", 0), 1);
  EXPECT_NE(ppa["status"]["lastDecision"].value("reason", "").find("Shadow, not applied"), std::string::npos);
  bool hpa_proposal = false;
  for (const auto& p : ppa["status"]["proposals"]) hpa_proposal |= p.value("policy", "") == "hpa" && p.value("replicas", 0) >= 4;
  EXPECT_TRUE(hpa_proposal) << ppa["status"].dump();
  const json lp = GetPpa("shadow-learned");
  EXPECT_EQ(ConditionOf(lp, "FallbackActive"), "True/PolicyFallback") << lp.value("status", json()).dump();
  EXPECT_NE(lp.dump().find("model was trained at 15 s control intervals, this run decides every 5 s"), std::string::npos)
      << lp.value("status", json()).dump();
  EXPECT_EQ(lp["status"]["lastDecision"].value("reason", "").rfind("Shadow, not applied; hpa: ", 0), 0u)
      << "the HPA rule decides: " << lp["status"].dump();
  op->Stop();
  runner.join();
}

TEST_F(OperatorIntegrationTest, SameReplicasAsTheUpstreamHpa) {
  json hpa = {{"apiVersion", "autoscaling/v2"},
              {"kind", "HorizontalPodAutoscaler"},
              {"metadata", {{"name", "upstream"}}},
              {"spec",
               {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "upstream-hpa"}}},
                {"minReplicas", 1},
                {"maxReplicas", 10},
                {"metrics", CpuMetrics()},
                {"behavior", FastDownBehavior()}}}};
  auto created = admin_->Post("/apis/autoscaling/v2/namespaces/" + ns_ + "/horizontalpodautoscalers", hpa);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), Autoscaler("podpilot", "podpilot-hpa", "Active", 10)).ok());
  // In Shadow beside the upstream HPA, on its Deployment: shows the HPA's own desired replicas.
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), Autoscaler("beside", "upstream-hpa", "Shadow", 10)).ok());
  std::thread runner;
  auto op = StartOperator(15, &runner);  // the HPA controller's sync period
  // Phase 1: 200 % of the request -> both settle at the same count.
  // The replica counts each side went through, for the log.
  std::vector<int> path_a, path_b;
  auto track = [&](int a, int b) {
    if (path_a.empty() || path_a.back() != a) path_a.push_back(a);
    if (path_b.empty() || path_b.back() != b) path_b.push_back(b);
  };
  auto settled = [&](int* a, int* b) {
    // Both unchanged for 45 s (three sync periods).
    int last_a = -2, last_b = -2, stable = 0;
    const auto end = Clock::now() + std::chrono::seconds(300);
    while (Clock::now() < end && stable < 45) {
      *a = Replicas("upstream-hpa");
      *b = Replicas("podpilot-hpa");
      track(*a, *b);
      stable = (*a == last_a && *b == last_b && (*a > 1) == (*b > 1)) ? stable + 1 : 0;
      last_a = *a;
      last_b = *b;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return stable >= 45;
  };
  ASSERT_TRUE(WaitUntil([] { return Replicas("upstream-hpa") > 1 && Replicas("podpilot-hpa") > 1; }, std::chrono::seconds(240)))
      << "upstream " << Replicas("upstream-hpa") << ", podpilot " << Replicas("podpilot-hpa");
  int a = 0, b = 0;
  EXPECT_TRUE(settled(&a, &b));
  EXPECT_EQ(a, b) << "upstream HPA " << a << " vs podpilot's HPA policy " << b;
  std::printf("[side-by-side] at 200%% of the request: upstream HPA %d, podpilot %d\n", a, b);
  // The Shadow autoscaler on the HPA's Deployment reports the HPA's decision as "live-hpa".
  auto live_hpa = [] {
    for (const auto& p : GetPpa("beside").value("status", json::object()).value("proposals", json::array())) {
      if (p.value("policy", "") == "live-hpa" && p.value("target", "") == "upstream-hpa") return p.value("replicas", -1);
    }
    return -1;
  };
  EXPECT_TRUE(WaitUntil([&] { return live_hpa() == Replicas("upstream-hpa"); }, std::chrono::seconds(60)))
      << "live-hpa " << live_hpa() << ", Deployment " << Replicas("upstream-hpa") << "; " << GetPpa("beside").dump();
  // Phase 2: 10 % -> both come down to the same count.
  SetUsage("upstream-hpa", "10m");
  SetUsage("podpilot-hpa", "10m");
  ASSERT_TRUE(WaitUntil([] { return Replicas("upstream-hpa") < 4 && Replicas("podpilot-hpa") < 4; }, std::chrono::seconds(300)));
  int c = 0, d = 0;
  EXPECT_TRUE(WaitUntil([&] { return settled(&c, &d); }, std::chrono::seconds(1)));
  EXPECT_EQ(c, d) << "upstream HPA " << c << " vs podpilot's HPA policy " << d;
  std::printf("[side-by-side] at 10%% of the request: upstream HPA %d, podpilot %d\n", c, d);
  auto show = [](const std::vector<int>& p) {
    std::string s;
    for (int v : p) s += (s.empty() ? "" : " -> ") + std::to_string(v);
    return s;
  };
  std::printf("[side-by-side] replicas seen: upstream HPA %s; podpilot %s\n", show(path_a).c_str(), show(path_b).c_str());
  op->Stop();
  runner.join();
}

// A learned policy from a model file (the shipped single-service model: setpoint actions over an
// HPA-like rule) decides in the operator from real metrics; a missing model file falls back to the
// HPA rule and says so.
TEST_F(OperatorIntegrationTest, LearnedModelDecidesAndAMissingModelFallsBack) {
  json learned = Autoscaler("learned", "learned-web", "Active", 6);
  learned["spec"]["policy"] = {{"type", "Learned"}, {"model", {{"path", "gourmetgram.safetensors"}}}};
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), learned).ok());
  json missing = Autoscaler("no-model", "learned-web", "Shadow", 6);
  missing["spec"]["policy"] = {{"type", "Learned"}, {"model", {{"path", "no-such-model.safetensors"}}}};
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), missing).ok());
  std::thread runner;
  // The model's own control interval: at another one it would fall back (learned_policy.h).
  auto op = StartOperator(15, &runner);
  // 200 % of the request: whatever set-point the model picks (30..90 %), it scales up.
  EXPECT_TRUE(WaitUntil([] { return Replicas("learned-web") > 1; }, std::chrono::seconds(240)))
      << GetPpa("learned").value("status", json()).dump();
  const json ppa = GetPpa("learned");
  EXPECT_EQ(ConditionOf(ppa, "FallbackActive"), "False/PolicyInUse") << ppa.value("status", json()).dump();
  const std::string reason = ppa["status"]["lastDecision"].value("reason", "");
  EXPECT_EQ(reason.rfind("learned: ", 0), 0u) << ppa["status"].dump();
  EXPECT_EQ(reason.find("fallback"), std::string::npos) << "the model itself decided: " << reason;
  EXPECT_TRUE(WaitUntil([] { return ConditionOf(GetPpa("no-model"), "FallbackActive") == "True/ModelUnavailable"; },
                        std::chrono::seconds(60)))
      << GetPpa("no-model").value("status", json()).dump();
  EXPECT_NE(GetPpa("no-model").dump().find("no-such-model.safetensors"), std::string::npos);
  op->Stop();
  runner.join();
}

// model.configMapRef: the model is read from a ConfigMap in the operator's namespace, a missing
// key falls back to the HPA rule naming it, and a new version of the ConfigMap is picked up: a
// truncated model -> fallback naming the ConfigMap; the good one again -> the policy decides.
TEST_F(OperatorIntegrationTest, LearnedModelFromAConfigMapAndItsNewVersions) {
  const std::string cm = "models-" + ns_;  // podpilot-system is shared: a name of this run's own
  const std::string model = k8s::testing::SourceDir() + "/models/default/gourmetgram.safetensors";
  const std::string truncated = tmp_root_ + "/truncated.safetensors";
  ASSERT_EQ(std::system(("head -c 20000 '" + model + "' > '" + truncated + "'").c_str()), 0);
  auto put_model = [&](const std::string& verb, const std::string& file) {
    const std::string cmd = kubectl_ + "create configmap " + cm + " -n podpilot-system --from-file=gourmetgram.safetensors='" +
                            file + "' --dry-run=client -o yaml | " + kubectl_ + verb + " -f - >/dev/null";
    return std::system(cmd.c_str());
  };
  ASSERT_EQ(put_model("create", model), 0);
  json learned = Autoscaler("cm-learned", "cm-web", "Active", 6);
  learned["spec"]["policy"] = {{"type", "Learned"},
                               {"model", {{"configMapRef", {{"name", cm}, {"key", "gourmetgram.safetensors"}}}}}};
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), learned).ok());
  json nokey = Autoscaler("cm-nokey", "cm-web", "Shadow", 6);
  nokey["spec"]["policy"] = {{"type", "Learned"}, {"model", {{"configMapRef", {{"name", cm}, {"key", "missing.safetensors"}}}}}};
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), nokey).ok());
  std::thread runner;
  auto op = StartOperator(15, &runner);  // the model's control interval
  auto fallback = [](const std::string& name) { return ConditionOf(GetPpa(name), "FallbackActive"); };
  auto message = [](const std::string& name) {
    for (const auto& c : GetPpa(name)["status"].value("conditions", json::array())) {
      if (c.value("type", "") == "FallbackActive") return c.value("message", "");
    }
    return std::string();
  };
  EXPECT_TRUE(WaitUntil([] { return Replicas("cm-web") > 1; }, std::chrono::seconds(240)))
      << GetPpa("cm-learned").value("status", json()).dump();
  EXPECT_EQ(fallback("cm-learned"), "False/PolicyInUse") << GetPpa("cm-learned").value("status", json()).dump();
  const std::string reason = GetPpa("cm-learned")["status"]["lastDecision"].value("reason", "");
  EXPECT_EQ(reason.rfind("learned: ", 0), 0u) << reason;
  EXPECT_EQ(reason.find("fallback"), std::string::npos) << "the model itself decided: " << reason;
  EXPECT_TRUE(WaitUntil([&] { return fallback("cm-nokey") == "True/ModelUnavailable"; }, std::chrono::seconds(60)));
  EXPECT_NE(message("cm-nokey").find("configmap podpilot-system/" + cm + ":missing.safetensors: the ConfigMap has no key "
                                     "'missing.safetensors' (keys: gourmetgram.safetensors)"),
            std::string::npos)
      << message("cm-nokey");

  ASSERT_EQ(put_model("replace", truncated), 0);
  EXPECT_TRUE(WaitUntil([&] { return fallback("cm-learned") == "True/ModelUnavailable"; }, std::chrono::seconds(60)))
      << GetPpa("cm-learned").value("status", json()).dump();
  EXPECT_NE(message("cm-learned").find("learned: cannot load model: configmap podpilot-system/" + cm + ":gourmetgram.safetensors"),
            std::string::npos)
      << message("cm-learned");
  ASSERT_EQ(put_model("replace", model), 0);
  EXPECT_TRUE(WaitUntil([&] { return fallback("cm-learned") == "False/PolicyInUse"; }, std::chrono::seconds(60)))
      << GetPpa("cm-learned").value("status", json()).dump();
  op->Stop();
  runner.join();
  (void)admin_->Delete(k8s::ConfigMaps().Path("podpilot-system", cm));
}

// A StatefulSet target: read from the API server (not the Deployment cache), resized through
// statefulsets/scale by the restricted identity, its pods (made by kube-controller-manager's
// StatefulSet controller, run by KWOK) counted and their metrics read from metrics-server.
TEST_F(OperatorIntegrationTest, StatefulSetTargetIsScaledThroughItsScaleSubresource) {
  json sts = UsageDeployment("sts-web", 1, "200m");
  sts["kind"] = "StatefulSet";
  sts["spec"]["serviceName"] = "sts-web";
  sts["spec"]["podManagementPolicy"] = "Parallel";
  ASSERT_TRUE(admin_->Post(k8s::StatefulSets().Path(ns_), sts).ok());
  json ppa = Autoscaler("sts", "sts-web", "Active", 4);
  ppa["spec"]["scaleTargetRef"]["kind"] = "StatefulSet";
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), ppa).ok());
  auto replicas = [] {
    auto s = admin_->Get(k8s::StatefulSets().Path(ns_, "sts-web"));
    return s.ok() ? (*s)["spec"].value("replicas", -1) : -1;
  };
  std::thread runner;
  auto op = StartOperator(3, &runner);
  // 200 % of the request at a 50 % target: 4 replicas (the max).
  EXPECT_TRUE(WaitUntil([&] { return replicas() == 4; }, std::chrono::seconds(240)))
      << "replicas " << replicas() << "; " << GetPpa("sts").value("status", json()).dump();
  // The next reconciles see the new size (status.currentReplicas is read, not assumed).
  EXPECT_TRUE(WaitUntil([] { return GetPpa("sts")["status"].value("currentReplicas", -1) == 4; }, std::chrono::seconds(30)))
      << GetPpa("sts")["status"].dump();
  const json ppa_now = GetPpa("sts");
  EXPECT_EQ(ConditionOf(ppa_now, "AbleToScale"), "True/SucceededGetScale") << ppa_now["status"].dump();
  EXPECT_EQ(ConditionOf(ppa_now, "ScalingActive"), "True/ValidMetricFound") << ppa_now["status"].dump();
  EXPECT_EQ(ppa_now["status"]["lastDecision"].value("reason", "").rfind("hpa: sts-web: ", 0), 0u) << ppa_now["status"].dump();
  op->Stop();
  runner.join();
}

TEST_F(OperatorIntegrationTest, MissingDeploymentIsReportedAndNothingIsScaled) {
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), Autoscaler("ghost", "no-such-deployment", "Active", 3)).ok());
  std::thread runner;
  auto op = StartOperator(5, &runner);
  EXPECT_TRUE(WaitUntil([] { return ConditionOf(GetPpa("ghost"), "AbleToScale") == "False/FailedGetScale"; }, std::chrono::seconds(60)))
      << GetPpa("ghost").dump();
  const json ppa = GetPpa("ghost");
  bool names_it = false;
  for (const auto& c : ppa["status"]["conditions"]) names_it |= c.value("message", "").find("no-such-deployment") != std::string::npos;
  EXPECT_TRUE(names_it) << ppa["status"].dump();
  auto events = admin_->Get(k8s::Events().Path(ns_) + k8s::QueryString({{"fieldSelector", "involvedObject.name=ghost"}}));
  ASSERT_TRUE(events.ok());
  int warnings = 0;
  for (const auto& e : (*events)["items"]) warnings += e.value("type", "") == "Warning" && e.value("reason", "") == "FailedGetScale";
  EXPECT_EQ(warnings, 1) << "one Warning per distinct problem, not one per period";
  op->Stop();
  runner.join();
}

// /metrics follows the spec: the proposal of a policy an edit replaced goes, so do the series of a
// target it no longer names (even while the new one cannot be read), and an invalid spec leaves no
// replica or proposal series of the autoscaler (it manages nothing), only its counters.
TEST_F(OperatorIntegrationTest, GaugesFollowSpecEditsAndGoWhenTheSpecIsInvalid) {
  json ppa = Autoscaler("gauges", "shadow-web", "Shadow", 6);
  ppa["spec"]["policy"] = {{"type", "Learned"}, {"model", {{"path", "gourmetgram.safetensors"}}}};
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), ppa).ok());
  std::thread runner;
  auto op = StartOperator(5, &runner);
  const std::string labels = "autoscaler=\"gauges\",namespace=\"" + ns_ + "\"";
  const auto series = [&](const std::string& family, const std::string& more) {
    return op->metrics().Serialize().find(family + "{" + labels + more) != std::string::npos;
  };
  const std::string learned = ",policy=\"learned\",target=\"shadow-web\"}";
  const std::string hpa = ",policy=\"hpa\",target=\"shadow-web\"}";
  EXPECT_TRUE(WaitUntil([&] { return series("podpilot_proposal_replicas", learned); }, std::chrono::seconds(60)))
      << op->metrics().Serialize();
  EXPECT_TRUE(series("podpilot_proposal_replicas", hpa));
  EXPECT_TRUE(series("podpilot_current_replicas", ",target=\"shadow-web\"}"));

  json to_hpa = {{"spec", {{"policy", {{"type", "Hpa"}}}}}};
  ASSERT_TRUE(admin_->Patch(k8s::PodPilotAutoscalers().Path(ns_, "gauges"), k8s::PatchType::kMerge, to_hpa).ok());
  EXPECT_TRUE(WaitUntil([&] { return !series("podpilot_proposal_replicas", learned); }, std::chrono::seconds(60)))
      << op->metrics().Serialize();
  EXPECT_TRUE(series("podpilot_proposal_replicas", hpa)) << op->metrics().Serialize();

  // Pointed at a Deployment that does not exist (yet): every reconcile fails to observe it, and
  // the series of the target it no longer names go all the same.
  json elsewhere = {{"spec", {{"scaleTargetRef", {{"name", "gauges-not-yet"}}}}}};
  ASSERT_TRUE(admin_->Patch(k8s::PodPilotAutoscalers().Path(ns_, "gauges"), k8s::PatchType::kMerge, elsewhere).ok());
  EXPECT_TRUE(WaitUntil([] { return ConditionOf(GetPpa("gauges"), "AbleToScale") == "False/FailedGetScale"; },
                        std::chrono::seconds(60)))
      << GetPpa("gauges").dump();
  EXPECT_TRUE(WaitUntil([&] {
    return !series("podpilot_proposal_replicas", hpa) && !series("podpilot_current_replicas", ",target=\"shadow-web\"}");
  }, std::chrono::seconds(15))) << op->metrics().Serialize();

  json invalid = {{"spec", {{"timeZone", "Mars/Olympus_Mons"}}}};
  ASSERT_TRUE(admin_->Patch(k8s::PodPilotAutoscalers().Path(ns_, "gauges"), k8s::PatchType::kMerge, invalid).ok());
  EXPECT_TRUE(WaitUntil([] { return ConditionOf(GetPpa("gauges"), "ScalingActive") == "False/InvalidSpec"; },
                        std::chrono::seconds(60)))
      << GetPpa("gauges").dump();
  // The same reconcile wrote the condition and dropped the series; give it a moment to finish.
  EXPECT_TRUE(WaitUntil([&] {
    return !series("podpilot_proposal_replicas", ",") && !series("podpilot_current_replicas", ",") &&
           !series("podpilot_desired_replicas", ",");
  }, std::chrono::seconds(15))) << op->metrics().Serialize();
  op->Stop();
  runner.join();
  EXPECT_TRUE(admin_->Delete(k8s::PodPilotAutoscalers().Path(ns_, "gauges")).ok());
}

// spec.timeZone survives the API server's pruning (the CRD declares it); a zone the tz database
// lacks is refused by name before anything else is looked at, a known one is taken.
TEST_F(OperatorIntegrationTest, TimeZoneIsKeptAndAnUnknownOneRefused) {
  json bad = Autoscaler("tz-unknown", "no-such-deployment", "Active", 3);
  bad["spec"]["timeZone"] = "Mars/Olympus_Mons";
  json good = Autoscaler("tz-kolkata", "no-such-deployment", "Active", 3);
  good["spec"]["timeZone"] = "Asia/Kolkata";
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), bad).ok());
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), good).ok());
  EXPECT_EQ(GetPpa("tz-kolkata")["spec"].value("timeZone", ""), "Asia/Kolkata");
  std::thread runner;
  auto op = StartOperator(5, &runner);
  EXPECT_TRUE(WaitUntil([] { return ConditionOf(GetPpa("tz-unknown"), "ScalingActive") == "False/InvalidSpec"; },
                        std::chrono::seconds(60)))
      << GetPpa("tz-unknown").dump();
  const json unknown = GetPpa("tz-unknown");
  bool names_it = false;
  for (const auto& c : unknown.value("status", json::object()).value("conditions", json::array())) {
    const std::string m = c.value("message", "");
    names_it |= m.find("spec.timeZone") != std::string::npos && m.find("Mars/Olympus_Mons") != std::string::npos;
  }
  EXPECT_TRUE(names_it) << unknown["status"].dump();
  // Parsed, so it went on to the target, which is missing.
  EXPECT_TRUE(WaitUntil([] { return ConditionOf(GetPpa("tz-kolkata"), "AbleToScale") == "False/FailedGetScale"; },
                        std::chrono::seconds(60)))
      << GetPpa("tz-kolkata").dump();
  op->Stop();
  runner.join();
  for (const char* name : {"tz-unknown", "tz-kolkata"}) {
    EXPECT_TRUE(admin_->Delete(k8s::PodPilotAutoscalers().Path(ns_, name)).ok());
  }
}

// An upstream HPA on the target of an Active autoscaler: the operator does not write (the two
// would undo each other), says why, and scales once the HPA is deleted.
TEST_F(OperatorIntegrationTest, ActiveHoldsWhileAnUpstreamHpaScalesTheTarget) {
  // min = max = 1: the HPA controller keeps the Deployment at 1, where the rule would want 4.
  json hpa = {{"apiVersion", "autoscaling/v2"},
              {"kind", "HorizontalPodAutoscaler"},
              {"metadata", {{"name", "legacy"}}},
              {"spec",
               {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "contested-web"}}},
                {"minReplicas", 1},
                {"maxReplicas", 1},
                {"metrics", CpuMetrics()}}}};
  const std::string hpas = k8s::HorizontalPodAutoscalers().Path(ns_);
  ASSERT_TRUE(admin_->Post(hpas, hpa).ok());
  // A second lasting problem beside the conflict: a missing model (the HPA rule decides instead).
  // Each is one Warning however many periods it lasts, also when both are there at once.
  json contested = Autoscaler("contested", "contested-web", "Active", 6);
  contested["spec"]["policy"] = {{"type", "Learned"}, {"model", {{"path", "no-such-model.safetensors"}}}};
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), contested).ok());
  std::thread runner;
  auto op = StartOperator(5, &runner);
  // Held: the decision wants more than 1 (metrics have arrived) and the condition names the HPA.
  EXPECT_TRUE(WaitUntil([] {
    const json p = GetPpa("contested");
    return ConditionOf(p, "AbleToScale") == "False/ConflictingHorizontalPodAutoscaler" &&
           p.value("status", json::object()).value("desiredReplicas", 0) >= 4;
  }, std::chrono::seconds(180))) << GetPpa("contested").dump();
  const json held = GetPpa("contested");
  bool names_it = false;
  for (const auto& c : held["status"]["conditions"]) {
    names_it |= c.value("message", "").find("HorizontalPodAutoscaler legacy scales Deployment/contested-web") != std::string::npos;
  }
  EXPECT_TRUE(names_it) << held["status"].dump();
  auto events = [](const std::string& reason) {
    auto list = admin_->Get(k8s::Events().Path(ns_) + k8s::QueryString({{"fieldSelector", "involvedObject.name=contested"}}));
    int n = 0;
    if (list.ok()) for (const auto& e : (*list)["items"]) n += e.value("reason", "") == reason;
    return n;
  };
  EXPECT_EQ(events("SuccessfulRescale"), 0) << "the operator wrote while the HPA scales the target";
  EXPECT_EQ(op->metrics().Serialize().find("podpilot_scale_actions_total{autoscaler=\"contested\""), std::string::npos);
  std::this_thread::sleep_for(std::chrono::seconds(12));  // a few more periods with both problems
  EXPECT_EQ(events("ConflictingHorizontalPodAutoscaler"), 1);
  EXPECT_EQ(events("ModelUnavailable"), 1);

  ASSERT_TRUE(admin_->Delete(k8s::HorizontalPodAutoscalers().Path(ns_, "legacy")).ok());
  EXPECT_TRUE(WaitUntil([] { return Replicas("contested-web") >= 4; }, std::chrono::seconds(120)))
      << "replicas " << Replicas("contested-web") << "; " << GetPpa("contested").dump();
  EXPECT_TRUE(WaitUntil([] { return ConditionOf(GetPpa("contested"), "AbleToScale") == "True/SucceededGetScale"; },
                        std::chrono::seconds(30)));
  EXPECT_TRUE(WaitUntil([&] { return events("SuccessfulRescale") >= 1; }, std::chrono::seconds(30)));
  op->Stop();
  runner.join();
}

// An operator deployed with RBAC that predates the HPA rule: its cache serves Deployments and pods,
// reports the refused HPA watch once, and the conflict check answers from that without asking
// the API server every reconcile.
TEST_F(OperatorIntegrationTest, WithoutHpaPermissionTheCacheSaysSoAndStillServes) {
  const std::string sa = "no-hpa-" + std::to_string(::getpid());
  const std::string setup =
      kubectl_ + "create serviceaccount " + sa + " -n " + ns_ + " >/dev/null && " + kubectl_ + "create clusterrole " + sa +
      " --verb=get,list,watch --resource=deployments.apps,pods >/dev/null && " + kubectl_ + "create clusterrolebinding " +
      sa + " --clusterrole=" + sa + " --serviceaccount=" + ns_ + ":" + sa + " >/dev/null";
  ASSERT_EQ(std::system(setup.c_str()), 0);
  std::string token;
  {
    FILE* p = ::popen((kubectl_ + "create token " + sa + " -n " + ns_).c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[4096];
    while (std::fgets(buf, sizeof(buf), p) != nullptr) token += buf;
    ::pclose(p);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  }
  ASSERT_FALSE(token.empty());
  auto cfg = k8s::LoadKubeconfig(Env("PODPILOT_TESTENV_OPERATOR_KUBECONFIG"));
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  cfg->token = token;
  cfg->token_source.reset();
  auto client = k8s::KubeClient::Create(*cfg);
  ASSERT_TRUE(client.ok()) << client.status().ToString();

  ClusterCache cache(*client, ns_, std::chrono::milliseconds(1000));
  cache.Start();
  EXPECT_TRUE(WaitUntil([&] { return cache.Synced() && !cache.HpasUnavailable().ok(); }, std::chrono::seconds(30)))
      << "synced " << cache.Synced() << ", HPAs: " << cache.HpasUnavailable().ToString();
  EXPECT_EQ(cache.HpasUnavailable().code(), StatusCode::kPermissionDenied) << cache.HpasUnavailable().ToString();
  EXPECT_FALSE(cache.HpasSynced());
  EXPECT_TRUE(cache.GetDeployment(ns_, "active-web").ok());  // Deployments and pods still served
  // The check answers from the cache's refusal: through a client whose server is gone it still
  // says PermissionDenied, with the message a direct list gets.
  k8s::KubeConfig dead = *cfg;
  dead.server = "https://127.0.0.1:1";
  auto dead_client = k8s::KubeClient::Create(dead);
  ASSERT_TRUE(dead_client.ok()) << dead_client.status().ToString();
  auto found = FindHpasOnTargets(*dead_client, &cache, ns_, {TargetRef{"Deployment", "active-web", 1, 6}});
  EXPECT_EQ(found.status().code(), StatusCode::kPermissionDenied) << found.status().ToString();
  auto direct = FindHpasOnTargets(*client, nullptr, ns_, {TargetRef{"Deployment", "active-web", 1, 6}});
  EXPECT_EQ(direct.status().code(), StatusCode::kPermissionDenied) << direct.status().ToString();
  EXPECT_EQ(found.status().message(), direct.status().message());
  // A token the server does not know is not a missing permission: the server's 401 is kept.
  k8s::KubeConfig stranger = *cfg;
  stranger.token = "not-a-token";
  auto stranger_client = k8s::KubeClient::Create(stranger);
  ASSERT_TRUE(stranger_client.ok()) << stranger_client.status().ToString();
  auto unknown = FindHpasOnTargets(*stranger_client, nullptr, ns_, {TargetRef{"Deployment", "active-web", 1, 6}});
  EXPECT_NE(unknown.status().message().find("HTTP 401"), std::string::npos) << unknown.status().ToString();
  EXPECT_EQ(unknown.status().message().find("forbidden: the operator's identity"), std::string::npos);
  cache.Stop();
  (void)std::system((kubectl_ + "delete clusterrolebinding " + sa + " >/dev/null 2>&1; " + kubectl_ +
                     "delete clusterrole " + sa + " >/dev/null 2>&1").c_str());
}

TEST_F(OperatorIntegrationTest, RestrictedIdentityIsDeniedTheRest) {
  k8s::KubeClient restricted = K8sIntegrationTest::Operator();
  auto del = restricted.Delete(k8s::Deployments().Path(ns_, "active-web"));
  EXPECT_EQ(del.status().code(), StatusCode::kPermissionDenied) << del.status().ToString();
  auto secrets = restricted.Get("/api/v1/namespaces/" + ns_ + "/secrets");
  EXPECT_EQ(secrets.status().code(), StatusCode::kPermissionDenied) << secrets.status().ToString();
  auto spec_write = restricted.Patch(k8s::PodPilotAutoscalers().Path(ns_, "active"), k8s::PatchType::kMerge,
                                     {{"spec", {{"maxReplicas", 100}}}});
  EXPECT_EQ(spec_write.status().code(), StatusCode::kPermissionDenied) << spec_write.status().ToString();
  auto pod = restricted.Post(k8s::Pods().Path(ns_), {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "x"}}}});
  EXPECT_EQ(pod.status().code(), StatusCode::kPermissionDenied) << pod.status().ToString();
}

}  // namespace
}  // namespace podpilot::op
