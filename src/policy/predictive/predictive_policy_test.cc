#include "policy/predictive/predictive_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "eval/policy_registry.h"
#include "eval/run.h"
#include "policy/hpa/hpa_rule.h"
#include "policy/policy_spec.h"
#include "policy/predictive/predictive_factory.h"
#include "sim/app_model.h"
#include "sim/env.h"

namespace podpilot::predictive {
namespace {

// ---------------------------------------------------------------- spec parsing

std::string SpecError(const std::string& spec) {
  auto p = MakePolicy(spec);
  return p.ok() ? "" : p.status().message();
}

TEST(PredictiveFactoryTest, DefaultsAndNames) {
  auto p = MakePolicy("predictive");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->Name(), "predictive");
  auto q = MakePolicy("predictive:headroom=0.2,cpu=70,season=2h,mode=multiplicative,down_window=60s");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)->Name(), "predictive:cpu=70,down_window=60s,headroom=0.2,mode=multiplicative,season=2h");
  auto* pp = dynamic_cast<PredictivePolicy*>(q->get());
  ASSERT_NE(pp, nullptr);
  EXPECT_DOUBLE_EQ(pp->options().target_utilization, 0.7);
  EXPECT_DOUBLE_EQ(pp->options().season_s, 7200);
  EXPECT_DOUBLE_EQ(pp->options().down_window_s, 60);
  EXPECT_EQ(pp->options().forecaster.mode, SeasonalMode::kMultiplicative);
}

TEST(PredictiveFactoryTest, BadSpecsNameKeyAndValue) {
  std::string e = SpecError("predictive:cpuu=60");
  EXPECT_NE(e.find("unknown parameter(s) cpuu"), std::string::npos) << e;
  EXPECT_NE(e.find("headroom"), std::string::npos) << e;  // the known keys are listed
  e = SpecError("predictive:alpha=2");
  EXPECT_NE(e.find("alpha=2"), std::string::npos) << e;
  e = SpecError("predictive:alpha=0");
  EXPECT_NE(e.find("alpha=0"), std::string::npos) << e;
  e = SpecError("predictive:season=often");
  EXPECT_NE(e.find("season=often"), std::string::npos) << e;
  e = SpecError("predictive:mode=cubic");
  EXPECT_NE(e.find("mode=cubic"), std::string::npos) << e;
  e = SpecError("predictive:cpu=0");
  EXPECT_NE(e.find("cpu=0"), std::string::npos) << e;
  e = SpecError("predictive:headroom=-1");
  EXPECT_NE(e.find("headroom=-1"), std::string::npos) << e;
  e = SpecError("predictive:down_window=2d");
  EXPECT_NE(e.find("down_window=2d"), std::string::npos) << e;
}

// ---------------------------------------------------------------- synthetic observations

constexpr double kRequestCpu = 0.5;

// One target whose ready pods each use `cpu_per_request` x rate / ready cores (no base CPU).
Observation Obs(double time, double rate, int spec, int ready, double cpu_per_request = 0.01) {
  Observation o;
  o.time_s = time;
  TargetObservation t;
  t.name = "web";
  t.replicas_spec = spec;
  t.replicas_ready = ready;
  t.min_replicas = 1;
  t.max_replicas = 100;
  t.requests = {kRequestCpu, 1e9};
  t.limits = {2 * kRequestCpu, 2e9};
  t.request_rate = rate;
  t.cpu_usage = ready > 0 ? cpu_per_request * rate / ready : 0;
  t.cpu_utilization = t.cpu_usage / kRequestCpu;
  o.targets.push_back(t);
  return o;
}

PolicyContext Context(double startup = 45) {
  PolicyContext c;
  c.target_names = {"web"};
  c.min_replicas = {1};
  c.max_replicas = {100};
  c.control_interval_s = 15;
  c.startup_seconds_hint = startup;
  return c;
}

int Decided(const Decision& d, const Observation& o) {
  return d.targets[0].replicas == TargetDecision::kKeep ? o.targets[0].replicas_spec : d.targets[0].replicas;
}

