#include "eval/clairvoyant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "eval/policy_registry.h"
#include "eval/run.h"
#include "sim/env.h"
#include "sim/queueing.h"

namespace podpilot {
namespace {

AppModel Parse(const std::string& yaml) {
  auto app = ParseAppModel(yaml, "test.yaml");
  EXPECT_TRUE(app.ok()) << app.status().ToString();
  return std::move(app).value();
}

// Two services in a chain: front (cheap pods) calls back (dearer pods) twice.
const char* kChain = R"(
name: chain
network_hop_ms: 0.5
services:
  - name: front
    cpu_per_request: 0.004
    requests: {cpu: 100m, memory: 64Mi}
    limits: {cpu: 250m, memory: 128Mi}
    startup_seconds: 10
    readiness: {initial_delay_seconds: 5, period_seconds: 5, success_threshold: 1}
    replicas: {initial: 1, min: 1, max: 15}
  - name: back
    cpu_per_request: 0.006
    requests: {cpu: 400m, memory: 512Mi}
    limits: {cpu: 500m, memory: 1Gi}
    startup_seconds: 30
    termination_seconds: 5
    replicas: {initial: 1, min: 1, max: 15}
request_classes:
  - name: get
    slo_ms: 160
    call:
      service: front
      calls:
        - {service: back, visits: 2}
)";

// Independent implementation of the objective for the chain: per-visit PS moments, summed.
double ChainAttainment(const AppModel& app, double rps, int nf, int nb) {
  const ServiceModel& f = app.services[0];
  const ServiceModel& b = app.services[1];
  auto visit = [](const ServiceModel& m, double visits_per_s, int n, double* mean_ms, double* var) {
    const double cap = m.limits.cpu - m.base_cpu;
    const double rho = visits_per_s * m.cpu_per_request / (n * cap);
    if (rho > kMaxStationaryRho) return false;
    const double t = m.cpu_per_request / cap / (1 - rho) * 1e3;
    *mean_ms = t;
    *var = t * t * (1 + 2 * rho / (2 - rho));  // M/M/1-PS SCV (cv = 1)
    return true;
  };
  double mf, vf, mb, vb;
  if (!visit(f, rps, nf, &mf, &vf) || !visit(b, 2 * rps, nb, &mb, &vb)) return 0;
  const double hop2 = 1.0;
  const double mean = mf + 2 * mb + hop2 /*front->back step*/ + hop2 /*ingress*/;
  const double var = vf + 2 * vb;
  return GammaWithinProbabilityExact(mean, var / (mean * mean), 160);
}

TEST(ClairvoyantTest, GreedyFindsTheBruteForceMinimumOnAChain) {
  const AppModel app = Parse(kChain);
  const double price_f = 0.1 * app.cluster.price_cpu_core_hour + 64.0 / 1024 * app.cluster.price_memory_gib_hour;
  const double price_b = 0.4 * app.cluster.price_cpu_core_hour + 0.5 * app.cluster.price_memory_gib_hour;
  for (double rps : {5.0, 40.0, 90.0, 120.0, 150.0}) {
    double best = std::numeric_limits<double>::infinity();
    for (int nf = 1; nf <= 15; ++nf) {
      for (int nb = 1; nb <= 15; ++nb) {
        if (ChainAttainment(app, rps, nf, nb) >= 0.99) best = std::min(best, nf * price_f + nb * price_b);
      }
    }
    bool feasible = false;
    std::vector<int> n = CheapestReadyReplicas(app, rps, 0.99, &feasible);
    ASSERT_TRUE(feasible) << rps;
    EXPECT_GE(ChainAttainment(app, rps, n[0], n[1]), 0.99) << rps;
    EXPECT_NEAR(n[0] * price_f + n[1] * price_b, best, 1e-12) << "rps " << rps << ": got " << n[0] << "," << n[1];
  }
}

TEST(ClairvoyantTest, ImpossibleLoadIsReportedInfeasible) {
  const AppModel app = Parse(kChain);
  bool feasible = true;
  std::vector<int> n = CheapestReadyReplicas(app, 5000, 0.99, &feasible);
  EXPECT_FALSE(feasible);
  EXPECT_EQ(n[0], 15);
}

TEST(ClairvoyantTest, PodsStartAheadOfAStepAndAreChargedWhileStartingAndTerminating) {
  const AppModel app = Parse(kChain);
  std::vector<double> arrivals(600, 5.0);
  for (int t = 300; t < 450; ++t) arrivals[t] = 150.0;
  ClairvoyantOptions opt;
  opt.keep_trajectory = true;
  auto r = ComputeClairvoyant(app, arrivals, opt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  bool feasible;
  const std::vector<int> low = CheapestReadyReplicas(app, 5.0, 0.99, &feasible);
  const std::vector<int> high = CheapestReadyReplicas(app, 150.0, 0.99, &feasible);
  ASSERT_GT(high[1], low[1]);
  // back: ready delay 30 s (startup) + 0 (initial delay 0, threshold 1) = 30 s ahead; 5 s behind.
  const double ready_b = app.services[1].SecondsToReady();
  EXPECT_EQ(r->existing[300 - static_cast<int>(ready_b) - 1][1], low[1]);
  EXPECT_EQ(r->existing[300 - static_cast<int>(ready_b)][1], high[1]);
  EXPECT_EQ(r->existing[449 + 5][1], high[1]);
  EXPECT_EQ(r->existing[449 + 6][1], low[1]);
  EXPECT_EQ(r->ready[300][1], high[1]);
  EXPECT_EQ(r->ready[299][1], low[1]);
  // Cost is the pod-seconds of `existing` at each service's pod price.
  double cost = 0;
  for (const auto& row : r->existing) {
    cost += row[0] * (0.1 * app.cluster.price_cpu_core_hour + 64.0 / 1024 * app.cluster.price_memory_gib_hour) / 3600;
    cost += row[1] * (0.4 * app.cluster.price_cpu_core_hour + 0.5 * app.cluster.price_memory_gib_hour) / 3600;
  }
  EXPECT_NEAR(r->cost, cost, 1e-12);
  EXPECT_EQ(r->infeasible_ticks, 0);
  EXPECT_EQ(r->distinct_loads, 2);
}

TEST(ClairvoyantTest, NoPolicyThatMeetsTheObjectiveIsCheaper) {
  // The HPA at a conservative target on Online Boutique: when it attains the objective, its cost
  // must be at least the bound's on the very same arrivals.
  EnvConfig cfg;
  cfg.app = std::make_shared<const AppModel>(LoadAppByName("online-boutique").value());
  cfg.workload = "sinusoidal:mean=80,amplitude=50,period=2h";
  cfg.duration_s = 4 * 3600;
  for (const char* spec : {"hpa:cpu=30", "static:replicas=6"}) {
    auto policy = MakePolicy(spec);
    ASSERT_TRUE(policy.ok());
    cfg.sim.pod_samples = (*policy)->NeedsPodSamples();
    auto env = Env::Create(cfg);
    ASSERT_TRUE(env.ok());
    RunSummary s = RunEpisode(**env, **policy, 11, nullptr);
    auto arrivals = Env::Rates(cfg, 11);
    ASSERT_TRUE(arrivals.ok());
    ClairvoyantOptions opt;
    opt.required_attainment = 0.95;
    auto bound = ComputeClairvoyant(*cfg.app, *arrivals, opt);
    ASSERT_TRUE(bound.ok());
    EXPECT_EQ(bound->infeasible_ticks, 0);
    EXPECT_GT(bound->cost, 0);
    if (s.slo_attainment >= 0.95) {
      EXPECT_GE(s.cost, bound->cost) << spec;
    }
    std::printf("%s: cost %.4f (SLO %.4f), bound %.4f, ratio %.3f\n", spec, s.cost, s.slo_attainment, bound->cost,
                s.cost / bound->cost);
  }
}

TEST(ClairvoyantTest, RefusesBadOptions) {
  const AppModel app = Parse(kChain);
  ClairvoyantOptions opt;
  opt.required_attainment = 1.5;
  EXPECT_FALSE(ComputeClairvoyant(app, {1, 2, 3}, opt).ok());
  EXPECT_FALSE(ComputeClairvoyant(app, {}, ClairvoyantOptions{}).ok());
  EXPECT_FALSE(ComputeClairvoyant(app, {1, -2}, ClairvoyantOptions{}).ok());
}

}  // namespace
}  // namespace podpilot
