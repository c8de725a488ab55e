#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "sim/env.h"
#include "common/units.h"
#include "sim/sim_test_util.h"
#include "sim/vec_env.h"

namespace podpilot {
namespace {

using testing::Keep;
using testing::MustCreateEnv;
using testing::MustParseApp;
using testing::OneServiceYaml;
using testing::SetReplicas;

EnvConfig OneServiceEnv(const std::string& yaml, const std::string& workload, double duration = 600) {
  EnvConfig cfg;
  cfg.app = MustParseApp(yaml);
  cfg.workload = workload;
  cfg.duration_s = duration;
  return cfg;
}

TEST(SimulatorTest, SteadyStateMatchesProcessorSharingFormulas) {
  // 40 rps x 0.01 core-s over 2 pods of 0.5 cores: rho = 0.4, usage 0.2 cores per pod.
  auto env = MustCreateEnv(OneServiceEnv(OneServiceYaml(0.01, "500m", 2), "constant:rps=40,noise=none"));
  const StepResult* r = &env->Reset(1);
  for (int i = 0; i < 4; ++i) r = &env->Step(Keep(1));
  const TargetObservation& t = r->observation.targets[0];
  EXPECT_EQ(t.replicas_ready, 2);
  EXPECT_NEAR(t.request_rate, 40.0, 1e-9);
  EXPECT_NEAR(t.cpu_usage, 0.2, 1e-9);
  EXPECT_NEAR(t.cpu_utilization, 0.8, 1e-9);  // of the 250m request
  const double expected_ms = (0.01 / 0.5) / (1 - 0.4) * 1e3;
  EXPECT_NEAR(t.latency_mean_ms, expected_ms, 1e-6);
  EXPECT_NEAR(r->observation.classes[0].latency_mean_ms, expected_ms, 1e-6);
  // Little's law: 40 rps x 33.3 ms = 1.33 requests in flight, 0.67 per pod.
  EXPECT_NEAR(t.in_flight, 40 * expected_ms / 1e3 / 2, 1e-9);
  EXPECT_EQ(r->interval.errors, 0);
}

TEST(SimulatorTest, InFlightFollowsTheCountedArrivals) {
  // Poisson arrivals at a mean of 40 rps: the queue follows the mean rate (the latency stays that of
  // the formulas), while the requests in flight, averaged over each 1 s window, follow each second's
  // count, as a concurrency metric measured on real pods does.
  EnvConfig cfg = OneServiceEnv(OneServiceYaml(0.01, "500m", 2), "constant:rps=40,noise=poisson", 120);
  cfg.control_interval_s = 1;
  cfg.sim.metrics_window_s = 1;
  auto env = MustCreateEnv(cfg);
  const StepResult* r = &env->Reset(1);
  const double expected_ms = (0.01 / 0.5) / (1 - 0.4) * 1e3;
  double lowest = 1e9, highest = 0;
  for (int i = 0; i < 60; ++i) {
    r = &env->Step(Keep(1));
    const TargetObservation& t = r->observation.targets[0];
    EXPECT_NEAR(t.latency_mean_ms, expected_ms, 1e-6);
    EXPECT_NEAR(t.in_flight, t.request_rate * expected_ms / 1e3 / 2, 1e-9) << "step " << i;
    lowest = std::min(lowest, t.in_flight);
    highest = std::max(highest, t.in_flight);
  }
  // Poisson(40) counts over 60 s span far more than 10 % of the mean (sd 6.3 per second).
  EXPECT_GT(highest - lowest, 0.1 * (40 * expected_ms / 1e3 / 2));
}

TEST(SimulatorTest, NewPodsBecomeReadyAfterStartupAndProbes) {
  // startup 5 s + first probe at 5 s + 2 more successes 5 s apart = 20 s to ready.
  auto env = MustCreateEnv(OneServiceEnv(OneServiceYaml(0.01, "500m", 2), "constant:rps=10,noise=none"));
  const StepResult* r = &env->Reset(1);
  const double t0 = r->observation.time_s;
  r = &env->Step(SetReplicas(1, 0, 4));
  EXPECT_EQ(r->observation.targets[0].replicas_spec, 4);
  EXPECT_EQ(r->observation.targets[0].replicas_ready, 2);
  EXPECT_EQ(r->observation.targets[0].replicas_starting, 2);
  const Simulator& sim = env->simulator();
  // Tick until the new pods are ready; they must not be ready before t0 + 20.
  r = &env->Step(Keep(1));
  EXPECT_EQ(r->observation.targets[0].replicas_ready, 4);
  for (const Pod& p : sim.service(0).pods()) {
    if (p.created_s > 0) {
      EXPECT_DOUBLE_EQ(p.ready_s, t0 + 20.0);
    }
  }
}

TEST(SimulatorTest, ScaleDownLeavesTheLoadBalancerAtOnceButCostsUntilGone) {
  auto env = MustCreateEnv(OneServiceEnv(OneServiceYaml(0.01, "500m", 4, "    termination_seconds: 30\n"),
                                         "constant:rps=10,noise=none"));
  env->Reset(1);
  const StepResult& r = env->Step(SetReplicas(1, 0, 1));
  EXPECT_EQ(r.observation.targets[0].replicas_ready, 1);
  EXPECT_EQ(env->simulator().service(0).terminating(), 3);
  // Terminating pods are still charged: 4 pods' requests for this 15 s interval.
  const AppModel& app = env->simulator().app();
  const double per_pod_hour = 0.25 * app.cluster.price_cpu_core_hour + 0.125 * app.cluster.price_memory_gib_hour;
  EXPECT_NEAR(r.interval.cost, 4 * per_pod_hour * 15 / 3600, 1e-12);
  const StepResult& r2 = env->Step(Keep(1));
  const StepResult& r3 = env->Step(Keep(1));
  (void)r2;
  EXPECT_EQ(env->simulator().service(0).terminating(), 0);
  EXPECT_NEAR(r3.interval.cost, 1 * per_pod_hour * 15 / 3600, 1e-12);
}

TEST(SimulatorTest, OverloadBuildsBacklogThenTimesOut) {
  // 150 rps x 0.01 = 1.5 cores offered to 1.0 core: the excess beyond the stationary limit
  // (0.98 cores) is dropped once the backlog reaches the 2 s timeout, and of the requests served
  // after waiting that long, those whose total time passes the timeout are errors too.
  auto env = MustCreateEnv(OneServiceEnv(OneServiceYaml(0.01, "500m", 2, "    timeout_ms: 2000\n"),
                                         "constant:rps=150,noise=none"));
  const StepResult* r = &env->Reset(1);
  for (int i = 0; i < 8; ++i) r = &env->Step(Keep(1));
  const double expected_errors_per_s = (1.5 - 0.98) / 0.01;
  const double errors_per_s = r->interval.errors / r->interval.seconds;
  EXPECT_GE(errors_per_s, expected_errors_per_s * (1 - 1e-9));
  EXPECT_LE(errors_per_s, 150.0);
  EXPECT_LT(r->observation.slo_attainment, 0.01);
  EXPECT_NEAR(r->observation.targets[0].cpu_usage, 0.49, 1e-9);  // saturated at 0.98 of 0.5 per pod
}

TEST(SimulatorTest, MemoryOverTheLimitIsAnOomKillWithBackOff) {
  // 10 MiB per request in flight on a 50 MiB base and a 256 MiB limit: ~20 in flight kills a pod.
  auto env = MustCreateEnv(OneServiceEnv(OneServiceYaml(0.01, "500m", 2, "    memory_per_inflight: 10Mi\n"),
                                         "constant:rps=150,noise=none"));
  const StepResult* r = &env->Reset(1);
  int kills = r->interval.oom_kills, min_ready = 2;
  for (int i = 0; i < 10; ++i) {
    r = &env->Step(Keep(1));
    kills += r->interval.oom_kills;
    min_ready = std::min(min_ready, r->observation.targets[0].replicas_ready);
  }
  EXPECT_GT(kills, 0);
  EXPECT_EQ(min_ready, 0);
  EXPECT_EQ(env->simulator().totals().oom_kills, kills);
  int restarted = 0;
  for (const Pod& p : env->simulator().service(0).pods()) restarted += p.restarts > 0;
  EXPECT_GT(restarted, 0);
}

TEST(SimulatorTest, PodsPendUntilTheClusterAutoscalerAddsANode) {
  // One node of 600m fits two 250m pods; a third waits for a new node (30 s to provision).
  const std::string cluster =
      "cluster:\n  node_pools:\n    - {name: small, cpu: 600m, memory: 4Gi, nodes: 1, max_nodes: 2, provision_seconds: 30}\n";
  auto env = MustCreateEnv(OneServiceEnv(OneServiceYaml(0.01, "500m", 2, "", cluster), "constant:rps=10,noise=none"));
  env->Reset(1);
  const StepResult* r = &env->Step(SetReplicas(1, 0, 3));
  EXPECT_EQ(r->observation.targets[0].replicas_pending, 1);
  r = &env->Step(Keep(1));  // t = 45: node not ready before t = 16 + 30
  EXPECT_EQ(r->observation.targets[0].replicas_pending, 1);
  for (int i = 0; i < 4; ++i) r = &env->Step(Keep(1));
  EXPECT_EQ(r->observation.targets[0].replicas_pending, 0);
  EXPECT_EQ(r->observation.targets[0].replicas_ready, 3);
  EXPECT_EQ(env->simulator().cluster().ReadyNodes(), 2);
}

TEST(SimulatorTest, ResourceChangeRollsOutNewPodsOrResizesInPlace) {
  for (bool in_place : {false, true}) {
    const std::string cluster = in_place ? "cluster:\n  in_place_resize: true\n" : "";
    auto env = MustCreateEnv(OneServiceEnv(OneServiceYaml(0.01, "500m", 4, "", cluster), "constant:rps=10,noise=none"));
    env->Reset(1);
    Decision d = Keep(1);
    d.targets[0].set_resources = true;
    d.targets[0].requests = {0.4, 200 * kMiB};
    d.targets[0].limits = {0.8, 400 * kMiB};
    const StepResult* r = &env->Step(d);
    if (in_place) {
      EXPECT_DOUBLE_EQ(r->observation.targets[0].requests.cpu, 0.4);
      for (const Pod& p : env->simulator().service(0).pods()) EXPECT_DOUBLE_EQ(p.requests.cpu, 0.4);
      EXPECT_EQ(r->observation.targets[0].replicas_ready, 4);
    } else {
      // maxSurge 1, maxUnavailable 1: never fewer than 3 ready during the rollout.
      int min_ready = 4;
      for (int i = 0; i < 20; ++i) {
        r = &env->Step(Keep(1));
        min_ready = std::min(min_ready, r->observation.targets[0].replicas_ready);
      }
      EXPECT_GE(min_ready, 3);
      EXPECT_EQ(r->observation.targets[0].replicas_ready, 4);
      for (const Pod& p : env->simulator().service(0).pods()) EXPECT_DOUBLE_EQ(p.requests.cpu, 0.4);
    }
    EXPECT_EQ(env->simulator().totals().resource_changes, 1);
  }
}

TEST(SimulatorTest, DecisionsAreClampedToTheTargetsRange) {
  auto env = MustCreateEnv(OneServiceEnv(OneServiceYaml(), "constant:rps=10,noise=none"));
  env->Reset(1);
  EXPECT_EQ(env->Step(SetReplicas(1, 0, 1000)).observation.targets[0].replicas_spec, 20);
  EXPECT_EQ(env->Step(SetReplicas(1, 0, -5)).observation.targets[0].replicas_spec, 1);
}

TEST(SimulatorTest, SameSeedSameRunBitForBitAndOtherSeedsDiffer) {
  EnvConfig cfg;
  cfg.app = std::make_shared<const AppModel>(LoadAppByName("online-boutique").value());
  cfg.workload = "diurnal:peak=150";
  cfg.duration_s = 3 * 3600;
  auto run = [&](uint64_t seed) {
    auto env = MustCreateEnv(cfg);
    std::vector<double> trace;
    const StepResult* r = &env->Reset(seed);
    int k = 0;
    while (!r->truncated) {
      // A deterministic, state-dependent policy so that decisions feed back into the run.
      Decision d = Keep(r->observation.targets.size());
      d.targets[0].replicas = 2 + static_cast<int>(r->observation.targets[0].cpu_utilization * 2) + (k++ % 3);
      r = &env->Step(d);
      trace.push_back(r->reward.reward);
      trace.push_back(r->observation.latency_p95_ms);
    }
    trace.push_back(env->simulator().totals().cost);
    return trace;
  };
  const auto a = run(7), b = run(7), c = run(8);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "diverged at " << i;  // bit for bit
  EXPECT_NE(a, c);
}

TEST(SimulatorTest, LinearFastPathEqualsTheTreeWalk) {
  for (const char* name : {"online-boutique", "teastore"}) {
    EnvConfig cfg;
    cfg.app = std::make_shared<const AppModel>(LoadAppByName(name).value());
    cfg.workload = "sinusoidal:mean=120,amplitude=80,period=20m";
    cfg.duration_s = 3600;
    EnvConfig walk = cfg;
    walk.sim.force_tree_walk = true;
    auto fast = MustCreateEnv(cfg), slow = MustCreateEnv(walk);
    const StepResult* rf = &fast->Reset(3);
    slow->Reset(3);
    while (!rf->truncated) {
      for (size_t c = 0; c < fast->simulator().last_class_tick().size(); ++c) {
        const auto& a = fast->simulator().last_class_tick()[c];
        const auto& b = slow->simulator().last_class_tick()[c];
        ASSERT_NEAR(a.mean_ms, b.mean_ms, 1e-9 * b.mean_ms) << name << " class " << c;
        ASSERT_NEAR(a.scv, b.scv, 1e-9 * b.scv) << name << " class " << c;
      }
      for (size_t s = 0; s < fast->simulator().last_tick().size(); ++s) {
        const auto& a = fast->simulator().last_tick()[s];
        const auto& b = slow->simulator().last_tick()[s];
        ASSERT_NEAR(a.subtree_mean_ms, b.subtree_mean_ms, 1e-9 * (1 + b.subtree_mean_ms)) << name << " svc " << s;
      }
      Decision d = Keep(rf->observation.targets.size());
      rf = &fast->Step(d);
      slow->Step(d);
    }
  }
}

TEST(SimulatorTest, VecEnvMatchesSequentialEnvsForAnyThreadCount) {
  EnvConfig cfg;
  cfg.app = std::make_shared<const AppModel>(LoadAppByName("online-boutique").value());
  cfg.workload = "step:low=50,high=150,at=10m";
  cfg.duration_s = 1800;
  const int n = 5;
  std::vector<std::vector<double>> expected(n);
  for (int i = 0; i < n; ++i) {
    auto env = MustCreateEnv(cfg);
    const StepResult* r = &env->Reset(100 + i);
    expected[i].push_back(r->observation.latency_p95_ms);
    for (int k = 0; k < 150; ++k) {
      if (r->truncated) r = &env->Reset(Rng::Derive(100 + i, 0xE915));
      else r = &env->Step(Keep(r->observation.targets.size()));
      expected[i].push_back(r->observation.latency_p95_ms);
    }
  }
  for (int threads : {1, 2, 3}) {
    auto venv = VecEnv::Create(cfg, n, threads);
    ASSERT_TRUE(venv.ok());
    (*venv)->Reset(100);
    std::vector<Decision> ds(n, Keep(11));
    for (int i = 0; i < n; ++i) ASSERT_EQ((*venv)->results()[i]->observation.latency_p95_ms, expected[i][0]);
    for (int k = 0; k < 150; ++k) {
      (*venv)->Step(ds);
      for (int i = 0; i < n; ++i) {
        ASSERT_EQ((*venv)->results()[i]->observation.latency_p95_ms, expected[i][k + 1])
            << "threads " << threads << " env " << i << " step " << k;
      }
    }
  }
}

TEST(SimulatorTest, NoReadyPodsMeansEveryRequestFails) {
  Simulator sim(MustParseApp(OneServiceYaml(0.01, "500m", 1)), SimConfig{});
  sim.Reset(std::make_shared<const std::vector<double>>(std::vector<double>(60, 20.0)), 1);
  EXPECT_EQ(sim.mutable_service(0).OomKill(0, 1e18), 1);  // inject: the only pod dies
  sim.Tick();
  EXPECT_EQ(sim.service(0).ready(), 0);
  EXPECT_NEAR(sim.last_class_tick()[0].errors, 20.0, 1e-9);
  EXPECT_EQ(sim.last_class_tick()[0].ok, 0.0);
}

// With a metrics lag, Reset warms up until the lagged window holds samples: the first observation
// the policy gets is a measurement, not the zeros of a window that ends before the run began.
TEST(EnvTest, FirstObservationWaitsForTheLaggedWindow) {
  for (double lag : {0.0, 15.0, 40.0}) {
    EnvConfig cfg = OneServiceEnv(OneServiceYaml(0.01, "500m", 2), "constant:rps=40,noise=none");
    cfg.sim.metrics_lag_s = lag;
    auto env = MustCreateEnv(cfg);
    const StepResult& r = env->Reset(1);
    const int warmup = 1 + static_cast<int>(std::ceil(lag / 15));
    EXPECT_EQ(env->warmup_intervals(), warmup) << lag;
    EXPECT_DOUBLE_EQ(r.observation.time_s, 15.0 * warmup) << lag;
    EXPECT_EQ(env->episode_steps(), 600 / 15 - warmup) << lag;
    EXPECT_NEAR(r.observation.targets[0].request_rate, 40, 1e-9) << lag;
    EXPECT_NEAR(r.observation.targets[0].cpu_usage, 0.2, 1e-9) << lag;
    int steps = 0;
    for (const StepResult* s = &r; !s->truncated; s = &env->Step(Keep(1))) ++steps;
    EXPECT_EQ(steps, env->episode_steps()) << lag;
  }
}

// A lag delays everything the metrics pipeline carries, and only that: the lagged run's observation
// at time t is the instant run's at t - lag (the application's interval rate, SLO and latency, each
// target's window), while replica counts and OOM kills (pod status) are today's, and the runs
// themselves agree.
TEST(EnvTest, LagDelaysTheApplicationSignalsButNotPodStatus) {
  const std::string app = OneServiceYaml(0.01, "500m", 2, "    memory_per_inflight: 10Mi\n");
  EnvConfig cfg = OneServiceEnv(app, "constant:rps=150,noise=poisson");
  auto instant = MustCreateEnv(cfg);
  cfg.sim.metrics_lag_s = 30;
  auto lagged = MustCreateEnv(cfg);
  std::vector<Observation> seen;  // instant observations, one per control interval from t = 15 s
  for (const StepResult* r = &instant->Reset(7); !r->truncated; r = &instant->Step(Keep(1))) {
    seen.push_back(r->observation);
  }
  int kills_seen = 0, compared = 0;
  for (const StepResult* r = &lagged->Reset(7); !r->truncated; r = &lagged->Step(Keep(1))) {
    const Observation& got = r->observation;
    const Observation& want = seen[static_cast<size_t>((got.time_s - 30) / 15) - 1];
    ASSERT_DOUBLE_EQ(want.time_s, got.time_s - 30);
    const Observation& now = seen[static_cast<size_t>(got.time_s / 15) - 1];
    const auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); };
    EXPECT_PRED2(near, got.request_rate, want.request_rate) << got.time_s;
    EXPECT_PRED2(near, got.slo_attainment, want.slo_attainment) << got.time_s;
    EXPECT_PRED2(near, got.latency_p95_ms, want.latency_p95_ms) << got.time_s;
    EXPECT_PRED2(near, got.classes[0].error_rate, want.classes[0].error_rate) << got.time_s;
    const TargetObservation& t = got.targets[0];
    EXPECT_EQ(t.cpu_usage, want.targets[0].cpu_usage) << got.time_s;
    EXPECT_EQ(t.oom_kills, now.targets[0].oom_kills) << got.time_s;
    EXPECT_EQ(t.replicas_ready, now.targets[0].replicas_ready) << got.time_s;
    kills_seen += t.oom_kills;
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(seen.size()) - 2);
  EXPECT_GT(kills_seen, 0) << "the run must exercise OOM kills";
  EXPECT_LT(seen.back().slo_attainment, 1.0) << "and SLO misses";
}