TEST(PredictivePolicyTest, SizesTheSteadyLoadWithLearnedCapacity) {
  PredictiveOptions o;
  o.target_utilization = 0.6;
  o.headroom = 0.1;
  PredictivePolicy p(o);
  p.Reset(Context(45));
  Decision d;
  for (int k = 0; k < 20; ++k) d = p.Decide(Obs(15.0 * k, 100, 4, 4));
  // Horizon: 45 s to ready + 15 s interval + 15 s (half the 30 s metrics window).
  EXPECT_DOUBLE_EQ(p.horizon_s(), 75);
  const auto& plan = p.last_plans()[0];
  EXPECT_NEAR(plan.cpu_per_request, 0.01, 1e-12);
  EXPECT_NEAR(plan.forecast_rps, 110, 1e-6);
  // A pod at 60 % of 500m serves 0.3 / 0.01 = 30 rps: ceil(110 / 30) = 4.
  EXPECT_EQ(plan.proposal, 4);
  EXPECT_EQ(Decided(d, Obs(0, 100, 4, 4)), 4);
  EXPECT_NE(d.reason.find("forecast 110 rps in 75 s -> 4 replicas"), std::string::npos) << d.reason;
}

TEST(PredictivePolicyTest, RampIsAnticipatedAndReasonNamesTheForecast) {
  PredictiveOptions o;  // explicit settings, independent of the tuned defaults
  o.target_utilization = 0.6;
  o.headroom = 0.1;
  o.forecaster.alpha = 0.5;
  o.forecaster.beta = 0.2;
  o.forecaster.phi = 1;
  PredictivePolicy p(o);
  p.Reset(Context(45));
  int spec = 4;
  // 100 rps, then +5 rps per interval; the cluster follows the decisions at once.
  for (int k = 0; k < 40; ++k) {
    const double rate = k < 10 ? 100 : 100 + 5 * (k - 10);
    const Observation obs = Obs(15.0 * k, rate, spec, spec);
    const Decision d = p.Decide(obs);
    const auto& plan = p.last_plans()[0];
    if (k >= 25) {
      // Once the trend is learned the plan is ahead of the observed rate...
      EXPECT_GT(plan.forecast_rps, rate * 1.1 + 5) << "k=" << k;
      EXPECT_GE(plan.proposal, plan.reactive_floor) << "k=" << k;
    }
    if (Decided(d, obs) != spec) {
      EXPECT_NE(d.reason.find("web: forecast "), std::string::npos) << d.reason;
      EXPECT_NE(d.reason.find(" replicas (was " + std::to_string(spec)), std::string::npos) << d.reason;
    }
    spec = Decided(d, obs);
  }
  // ...and so are the replicas: at the last step 245 rps need ceil(245 / 30) = 9 pods now; the
  // plan is for the rate 5 intervals on, with 10 % headroom: ceil(270 x 1.1 / 30) = 10.
  EXPECT_EQ(spec, 10);
}

TEST(PredictivePolicyTest, ReactiveFloorHoldsWhenTheForecastMisses) {
  PredictiveOptions o;
  o.target_utilization = 0.6;
  o.headroom = 0.1;
  PredictivePolicy p(o);
  p.Reset(Context(45));
  for (int k = 0; k < 20; ++k) p.Decide(Obs(15.0 * k, 100, 4, 4));
  // CPU per request triples without any change in traffic (a slower code path): the forecast of
  // the rate sees nothing, the HPA rule on the utilisation does.
  const Observation hot = Obs(300, 100, 4, 4, 0.03);  // 1.5 of the request per pod
  const Decision d = p.Decide(hot);
  const int floor = *hpa::PlainHpaRule(4, hot.targets[0].cpu_utilization, 0.6);
  EXPECT_EQ(floor, 10);
  EXPECT_EQ(p.last_plans()[0].reactive_floor, 10);
  EXPECT_EQ(Decided(d, hot), 10);
  EXPECT_NE(d.reason.find("reactive floor"), std::string::npos) << d.reason;
}

TEST(PredictivePolicyTest, ScaleDownWaitsForTheStabilisationWindow) {
  PredictiveOptions o;
  o.target_utilization = 0.6;
  o.headroom = 0.1;
  o.down_window_s = 300;
  o.recent_s = 0;
  PredictivePolicy p(o);
  p.Reset(Context(45));
  int spec = 4;
  for (int k = 0; k < 20; ++k) spec = Decided(p.Decide(Obs(15.0 * k, 100, spec, spec)), Obs(0, 0, spec, spec));
  ASSERT_EQ(spec, 4);
  // Load falls to a tenth at t = 300 s.
  double first_down = -1;
  for (int k = 20; k < 60; ++k) {
    const Observation obs = Obs(15.0 * k, 10, spec, spec);
    const int next = Decided(p.Decide(obs), obs);
    if (next < spec && first_down < 0) first_down = obs.time_s;
    spec = next;
  }
  EXPECT_EQ(spec, 1);
  // The last 4-pod proposal was made at 285 s at the latest; it leaves the window after 300 s.
  EXPECT_GE(first_down, 285 + 300);
}

// ---------------------------------------------------------------- simulated episodes

