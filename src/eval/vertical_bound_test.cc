#include "eval/vertical_bound.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "eval/clairvoyant.h"
#include "sim/env.h"
#include "sim/queueing.h"

namespace podpilot {
namespace {

AppModel Parse(const std::string& yaml) {
  auto app = ParseAppModel(yaml, "test.yaml");
  EXPECT_TRUE(app.ok()) << app.status().ToString();
  return std::move(app).value();
}

// Two services in a chain (front calls back twice); back has idle CPU and in-flight memory, so
// both the capacity formula and the memory sizing matter.
const char* kChain = R"(
name: chain
network_hop_ms: 0.5
services:
  - name: front
    cpu_per_request: 0.004
    base_memory: 40Mi
    memory_per_inflight: 2Mi
    requests: {cpu: 100m, memory: 64Mi}
    limits: {cpu: 250m, memory: 128Mi}
    startup_seconds: 10
    readiness: {initial_delay_seconds: 5, period_seconds: 5, success_threshold: 1}
    replicas: {initial: 1, min: 1, max: 6}
  - name: back
    cpu_per_request: 0.006
    base_cpu: 20m
    base_memory: 200Mi
    memory_per_inflight: 30Mi
    requests: {cpu: 400m, memory: 512Mi}
    limits: {cpu: 500m, memory: 1Gi}
    startup_seconds: 30
    termination_seconds: 5
    replicas: {initial: 1, min: 1, max: 6}
request_classes:
  - name: get
    slo_ms: 160
    call:
      service: front
      calls:
        - {service: back, visits: 2}
)";

// Independent model of one pod size of one chain service at a visit rate: the PS visit moments
// and the memory request that holds the in-flight working set.
struct Visit {
  bool stable = false;
  double mean_ms = 0, var = 0, memory = 0;
};
Visit ChainVisit(const ServiceModel& m, double visits_per_s, int n, double k) {
  Visit v;
  const double cap = std::max(1e-3, k * m.limits.cpu - m.base_cpu);
  const double rho = visits_per_s * m.cpu_per_request / (n * cap);
  if (rho > kMaxStationaryRho) return v;
  const double t_s = m.cpu_per_request / cap / (1 - rho);
  v.stable = true;
  v.mean_ms = t_s * 1e3;
  v.var = v.mean_ms * v.mean_ms * (1 + 2 * rho / (2 - rho));  // M/M/1-PS SCV (cv = 1)
  const double inflight = visits_per_s * t_s / n;              // Little's law per pod
  const double ws = m.base_memory + m.memory_per_inflight * inflight;
  v.memory = 0.94 * ws * m.requests.memory / m.limits.memory;
  return v;
}

double PodPrice(const AppModel& app, const ServiceModel& m, double k, double memory) {
  return k * m.requests.cpu * app.cluster.price_cpu_core_hour +
         memory / (1024.0 * 1024 * 1024) * app.cluster.price_memory_gib_hour;
}

// Exhaustive search over replicas x sizes of both services; +inf if nothing meets the objective.
double BruteForceCost(const AppModel& app, double rps, const std::vector<double>& grid) {
  const ServiceModel& f = app.services[0];
  const ServiceModel& b = app.services[1];
  double best = std::numeric_limits<double>::infinity();
  for (int nf = 1; nf <= f.max_replicas; ++nf) {
    for (double kf : grid) {
      const Visit vf = ChainVisit(f, rps, nf, kf);
      if (!vf.stable) continue;
      for (int nb = 1; nb <= b.max_replicas; ++nb) {
        for (double kb : grid) {
          const Visit vb = ChainVisit(b, 2 * rps, nb, kb);
          if (!vb.stable) continue;
          const double mean = vf.mean_ms + 2 * vb.mean_ms + 1.0 /*front->back hops*/ + 1.0 /*ingress*/;
          const double var = vf.var + 2 * vb.var;
          if (GammaWithinProbabilityExact(mean, var / (mean * mean), 160) < 0.99) continue;
          best = std::min(best, nf * PodPrice(app, f, kf, vf.memory) + nb * PodPrice(app, b, kb, vb.memory));
        }
      }
    }
  }
  return best;
}

TEST(VerticalBoundTest, SizeGridIsGeometricAndHoldsOne) {
  const std::vector<double> f = VerticalSizeFactors(VerticalBoundOptions{});
  ASSERT_GT(f.size(), 40u);
  EXPECT_LE(f.front(), 0.05);
  EXPECT_GE(f.back(), 8.0);
  EXPECT_EQ(std::count(f.begin(), f.end(), 1.0), 1);
  for (size_t i = 1; i < f.size(); ++i) EXPECT_NEAR(f[i] / f[i - 1], 1.1, 1e-9);
  VerticalBoundOptions bad;
  bad.min_factor = 2;  // 1 must be on the grid
  EXPECT_TRUE(VerticalSizeFactors(bad).empty());
}

TEST(VerticalBoundTest, SearchFindsTheBruteForceMinimumOnAChain) {
  const AppModel app = Parse(kChain);
  VerticalBoundOptions o;
  o.min_factor = 0.25;
  o.max_factor = 4;
  o.ratio = 1.5;
  const std::vector<double> grid = VerticalSizeFactors(o);
  ASSERT_EQ(grid.size(), 9u);  // 1.5^-4 .. 1.5^4
  for (double rps = 1; rps < 290; rps += 3.7) {
    const double best = BruteForceCost(app, rps, grid);
    ASSERT_TRUE(std::isfinite(best)) << rps;
    auto plans = CheapestVerticalPlans(app, {rps}, o);
    ASSERT_TRUE(plans.ok()) << plans.status().ToString();
    const VerticalPlan& p = (*plans)[0];
    ASSERT_TRUE(p.feasible) << rps;
    EXPECT_NEAR(p.cost_per_hour, best, 1e-12) << "rps " << rps << ": got front " << p.replicas[0] << " x "
                                              << p.cpu_factor[0] << ", back " << p.replicas[1] << " x " << p.cpu_factor[1];
    // The plan's memory is the independent model's.
    EXPECT_NEAR(p.memory_request[1], ChainVisit(app.services[1], 2 * rps, p.replicas[1], p.cpu_factor[1]).memory, 1.0);
  }
}

TEST(VerticalBoundTest, NeverAboveTheHorizontalBoundAndBelowItWhenPodsCanShrink) {
  const AppModel app = LoadAppByName("online-boutique").value();
  std::vector<double> loads = {1, 5, 20, 60, 120, 250};
  auto plans = CheapestVerticalPlans(app, loads, VerticalBoundOptions{});
  ASSERT_TRUE(plans.ok());
  for (size_t i = 0; i < loads.size(); ++i) {
    bool feasible = false;
    const std::vector<int> n = CheapestReadyReplicas(app, loads[i], 0.99, &feasible);
    ASSERT_TRUE(feasible && (*plans)[i].feasible) << loads[i];
    double horizontal = 0;
    for (size_t s = 0; s < n.size(); ++s) horizontal += n[s] * PodPricePerHour(app, static_cast<int>(s));
    EXPECT_LE((*plans)[i].cost_per_hour, horizontal * (1 + 1e-12)) << loads[i];
    // At a light load most services need far less than their requests: VPA territory.
    if (loads[i] <= 5) {
      EXPECT_LT((*plans)[i].cost_per_hour, 0.8 * horizontal) << loads[i];
    }
  }
}

TEST(VerticalBoundTest, PerLoadCostIsMonotoneInLoad) {
  const AppModel app = LoadAppByName("online-boutique").value();
  std::vector<double> loads;
  for (double x = 0; x <= 400; x += 7.3) loads.push_back(x);
  auto plans = CheapestVerticalPlans(app, loads, VerticalBoundOptions{});
  ASSERT_TRUE(plans.ok());
  for (size_t i = 1; i < loads.size(); ++i) {
    EXPECT_LE((*plans)[i - 1].cost_per_hour, (*plans)[i].cost_per_hour * (1 + 1e-12)) << loads[i];
  }
  EXPECT_LT((*plans)[1].cost_per_hour, (*plans).back().cost_per_hour);
}

TEST(VerticalBoundTest, TrajectoryStartsPodsAheadAndPricesIdlePodsAtTheSmallestSize) {
  const AppModel app = Parse(kChain);
  std::vector<double> rates(600, 5.0);
  for (int t = 300; t < 450; ++t) rates[t] = 150.0;
  VerticalBoundOptions o;
  o.keep_trajectory = true;
  auto r = ComputeVerticalClairvoyant(app, rates, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->distinct_loads, 2);
  EXPECT_EQ(r->infeasible_ticks, 0);
  auto plans = CheapestVerticalPlans(app, {5.0, 150.0}, o);
  ASSERT_TRUE(plans.ok());
  const VerticalPlan& low = (*plans)[0];
  const VerticalPlan& high = (*plans)[1];
  EXPECT_EQ(r->ready[0], low.replicas);
  EXPECT_EQ(r->ready[300], high.replicas);
  EXPECT_EQ(r->cpu_factor[300], high.cpu_factor);
  // Window max of the ready counts, exactly as the horizontal bound.
  for (int s = 0; s < 2; ++s) {
    const ServiceModel& m = app.services[s];
    const int ahead = static_cast<int>(std::ceil(m.SecondsToReady()));
    const int back = static_cast<int>(std::ceil(m.termination_seconds));
    for (int t = 0; t < 600; ++t) {
      int want = 0;
      for (int tau = std::max(0, t - back); tau <= std::min(599, t + ahead); ++tau) {
        want = std::max(want, (tau >= 300 && tau < 450 ? high : low).replicas[s]);
      }
      EXPECT_EQ(r->existing[t][s], want) << t;
    }
  }
  // Cost: ready pods at their size, the extra existing ones at the smallest size and idle memory.
  const double smallest = VerticalSizeFactors(o).front();
  double cost = 0;
  for (int t = 0; t < 600; ++t) {
    for (int s = 0; s < 2; ++s) {
      const ServiceModel& m = app.services[s];
      cost += (r->ready[t][s] * VerticalPodPricePerHour(app, s, r->cpu_factor[t][s], r->memory_request[t][s]) +
               (r->existing[t][s] - r->ready[t][s]) * VerticalPodPricePerHour(app, s, smallest, MinMemoryRequest(m, 0))) /
              3600;
    }
  }
  EXPECT_NEAR(r->cost, cost, 1e-12);
  // And never above the horizontal bound of the same arrivals.
  auto h = ComputeClairvoyant(app, rates, ClairvoyantOptions{});
  ASSERT_TRUE(h.ok());
  EXPECT_LE(r->cost, h->cost);
}

TEST(VerticalBoundTest, ImpossibleLoadIsReportedInfeasible) {
  const AppModel app = Parse(kChain);
  VerticalBoundOptions o;
  auto r = ComputeVerticalClairvoyant(app, {5.0, 1e5, 5.0}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->infeasible_ticks, 1);
}

TEST(VerticalBoundTest, RefusesBadInput) {
  const AppModel app = Parse(kChain);
  VerticalBoundOptions o;
  o.required_attainment = 1.5;
  EXPECT_FALSE(ComputeVerticalClairvoyant(app, {1, 2}, o).ok());
  EXPECT_FALSE(ComputeVerticalClairvoyant(app, {}, VerticalBoundOptions{}).ok());
  EXPECT_FALSE(ComputeVerticalClairvoyant(app, {1, -2}, VerticalBoundOptions{}).ok());
  o = VerticalBoundOptions{};
  o.ratio = 1.0;
  EXPECT_FALSE(CheapestVerticalPlans(app, {1}, o).ok());
}

}  // namespace
}  // namespace podpilot
