// Faults under a running operator, on the real control plane of scripts/testenv (own
// environment: this test stops and restarts its components):
//   * Prometheus stopped: the Predictive policy loses its request-rate signal, the operator falls
//     back to the HPA rule (FallbackActive=True, SignalsMissing) and returns to the policy by
//     itself when Prometheus is back;
//   * kube-apiserver stopped and restarted: the watch and every request fail for a while, then the
//     operator carries on without being restarted (more reconciles, status written again);
//   * 409 conflicts: an admin keeps changing the Deployment while the operator scales it;
// and throughout, sampled every 250 ms, the Deployment's replicas never leave [min, max] and never
// rise by more than the autoscaler's maxScaleUpPerMinute within a minute.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
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
};

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
  json ppa = {{"apiVersion", "autoscaling.podpilot.dev/v1alpha1"},
              {"kind", "PodPilotAutoscaler"},
              {"metadata", {{"name", "faulty"}}},
              {"spec",
               {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "faulty"}}},
                {"minReplicas", kMin},
                {"maxReplicas", kMax},
                {"mode", "Active"},
                {"signals", {{"requestRateQuery", prom_query}}},
                {"policy", {{"type", "Predictive"}, {"parameters", {{"cpu", "50"}}}}},
                {"rateLimits", {{"maxScaleUpPerMinute", kUpPerMinute}, {"maxScaleDownPerMinute", 1}}}}}};
  auto created = admin_->Post(k8s::PodPilotAutoscalers().Path(ns_), ppa);
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
  op::Operator oper(K8sIntegrationTest::Operator(), std::move(prom).value(), o);
  std::thread runner([&] { EXPECT_TRUE(oper.Run().ok()); });
  auto ppa_now = [&] { return Get(k8s::PodPilotAutoscalers().Path(ns_, "faulty")); };

  // The policy runs with its signal.
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(ppa_now(), "FallbackActive") == "False/PolicyInUse"; }, std::chrono::seconds(60)))
      << ppa_now().dump();

  // 1. Prometheus stopped: fallback to the HPA rule; back: the policy again.
  ASSERT_EQ(Testenv("stop prometheus"), 0);
  EXPECT_TRUE(WaitFor([&] { return ConditionOf(ppa_now(), "FallbackActive") == "True/SignalsMissing"; }, std::chrono::seconds(60)))
      << ppa_now().dump();
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

  // 3. kube-apiserver down for 10 s, then back.
  const std::string reconciles_metric = "podpilot_reconcile_total{result=\"ok\"} ";
  auto reconciles = [&] {
    const std::string m = oper.metrics().Serialize();
    const auto at = m.find(reconciles_metric);
    return at == std::string::npos ? 0.0 : std::stod(m.substr(at + reconciles_metric.size()));
  };
  ASSERT_EQ(Testenv("stop kube-apiserver"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(10));
  ASSERT_EQ(Testenv("start kube-apiserver"), 0);
  const double after_restart = reconciles();
  EXPECT_TRUE(WaitFor([&] { return reconciles() >= after_restart + 3; }, std::chrono::seconds(90)))
      << "no successful reconcile after the API server came back";

  // The load keeps asking for more: the operator reaches maxReplicas by itself, at the rate limit.
  EXPECT_TRUE(WaitFor(
      [&] {
        auto d = k8s::GetDeployment(*admin_, ns_, "faulty");
        return d.ok() && (*d)["spec"].value("replicas", 0) == kMax;
      },
      std::chrono::seconds(180)));
  std::this_thread::sleep_for(std::chrono::seconds(10));  // and stays there (never above)
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

}  // namespace
}  // namespace podpilot::op