TEST(EnvTest, CreateRefusesBadConfiguration) {
  EnvConfig cfg = OneServiceEnv(OneServiceYaml(), "constant:rps=10");
  cfg.control_interval_s = 0;
  EXPECT_FALSE(Env::Create(cfg).ok());
  cfg = OneServiceEnv(OneServiceYaml(), "nonsense:x=1");
  auto bad = Env::Create(cfg);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("nonsense"), std::string::npos) << bad.status().message();
  cfg = OneServiceEnv(OneServiceYaml(), "constant:rps=10");
  cfg.sim.targets = {"nope"};
  EXPECT_FALSE(Env::Create(cfg).ok());
  cfg = OneServiceEnv(OneServiceYaml(), "trace:csv=/no/such/file.csv");
  auto missing = Env::Create(cfg);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/no/such/file.csv"), std::string::npos) << missing.status().message();
  cfg = OneServiceEnv(OneServiceYaml(), "constant:rps=10", 60);
  cfg.sim.metrics_lag_s = 45;  // warm-up of 4 intervals = the whole minute
  auto no_decision = Env::Create(cfg);
  ASSERT_FALSE(no_decision.ok());
  EXPECT_NE(no_decision.status().message().find("leaves no decision"), std::string::npos) << no_decision.status().message();
  cfg = OneServiceEnv(OneServiceYaml(), "constant:rps=10", 7200);
  cfg.control_interval_s = 990;  // longer than the window: it bounds the look-back with the lag
  cfg.sim.metrics_lag_s = 15;
  auto too_long = Env::Create(cfg);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("(or the control interval 16m30s, if longer) + metrics lag 15s must lie "
                                             "within [1s, 1000s]"),
            std::string::npos)
      << too_long.status().message();
  cfg.sim.metrics_lag_s = 10;
  EXPECT_TRUE(Env::Create(cfg).ok());
  for (double lag : {-1.0, 2.5}) {
    cfg = OneServiceEnv(OneServiceYaml(), "constant:rps=10");
    cfg.sim.metrics_lag_s = lag;
    auto refused = Env::Create(cfg);
    ASSERT_FALSE(refused.ok()) << lag;
    EXPECT_NE(refused.status().message().find("whole number of seconds"), std::string::npos) << refused.status().message();
  }
}

}  // namespace
}  // namespace podpilot