class Recorder : public Policy {
 public:
  explicit Recorder(Policy& inner) : inner_(inner) {}
  std::string Name() const override { return inner_.Name(); }
  bool NeedsPodSamples() const override { return inner_.NeedsPodSamples(); }
  double PreferredControlIntervalSeconds() const override { return inner_.PreferredControlIntervalSeconds(); }
  void Reset(const PolicyContext& c) override { inner_.Reset(c); }
  Decision Decide(const Observation& o) override {
    observations.push_back(o);
    decisions.push_back(inner_.Decide(o));
    return decisions.back();
  }
  std::vector<Observation> observations;
  std::vector<Decision> decisions;

 private:
  Policy& inner_;
};

struct Episode {
  std::vector<double> time;
  std::vector<int> replicas;  // decided replicas at each step
  RunSummary summary;
};

// Runs `policy` on GourmetGram under `workload` (seed 3); `observations` receives what it saw.
Episode RunGourmetgram(Policy& policy, const std::string& workload, double duration_s,
                       std::vector<Observation>* observations = nullptr) {
  auto app = LoadAppByName("gourmetgram");
  EXPECT_TRUE(app.ok()) << app.status().ToString();
  EnvConfig cfg;
  cfg.app = std::make_shared<const AppModel>(*app);
  cfg.workload = workload;
  cfg.duration_s = duration_s;
  cfg.sim.pod_samples = policy.NeedsPodSamples();  // the HPA's replica calculator reads pods
  auto env = Env::Create(cfg);
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  Recorder rec(policy);
  Episode e;
  e.summary = RunEpisode(**env, rec, 3, nullptr);
  for (size_t k = 0; k < rec.decisions.size(); ++k) {
    e.time.push_back(rec.observations[k].time_s);
    e.replicas.push_back(Decided(rec.decisions[k], rec.observations[k]));
  }
  if (observations) *observations = std::move(rec.observations);
  return e;
}

// First time the decided replicas reach `n`; +inf if never.
double FirstReach(const Episode& e, int n) {
  for (size_t k = 0; k < e.replicas.size(); ++k) {
    if (e.replicas[k] >= n) return e.time[k];
  }
  return INFINITY;
}

TEST(PredictivePolicySimTest, ScalesUpBeforeTheHpaOnARamp) {
  // GourmetGram: 50 ms of CPU per request, 300m request. 3 -> 15 rps over 10 minutes from t = 10 m.
  const std::string ramp = "spike:base=3,peak=15,at=10m,duration=40m,ramp=10m";
  auto pred = MakePolicy("predictive:cpu=50");
  auto hpa = MakePolicy("hpa:cpu=50");
  ASSERT_TRUE(pred.ok() && hpa.ok());
  const Episode p = RunGourmetgram(**pred, ramp, 1800);
  const Episode h = RunGourmetgram(**hpa, ramp, 1800);
  const int hpa_peak = *std::max_element(h.replicas.begin(), h.replicas.end());
  ASSERT_GE(hpa_peak, 4);  // the ramp needs several pods
  // Every replica level the HPA reaches during the ramp, the predictive policy reaches no later,
  // and the top level strictly earlier.
  for (int n = 2; n <= hpa_peak; ++n) {
    EXPECT_LE(FirstReach(p, n), FirstReach(h, n)) << n << " replicas";
  }
  EXPECT_LT(FirstReach(p, hpa_peak), FirstReach(h, hpa_peak));
  EXPECT_GE(p.summary.slo_attainment, h.summary.slo_attainment - 1e-9);
}

TEST(PredictivePolicySimTest, NeverBelowTheReactiveFloor) {
  PredictiveOptions o;
  o.target_utilization = 0.5;
  PredictivePolicy policy(o);
  std::vector<Observation> seen;
  const Episode e = RunGourmetgram(policy, "sinusoidal:mean=9,amplitude=7,period=20m", 3600, &seen);
  ASSERT_GT(e.replicas.size(), 200u);
  int above = 0;
  for (size_t k = 0; k < e.replicas.size(); ++k) {
    const TargetObservation& t = seen[k].targets[0];
    if (t.replicas_ready == 0) continue;
    // The plain HPA rule, recomputed here from the observation.
    const int floor = std::clamp(*hpa::PlainHpaRule(t.replicas_ready, t.cpu_utilization, 0.5), t.min_replicas,
                                 t.max_replicas);
    EXPECT_GE(e.replicas[k], floor) << "t=" << e.time[k];
    above += e.replicas[k] > floor;
  }
  EXPECT_GT(above, 0);  // the forecast (or the stabilisation) sometimes asks for more
}

}  // namespace
}  // namespace podpilot::predictive
