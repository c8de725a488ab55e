// Faults under a running operator, on the real control plane of scripts/testenv (own
// environment: this test stops and restarts its components):
//   * Prometheus stopped: the Predictive policy loses its request-rate signal, the operator falls
//     back to the HPA rule (FallbackActive=True, SignalsMissing) and returns to the policy by
//     itself when Prometheus is back;
//   * kube-apiserver stopped and restarted: the watch and every request fail for a while, then the
//     operator carries on without being restarted (more reconciles, status written again);
//   * 409 conflicts: an admin changes the Deployment between the operator's decision and its
//     write (at a hook the reconciler offers tests), so the real API server answers that write
//     with 409 Conflict; the operator re-reads and writes again. And an admin keeps changing the
//     Deployment every 100 ms for 15 s while the operator works;
//   * a watch expiring with 410 Gone: while kube-apiserver is down, etcd's revision moves on and
//     is compacted (what other writers and kube-apiserver's own 5-minute compaction do), so the
//     restarted API server's watch cache starts past every resourceVersion the operator holds:
//     its watches of PodPilotAutoscalers, Deployments and pods are answered with 410 and relist,
//     and a PodPilotAutoscaler created afterwards is seen through the new watch;
// and throughout, sampled every 250 ms, the Deployment's replicas never leave [min, max] and never
// rise by more than the autoscaler's maxScaleUpPerMinute within a minute.
// Also: an OOM kill seen only by observations that failed (a group target gone) is counted once
// the observation succeeds again, and only once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <map>
#include <thread>

#include "k8s/integration/testenv_fixture.h"
#include "operator/integration/operator_test_util.h"
#include "operator/operator.h"

namespace podpilot::op {
namespace {

using k8s::testing::K8sIntegrationTest;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using testing::ConditionOf;
// Faults are short: poll every 500 ms.
template <typename P>
bool WaitFor(P pred, std::chrono::seconds timeout) { return testing::WaitUntil(pred, timeout, std::chrono::milliseconds(500)); }

constexpr int kMin = 1, kMax = 5, kUpPerMinute = 2;

class OperatorFaultsTest : public K8sIntegrationTest {
 protected:
  static void SetUpTestSuite() {
    ::unsetenv("PODPILOT_TESTENV_ENV");  // never stop components of someone else's environment
    K8sIntegrationTest::SetUpTestSuite();
    if (!setup_error_.empty() || !skip_reason_.empty()) return;
    if (Testenv("kubectl apply -f '" + k8s::testing::SourceDir() + "/deploy/crd/podpilotautoscalers.yaml'") != 0 ||
        Testenv("kubectl wait --for condition=established --timeout=60s crd/podpilotautoscalers.autoscaling.podpilot.dev") != 0) {
      setup_error_ = "could not install the CRD";
    }
  }
  // `scripts/testenv ARGS` on this suite's environment; its exit code.
  static int Testenv(const std::string& args) {
    const std::string verb = args.substr(0, args.find(' '));
    const std::string rest = args.substr(verb.size());
    const std::string cmd = "timeout 120 '" + k8s::testing::SourceDir() + "/scripts/testenv' " + verb + " --dir '" +
                            Env("PODPILOT_TESTENV_DIR") + "'" + rest + " >/dev/null 2>>'" + tmp_root_ + "/faults.log'";
    return std::system(cmd.c_str());
  }
  static json Get(const std::string& path) {
    auto r = admin_->Get(path);
    return r.ok() ? *r : json();
  }
  // Moves etcd's revision on (writes one key outside /registry a few times) and compacts it to
  // the new revision, through etcd's HTTP gateway. Call while kube-apiserver is down.
  static ::testing::AssertionResult AdvanceAndCompactEtcd() {
    k8s::KubeConfig cfg;
    cfg.server = "http://127.0.0.1:" + Env("PODPILOT_TESTENV_ETCD_PORT");
    auto etcd = k8s::KubeClient::Create(cfg);
    if (!etcd.ok()) return ::testing::AssertionFailure() << etcd.status().ToString();
    // key "/podpilot-test/revision-bump", value "x" (the gateway takes base64)
    const json put = {{"key", "L3BvZHBpbG90LXRlc3QvcmV2aXNpb24tYnVtcA=="}, {"value", "eA=="}};
    json header;
    for (int i = 0; i < 3; ++i) {
      auto r = etcd->Post("/v3/kv/put", put);
      if (!r.ok()) return ::testing::AssertionFailure() << "etcd put: " << r.status().ToString();
      header = (*r)["header"];
    }
    const std::string revision = header.value("revision", "");
    auto c = etcd->Post("/v3/kv/compaction", {{"revision", revision}, {"physical", true}});
    if (!c.ok()) return ::testing::AssertionFailure() << "etcd compaction: " << c.status().ToString();
    return ::testing::AssertionSuccess() << "etcd at revision " << revision << ", compacted";
  }
};

// The value of one series in the text exposition `m` (0 when absent).
double MetricValue(const std::string& m, const std::string& series) {
  const std::string key = series + " ";
  const auto at = m.find(key);
  return at == std::string::npos ? 0.0 : std::stod(m.substr(at + key.size()));
}

TEST_F(OperatorFaultsTest, RailsHoldAndTheOperatorRecoversByItself) {
  json dep = {{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", "faulty"}}},
              {"spec",
               {{"replicas", 1},
                {"selector", {{"matchLabels", {{"app", "faulty"}}}}},
                {"template",
                 {{"metadata", {{"labels", {{"app", "faulty"}}}, {"annotations", {{"kwok.x-k8s.io/usage-cpu", "300m"}}}}},
                  {"spec",
                   {{"containers", json::array({{{"name", "main"},
                                                 {"image", "registry.invalid/web:1"},
                                                 {"resources", {{"requests", {{"cpu", "100m"}}}}}}})}}}}}}}};
  ASSERT_TRUE(admin_->Post(k8s::Deployments().Path(ns_), dep).ok());
  const std::string prom_query = "sum(prometheus_http_requests_total)";  // any number Prometheus has
  // The same number through a per-target template, valid PromQL only once $target is expanded
  // (to a metric name here: absent(faulty) is 1, "$" cannot start a name).
  const std::string per_target_query = prom_query + " + 0 * sum(absent($target))";
  json ppa = {{"apiVersion", "autoscaling.podpilot.dev/v1alpha1"},
              {"kind", "PodPilotAutoscaler"},
              {"metadata", {{"name", "faulty"}}},
              {"spec",
               {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "faulty"}}},
                {"minReplicas", kMin},
                {"maxReplicas", kMax},
                {"mode", "Active"},
                {"signals", {{"requestRateQuery", prom_query}, {"perTarget", {{"requestRate", per_target_query}}}}},
                {"policy", {{"type", "Predictive"}, {"parameters", {{"cpu", "50"}}}}},
                {"rateLimits", {{"maxScaleUpPerMinute", kUpPerMinute}, {"maxScaleDownPerMinute", 1}}}}}};
  auto created = admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), ppa);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  // Beside it, in Shadow, the HPA rule on a per-target Pods metric read from Prometheus: it must
  // hold (not read 0 and propose the minimum) while Prometheus is down.
  json rps_rule = ppa;
  rps_rule["metadata"] = {{"name", "rps-rule"}};
  rps_rule["spec"]["mode"] = "Shadow";
  rps_rule["spec"]["policy"] = {{"type", "Hpa"}};
  rps_rule["spec"]["metrics"] = json::array({{{"type", "Pods"},
                                              {"pods",
                                               {{"metric", {{"name", "requests_per_second"}}},
                                                {"target", {{"type", "AverageValue"}, {"averageValue", "1000"}}}}}}});
  created = admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), rps_rule);
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  // Samples of the Deployment's replicas (time, value) while the faults happen.
  std::vector<std::pair<double, int>> samples;
  std::mutex samples_mu;
  std::atomic<bool> sampling{true};
  const auto t0 = Clock::now();
  std::thread sampler([&] {
    while (sampling) {
      auto d = k8s::GetDeployment(*admin_, ns_, "faulty");
      if (d.ok()) {
        std::lock_guard<std::mutex> lock(samples_mu);
        samples.emplace_back(std::chrono::duration<double>(Clock::now() - t0).count(), (*d)["spec"].value("replicas", -1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });

  OperatorOptions o;
  o.namespace_ = ns_;
  o.period_s = 3;
  o.listen = "127.0.0.1:0";
  prom::ClientOptions popts;
  popts.base_url = Env("PODPILOT_TESTENV_PROMETHEUS_URL");
  popts.timeout = std::chrono::milliseconds(2000);
  auto prom = prom::PrometheusClient::Create(popts);
  ASSERT_TRUE(prom.ok());
  // The first scale write of the run races an admin's change made just before it: a real 409.
  std::atomic<int> raced_writes{0};
  o.before_scale_write = [&](const std::string& ns, const std::string& target) {
    if (target != "faulty" || raced_writes.fetch_add(1) != 0) return;
    auto p = admin_->Patch(k8s::Deployments().Path(ns, target), k8s::PatchType::kMerge,
                           {{"metadata", {{"annotations", {{"test/raced", "yes"}}}}}});
    EXPECT_TRUE(p.ok()) << p.status().ToString();
  };
  op::Operator oper(K8sIntegrationTest::Operator(), std::move(prom).value(), o);
  auto metric = [&](const std::string& series) { return MetricValue(oper.metrics().Serialize(), series); };
  std::thread runner([&] { EXPECT_TRUE(oper.Run().ok()); });
  auto ppa_now = [&] { return Get(k8s::PodPilotAutoscalers().Path(ns_, "faulty")); };

  // The policy runs with its signal.
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(ppa_now(), "FallbackActive") == "False/PolicyInUse"; }, std::chrono::seconds(60)))
      << ppa_now().dump();

  auto rps_now = [&] { return Get(k8s::PodPilotAutoscalers().Path(ns_, "rps-rule")); };
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(rps_now(), "ScalingActive") == "True/ValidMetricFound"; }, std::chrono::seconds(60)))
      << rps_now().dump();

  // 1. Prometheus stopped: fallback to the HPA rule; back: the policy again. The rule on a
  //    Prometheus metric holds meanwhile: its decision keeps the replicas it found.
  ASSERT_EQ(Testenv("stop prometheus"), 0);
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(ppa_now(), "FallbackActive") == "True/SignalsMissing"; }, std::chrono::seconds(60)))
      << ppa_now().dump();
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(rps_now(), "ScalingActive") == "False/FailedGetPodsMetric"; }, std::chrono::seconds(60)))
      << rps_now().dump();
  {
    const json held = rps_now();
    // Above the minimum, so a rule reading 0 would have proposed fewer (the regression it guards).
    ASSERT_GT(held["status"].value("currentReplicas", 0), kMin) << held.dump();
    EXPECT_NE(held["status"]["lastDecision"].value("reason", "").find("hold: a Prometheus metric of the HPA rule is missing"),
              std::string::npos)
        << held.dump();
    EXPECT_EQ(held["status"]["lastDecision"].value("replicas", -1), held["status"].value("currentReplicas", -2)) << held.dump();
  }
  ASSERT_EQ(Testenv("start prometheus"), 0);
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(ppa_now(), "FallbackActive") == "False/PolicyInUse"; }, std::chrono::seconds(60)))
      << ppa_now().dump();

  // 2. Conflicts: an admin changes the Deployment (an annotation) every 100 ms for 15 s while the
  //    operator scales it; every write of the operator races one of these.
  {
    const auto end = Clock::now() + std::chrono::seconds(15);
    for (int i = 0; Clock::now() < end; ++i) {
      (void)admin_->Patch(k8s::Deployments().Path(ns_, "faulty"), k8s::PatchType::kMerge,
                          {{"metadata", {{"annotations", {{"test/touch", std::to_string(i)}}}}}});
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // 3. kube-apiserver down for 10 s, etcd moved on and compacted meanwhile, then back: the
  //    restart and a 410 Gone on every watch.
  auto reconciles = [&] { return metric("podpilot_reconcile_total{result=\"ok\"}"); };
  const std::vector<std::string> watched = {"podpilotautoscalers", "deployments", "pods"};
  auto gone = [&](const std::string& r) { return metric("podpilot_watch_errors_total{reason=\"gone\",resource=\"" + r + "\"}"); };
  auto lists = [&](const std::string& r) { return metric("podpilot_watch_lists_total{resource=\"" + r + "\"}"); };
  std::map<std::string, double> gone_before, lists_before;
  for (const auto& r : watched) {
    gone_before[r] = gone(r);
    lists_before[r] = lists(r);
    EXPECT_GE(lists_before[r], 1) << r << " was never listed";
  }
  ASSERT_EQ(Testenv("stop kube-apiserver"), 0);
  EXPECT_TRUE(AdvanceAndCompactEtcd());
  std::this_thread::sleep_for(std::chrono::seconds(10));
  ASSERT_EQ(Testenv("start kube-apiserver"), 0);
  const double after_restart = reconciles();
  EXPECT_TRUE(WaitFor([&] { return reconciles() >= after_restart + 3; }, std::chrono::seconds(90)))
      << "no successful reconcile after the API server came back";
  for (const auto& r : watched) {
    EXPECT_TRUE(WaitFor([&] { return gone(r) > gone_before[r] && lists(r) > lists_before[r]; }, std::chrono::seconds(60)))
        << r << ": no 410 Gone and relist after the restart (gone " << gone(r) << ", lists " << lists(r) << ")";
    std::printf("[faults] %s watch: 410 Gone %g -> %g, lists %g -> %g\n", r.c_str(), gone_before[r], gone(r), lists_before[r],
                lists(r));
  }
  // The relisted watch delivers what happens next: a new (Shadow) autoscaler gets its status.
  json shadow = ppa;
  shadow["metadata"] = {{"name", "after-relist"}};
  shadow["spec"]["mode"] = "Shadow";
  ASSERT_TRUE(admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), shadow).ok());
  EXPECT_TRUE(WaitFor([&] { return Get(k8s::PodPilotAutoscalers().Path(ns_, "after-relist"))["status"].contains("lastDecision"); },
                      std::chrono::seconds(30)))
      << Get(k8s::PodPilotAutoscalers().Path(ns_, "after-relist")).dump();

  // The load keeps asking for more: the operator reaches maxReplicas by itself, at the rate limit.
  EXPECT_TRUE(WaitFor(
      [&] {
        auto d = k8s::GetDeployment(*admin_, ns_, "faulty");
        return d.ok() && (*d)["spec"].value("replicas", 0) == kMax;
      },
      std::chrono::seconds(180)));
  std::this_thread::sleep_for(std::chrono::seconds(10));  // and stays there (never above)
  // The raced write was answered 409, re-read and written: the replicas went up anyway (above)
  // and the admin's change is still there.
  EXPECT_GE(raced_writes.load(), 1) << "the operator never wrote the scale subresource";
  EXPECT_GE(metric("podpilot_write_conflicts_total{subresource=\"scale\"}"), 1);
  std::printf("[faults] write conflicts: scale %g, status %g\n", metric("podpilot_write_conflicts_total{subresource=\"scale\"}"),
              metric("podpilot_write_conflicts_total{subresource=\"status\"}"));
  // Status is replaced by a JSON patch without a resourceVersion (status_builder.h): nothing here
  // was re-created, so no status write may conflict (9 in this test when it was a conditional PUT).
  EXPECT_EQ(metric("podpilot_write_conflicts_total{subresource=\"status\"}"), 0);
  auto final_dep = k8s::GetDeployment(*admin_, ns_, "faulty");
  ASSERT_TRUE(final_dep.ok());
  EXPECT_EQ((*final_dep)["metadata"]["annotations"].value("test/raced", ""), "yes");
  oper.Stop();
  runner.join();
  sampling = false;
  sampler.join();

  // The rails held throughout.
  std::lock_guard<std::mutex> lock(samples_mu);
  ASSERT_GT(samples.size(), 100u);
  std::string trace;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto [t, r] = samples[i];
    if (i == 0 || samples[i - 1].second != r) trace += std::to_string(static_cast<int>(t)) + "s:" + std::to_string(r) + " ";
    EXPECT_GE(r, kMin) << "at " << t << " s";
    EXPECT_LE(r, kMax) << "at " << t << " s";
    // Rises within the 55 s before this sample (a little under a minute: polling adds lag).
    int rises = 0;
    for (size_t j = 1; j <= i; ++j) {
      if (samples[j].first > t - 55 && samples[j].second > samples[j - 1].second) rises += samples[j].second - samples[j - 1].second;
    }
    EXPECT_LE(rises, kUpPerMinute) << "at " << t << " s; trace " << trace;
  }
  std::printf("[faults] replicas over time: %s\n", trace.c_str());
}

// An OOM kill the kubelet reports while the autoscaler's observations fail (one target of its
// group deleted) is counted when they succeed again: a failed observation keeps nothing of what
// it saw. Counted once, and exported as podpilot_oom_kills_total.
TEST_F(OperatorFaultsTest, OomKillSeenOnlyByFailedObservationsIsCountedOnce) {
  auto deployment = [](const std::string& name) {
    return json{{"apiVersion", "apps/v1"},
                {"kind", "Deployment"},
                {"metadata", {{"name", name}}},
                {"spec",
                 {{"replicas", 1},
                  {"selector", {{"matchLabels", {{"app", name}}}}},
                  {"template",
                   {{"metadata", {{"labels", {{"app", name}}}}},
                    {"spec", {{"containers", json::array({{{"name", "main"}, {"image", "registry.invalid/web:1"},
                                                           {"resources", {{"requests", {{"cpu", "100m"}}}}}}})}}}}}}}};
  };
  ASSERT_TRUE(admin_->Post(k8s::Deployments().Path(ns_), deployment("oomy")).ok());
  ASSERT_TRUE(admin_->Post(k8s::Deployments().Path(ns_), deployment("partner")).ok());
  json ppa = {{"apiVersion", "autoscaling.podpilot.dev/v1alpha1"},
              {"kind", "PodPilotAutoscaler"},
              {"metadata", {{"name", "oom-count"}}},
              {"spec",
               {{"targets", json::array({{{"kind", "Deployment"}, {"name", "oomy"}}, {{"kind", "Deployment"}, {"name", "partner"}}})},
                {"minReplicas", 1},
                {"maxReplicas", 3},
                {"mode", "Shadow"},
                {"policy", {{"type", "Hpa"}}}}}};
  auto created = admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), ppa);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  OperatorOptions o;
  o.namespace_ = ns_;
  o.period_s = 2;
  o.listen = "127.0.0.1:0";
  op::Operator oper(K8sIntegrationTest::Operator(), std::nullopt, o);
  std::thread runner([&] { EXPECT_TRUE(oper.Run().ok()); });
  auto ppa_now = [&] { return Get(k8s::PodPilotAutoscalers().Path(ns_, "oom-count")); };
  const std::string kills_series =
      "podpilot_oom_kills_total{autoscaler=\"oom-count\",namespace=\"" + ns_ + "\",target=\"oomy\"}";
  auto kills = [&] { return MetricValue(oper.metrics().Serialize(), kills_series); };
  auto oomy_pod = [&] {
    auto pods = k8s::ListPods(*admin_, ns_, "app=oomy");
    return pods.ok() && !(*pods)["items"].empty() ? (*pods)["items"][0] : json();
  };
  // The ledger is primed (observations succeed) and the pod runs.
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(ppa_now(), "AbleToScale") == "True/SucceededGetScale" && oomy_pod().is_object(); },
                      std::chrono::seconds(60)))
      << ppa_now().dump();
  EXPECT_NE(oper.metrics().Serialize().find(kills_series + " 0"), std::string::npos) << "the series starts at 0";

  // The group's second target goes away: every observation now fails (at that target).
  ASSERT_TRUE(admin_->Delete(k8s::Deployments().Path(ns_, "partner")).ok());
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(ppa_now(), "AbleToScale") == "False/FailedGetScale"; }, std::chrono::seconds(30)))
      << ppa_now().dump();
  // Meanwhile the kubelet reports an OOM kill of oomy's container (what a kubelet writes after
  // restarting a container the kernel killed; KWOK leaves a patched status alone).
  const json pod = oomy_pod();
  ASSERT_TRUE(pod.is_object());
  char now[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
  const json status = {{"status",
                        {{"containerStatuses",
                          json::array({{{"name", "main"},
                                        {"image", "registry.invalid/web:1"},
                                        {"imageID", ""},
                                        {"ready", true},
                                        {"restartCount", 1},
                                        {"state", {{"running", {{"startedAt", now}}}}},
                                        {"lastState",
                                         {{"terminated",
                                           {{"reason", "OOMKilled"}, {"exitCode", 137}, {"finishedAt", now},
                                            {"containerID", "containerd://oom-test-1"}}}}}}})}}}};
  auto patched = admin_->Patch(k8s::Pods().Path(ns_, pod["metadata"].value("name", ""), "status"), k8s::PatchType::kMerge, status);
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  std::this_thread::sleep_for(std::chrono::seconds(6));  // three failed observations see it
  EXPECT_EQ(kills(), 0);

  ASSERT_TRUE(admin_->Post(k8s::Deployments().Path(ns_), deployment("partner")).ok());
  EXPECT_TRUE(WaitFor([&] { return kills() >= 1; }, std::chrono::seconds(30)))
      << "the kill seen by failed observations was never counted; " << ppa_now().dump();
  std::this_thread::sleep_for(std::chrono::seconds(6));  // three more observations: still one
  EXPECT_EQ(kills(), 1);
  const json after = oomy_pod();
  EXPECT_EQ(after["status"]["containerStatuses"][0]["lastState"]["terminated"].value("reason", ""), "OOMKilled")
      << "KWOK rewrote the pod's status: " << after.dump();
  oper.Stop();
  runner.join();
}

}  // namespace
}  // namespace podpilot::op
