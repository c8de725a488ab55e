#include "policy/learned/learned_policy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/file_util.h"
#include "eval/run.h"
#include "policy/learned/features.h"
#include "policy/learned/learned_test_util.h"
#include "sim/app_model.h"
#include "sim/env.h"

namespace podpilot::learned {
namespace {

using testing::MakeModel;
using testing::ModelSpec;
using testing::ReferenceActions;
using testing::ReferenceLogits;
using testing::TempPath;

StatusOr<std::unique_ptr<Policy>> FromSpec(const std::string& spec) {
  PP_ASSIGN_OR_RETURN(PolicyParams params, ParsePolicySpec(spec));
  return MakeLearnedPolicy(params);
}

std::string WriteTestModel(const ModelSpec& spec, const std::string& name) {
  const std::string path = TempPath(name);
  Status s = WriteModel(path, MakeModel(spec));
  EXPECT_TRUE(s.ok()) << s.ToString();
  return path;
}

TargetObservation Target(const std::string& name, int spec, double util) {
  TargetObservation t;
  t.name = name;
  t.replicas_spec = t.replicas_ready = spec;
  t.min_replicas = 1;
  t.max_replicas = 10;
  t.cpu_utilization = util;
  t.request_rate = 30 * spec * util;
  t.latency_p95_ms = 80 + 100 * util;
  return t;
}

Observation Obs(std::vector<TargetObservation> targets, double t = 15) {
  Observation o;
  o.time_s = t;
  o.time_of_day_s = 8 * 3600 + t;
  o.request_rate = 50;
  o.slo_attainment = 0.97;
  o.classes.push_back(ClassObservation{"all", 50, 120, 60, 200, 0.97, 0});
  o.targets = std::move(targets);
  return o;
}

// What the model in `m` should decide for a sequence of observations, computed with the test's
// plain-loop reference network and an independent feature builder.
std::vector<std::vector<int>> ExpectedReplicas(const LearnedModel& m, const std::vector<Observation>& seq) {
  FeatureBuilder b(m.features);
  std::vector<std::vector<int>> out;
  for (const Observation& o : seq) {
    std::vector<float> x;
    EXPECT_TRUE(b.Build(o, &x).ok());
    const std::vector<int32_t> a = ReferenceActions(ReferenceLogits(m, x), m.arch.heads);
    std::vector<int> r;
    for (size_t i = 0; i < o.targets.size(); ++i) r.push_back(ReplicasForChoice(m.actions, o.targets[i], a[i]));
    out.push_back(r);
  }
  return out;
}

TEST(LearnedPolicyTest, FactoryRefusesBadSpecsWithClearMessages) {
  const std::string good = WriteTestModel(ModelSpec{}, "factory.safetensors");
  const std::string corrupt = TempPath("corrupt.safetensors");
  ASSERT_TRUE(WriteFileAtomically(corrupt, std::string("\x10\0\0\0\0\0\0\0{\"a\":", 13)).ok());
  struct Case {
    std::string spec, expect;
  };
  const std::vector<Case> cases = {
      {"learned", "parameter model=PATH is required"},
      {"learned:model=/nonexistent/m.safetensors", "learned: cannot load model: /nonexistent/m.safetensors: cannot open"},
      {"learned:model=" + corrupt, "learned: cannot load model: " + corrupt + ": header length 16 is beyond the end"},
      {"learned:model=" + good + ",fallback=pray", "fallback=pray: unknown (known: hpa, keep)"},
      {"learned:model=" + good + ",fallback_cpu=0", "fallback_cpu=0: out of range"},
      {"learned:modle=" + good, "modle"},
  };
  for (const Case& c : cases) {
    auto p = FromSpec(c.spec);
    ASSERT_FALSE(p.ok()) << c.spec;
    EXPECT_NE(p.status().message().find(c.expect), std::string::npos) << c.spec << " -> " << p.status().message();
  }
  auto p = FromSpec("learned:model=" + good + ",fallback=keep");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->Name(), "learned:model=" + good + ",fallback=keep");
}

TEST(LearnedPolicyTest, DecidesWhatTheNetworkChoosesAndSaysSo) {
  for (bool setpoint : {false, true}) {
    ModelSpec spec;
    spec.setpoint = setpoint;
    spec.history = 2;
    spec.seed = setpoint ? 11 : 12;
    const LearnedModel m = MakeModel(spec);
    const std::string path = TempPath("decide.safetensors");
    ASSERT_TRUE(WriteModel(path, m).ok());
    auto p = FromSpec("learned:model=" + path);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    (*p)->Reset(PolicyContext{});
    std::vector<Observation> seq;
    for (int i = 0; i < 12; ++i) {
      seq.push_back(Obs({Target("web", 1 + i % 4, 0.2 + 0.15 * i), Target("api", 3, 1.5 - 0.1 * i)}, 15.0 * (i + 1)));
    }
    const auto expected = ExpectedReplicas(m, seq);
    for (size_t k = 0; k < seq.size(); ++k) {
      const Decision d = (*p)->Decide(seq[k]);
      ASSERT_EQ(d.targets.size(), 2u);
      EXPECT_EQ(d.reason.rfind("learned: web ", 0), 0u) << d.reason;
      EXPECT_NE(d.reason.find(", api "), std::string::npos) << d.reason;
      for (size_t i = 0; i < 2; ++i) {
        const TargetObservation& t = seq[k].targets[i];
        const int got = d.targets[i].replicas == TargetDecision::kKeep ? t.replicas_spec : d.targets[i].replicas;
        EXPECT_EQ(got, expected[k][i]) << "step " << k << " target " << i << ": " << d.reason;
        const std::string shown = got == t.replicas_spec ? "(" + std::to_string(got) + ")"
                                                         : "(" + std::to_string(t.replicas_spec) + "->" + std::to_string(got) + ")";
        EXPECT_NE(d.reason.find(t.name + " "), std::string::npos);
        EXPECT_NE(d.reason.find(shown), std::string::npos) << d.reason << " lacks " << shown;
      }
      if (setpoint) {
        EXPECT_NE(d.reason.find("cpu "), std::string::npos) << d.reason;
      }
    }
  }
}

// The operator's path for a model in a ConfigMap: the same decisions as from the file, errors
// that name the source, and no model= beside the bytes.
TEST(LearnedPolicyTest, FromBytesDecidesAsFromTheFileAndNamesTheSource) {
  ModelSpec spec;
  spec.seed = 21;
  const std::string path = WriteTestModel(spec, "bytes.safetensors");
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const std::string source = "configmap podpilot-system/models:web.safetensors";
  auto params = ParsePolicySpec("learned:fallback=keep");
  ASSERT_TRUE(params.ok());
  auto from_bytes = MakeLearnedPolicyFromBytes(*bytes, source, *params);
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.status().ToString();
  EXPECT_EQ((*from_bytes)->Name(), "learned:model=" + source + ",fallback=keep");
  auto from_file = FromSpec("learned:model=" + path + ",fallback=keep");
  ASSERT_TRUE(from_file.ok());
  (*from_bytes)->Reset(PolicyContext{});
  (*from_file)->Reset(PolicyContext{});
  for (int i = 0; i < 8; ++i) {
    const Observation o = Obs({Target("web", 1 + i % 3, 0.3 + 0.2 * i)}, 15.0 * (i + 1));
    const Decision a = (*from_bytes)->Decide(o), b = (*from_file)->Decide(o);
    ASSERT_EQ(a.targets.size(), b.targets.size());
    for (size_t t = 0; t < a.targets.size(); ++t) EXPECT_EQ(a.targets[t].replicas, b.targets[t].replicas) << "step " << i;
    EXPECT_EQ(a.reason, b.reason);
  }

  auto p2 = ParsePolicySpec("learned");
  ASSERT_TRUE(p2.ok());
  auto truncated = MakeLearnedPolicyFromBytes(bytes->substr(0, bytes->size() / 2), source, *p2);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().message().rfind("learned: cannot load model: " + source, 0), 0u) << truncated.status().message();
  auto p3 = ParsePolicySpec("learned:model=" + path);
  ASSERT_TRUE(p3.ok());
  EXPECT_FALSE(MakeLearnedPolicyFromBytes(*bytes, source, *p3).ok());
}

TEST(LearnedPolicyTest, FallsBackToTheHpaRuleOnATargetMismatch) {
  const std::string path = WriteTestModel(ModelSpec{}, "fallback.safetensors");  // 2 targets
  auto p = FromSpec("learned:model=" + path);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  (*p)->Reset(PolicyContext{});
  const Observation o = Obs({Target("a", 2, 1.6), Target("b", 4, 0.8), Target("c", 5, 0.2)});
  const Decision d = (*p)->Decide(o);
  ASSERT_EQ(d.targets.size(), 3u);
  EXPECT_EQ(d.targets[0].replicas, 4);                    // ceil(2 * 1.6 / 0.8)
  EXPECT_EQ(d.targets[1].replicas, TargetDecision::kKeep); // at the target
  EXPECT_EQ(d.targets[2].replicas, 2);                    // ceil(5 * 0.2 / 0.8)
  EXPECT_NE(d.reason.find("learned: fallback to the HPA rule (cpu 80%): model is for 2 targets, the observation has 3"),
            std::string::npos)
      << d.reason;
  EXPECT_NE(d.reason.find("a 2->4, b 4, c 5->2"), std::string::npos) << d.reason;
  EXPECT_EQ(d.fallback, "model is for 2 targets, the observation has 3");

  auto keep = FromSpec("learned:model=" + path + ",fallback=keep");
  ASSERT_TRUE(keep.ok());
  const Decision k = (*keep)->Decide(o);
  for (const auto& t : k.targets) EXPECT_EQ(t.replicas, TargetDecision::kKeep);
  EXPECT_NE(k.reason.find("fallback, keeping replicas: model is for 2 targets"), std::string::npos) << k.reason;
  EXPECT_EQ(k.fallback, "model is for 2 targets, the observation has 3");

  auto cpu50 = FromSpec("learned:model=" + path + ",fallback_cpu=50");
  ASSERT_TRUE(cpu50.ok());
  EXPECT_EQ((*cpu50)->Decide(o).targets[1].replicas, 7);  // ceil(4 * 0.8 / 0.5)
}

// A model decides for its targets in the order it was trained on them: a target it knows by name
// (the feature layout's target_names) at another index would be fed another's features. Names it
// does not know are not judged.
TEST(LearnedPolicyTest, FallsBackWhenAKnownTargetIsListedElsewhere) {
  LearnedModel m = MakeModel(ModelSpec{});  // 2 targets
  m.features.target_names = {"a", "b"};
  const std::string path = TempPath("named-targets.safetensors");
  ASSERT_TRUE(WriteModel(path, m).ok());
  auto p = FromSpec("learned:model=" + path);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  (*p)->Reset(PolicyContext{});
  const Decision same = (*p)->Decide(Obs({Target("a", 2, 1.6), Target("b", 4, 0.8)}));
  EXPECT_EQ(same.fallback, "") << same.reason;
  const Decision swapped = (*p)->Decide(Obs({Target("b", 4, 0.8), Target("a", 2, 1.6)}));
  EXPECT_EQ(swapped.fallback, "target b is at index 0, the model was trained with it at index 1 (its order: a, b)")
      << swapped.reason;
  EXPECT_EQ(swapped.targets[1].replicas, 4);  // the HPA rule decides: ceil(2 * 1.6 / 0.8) for a
  const Decision moved = (*p)->Decide(Obs({Target("web", 4, 0.8), Target("a", 2, 1.6)}));
  EXPECT_NE(moved.fallback.find("target a is at index 1"), std::string::npos) << moved.reason;
  const Decision renamed = (*p)->Decide(Obs({Target("web", 2, 1.6), Target("api", 4, 0.8)}));
  EXPECT_EQ(renamed.fallback, "") << renamed.reason;
  std::remove(path.c_str());
}

// History and peak features count intervals, so a model trained at 30 s is not applied to a run
// deciding every 15 s: every decision of that run is the fallback, until a Reset at 30 s.
TEST(LearnedPolicyTest, FallsBackForAWholeRunAtAnotherControlInterval) {
  ModelSpec spec;
  spec.targets = 1;
  spec.history = 2;
  spec.seed = 31;
  spec.control_interval_s = 30;
  const LearnedModel m = MakeModel(spec);
  const std::string path = WriteTestModel(spec, "interval.safetensors");
  std::vector<Observation> seq;
  for (int i = 0; i < 6; ++i) seq.push_back(Obs({Target("web", 2, 1.6 - 0.2 * i)}, 30.0 * (i + 1)));
  const auto expected = ExpectedReplicas(m, seq);
  auto decided = [](const Decision& d, const Observation& o) {
    return d.targets[0].replicas == TargetDecision::kKeep ? o.targets[0].replicas_spec : d.targets[0].replicas;
  };
  auto expect_model = [&](Policy& p, const std::string& when) {
    for (size_t k = 0; k < seq.size(); ++k) {
      const Decision d = p.Decide(seq[k]);
      EXPECT_EQ(d.reason.rfind("learned: web ", 0), 0u) << when << ": " << d.reason;
      EXPECT_EQ(d.fallback, "") << when;
      EXPECT_EQ(decided(d, seq[k]), expected[k][0]) << when << " step " << k;
    }
  };

  auto p = FromSpec("learned:model=" + path);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  expect_model(**p, "never reset");  // no interval given: as before the check existed
  PolicyContext at15;
  at15.control_interval_s = 15;
  (*p)->Reset(at15);
  for (size_t k = 0; k < seq.size(); ++k) {
    const Decision d = (*p)->Decide(seq[k]);
    ASSERT_EQ(d.targets.size(), 1u);
    const int hpa = HpaRuleReplicas(seq[k].targets[0], 0.8, 0.1);
    EXPECT_EQ(decided(d, seq[k]), hpa) << "step " << k;
    EXPECT_EQ(d.fallback, "model was trained at 30 s control intervals, this run decides every 15 s");
    EXPECT_EQ(d.reason.rfind("learned: fallback to the HPA rule (cpu 80%): model was trained at 30 s control "
                             "intervals, this run decides every 15 s; web ",
                             0),
              0u)
        << d.reason;
  }
  PolicyContext at30;
  at30.control_interval_s = 30 * (1 + 1e-9);  // rounding is not another interval
  (*p)->Reset(at30);
  expect_model(**p, "reset at 30 s");

  auto keep = FromSpec("learned:model=" + path + ",fallback=keep");
  ASSERT_TRUE(keep.ok());
  (*keep)->Reset(at15);
  const Decision k = (*keep)->Decide(seq[0]);
  EXPECT_EQ(k.targets[0].replicas, TargetDecision::kKeep);
  EXPECT_EQ(k.reason, "learned: fallback, keeping replicas: model was trained at 30 s control intervals, this run "
                      "decides every 15 s");
}

// A model whose only action is the 50 % setpoint, with the HPA's 5-minute scale-down window: the
// policy holds a scale-down back through the file's window, and Reset starts the memory afresh.
TEST(LearnedPolicyTest, AppliesTheModelsScaleDownWindowAcrossDecisions) {
  const FeatureLayout f = MakeFeatureLayout(1, FeatureOptions{0, 0}).value();
  const ActionLayout a = MakeSetpointActions(1, {0.5}, 0.1, 300).value();
  auto model = MakeRandomModel(f, a, {8}, Activation::kTanh, LogitsLayout::kConcat, 3);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::string path = TempPath("window.safetensors");
  ASSERT_TRUE(WriteModel(path, *model).ok());
  auto p = FromSpec("learned:model=" + path);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  std::string reason;
  auto replicas = [&](double t, int spec, double util) {
    const Decision d = (*p)->Decide(Obs({Target("web", spec, util)}, t));
    EXPECT_EQ(d.reason.rfind("learned: web cpu 50%", 0), 0u) << d.reason;
    EXPECT_EQ(d.fallback, "");
    reason = d.reason;
    return d.targets[0].replicas == TargetDecision::kKeep ? spec : d.targets[0].replicas;
  };
  const std::string held = "learned: web cpu 50% (8) held by the 300 s scale-down window (the rule alone: 4)";
  (*p)->Reset(PolicyContext{});
  EXPECT_EQ(replicas(15, 4, 1.0), 8);     // scale-up at once
  EXPECT_EQ(reason, "learned: web cpu 50% (4->8)");
  EXPECT_EQ(replicas(30, 8, 0.25), 8);    // the rule's 4 is held back, and the reason says so
  EXPECT_EQ(reason, held);
  EXPECT_EQ(replicas(314, 8, 0.25), 8);
  EXPECT_EQ(reason, held);
  EXPECT_EQ(replicas(316, 8, 0.25), 4);   // the 8 of t = 15 has left the window
  EXPECT_EQ(reason, "learned: web cpu 50% (8->4)");
  // A new episode on a restarted clock: the last episode's 8 pods at t = 15 are forgotten.
  (*p)->Reset(PolicyContext{});
  EXPECT_EQ(replicas(15, 3, 0.25), 3);
  EXPECT_EQ(replicas(316, 3, 0.25), 2);
}

// Records what the wrapped policy sees and decides.
class Recorder : public Policy {
 public:
  explicit Recorder(Policy& inner) : inner_(inner) {}
  std::string Name() const override { return inner_.Name(); }
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

TEST(LearnedPolicyTest, RunsAnEpisodeOnGourmetgram) {
  auto app = LoadAppByName("gourmetgram");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  for (bool setpoint : {true, false}) {
    SCOPED_TRACE(setpoint ? "setpoint" : "delta");
    ModelSpec spec;
    spec.targets = 1;
    spec.history = 2;
    spec.setpoint = setpoint;
    spec.seed = 2024;
    const LearnedModel m = MakeModel(spec);
    const std::string path = TempPath("gourmetgram.safetensors");
    ASSERT_TRUE(WriteModel(path, m).ok());
    auto policy = FromSpec("learned:model=" + path);
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();

    EnvConfig cfg;
    cfg.app = std::make_shared<const AppModel>(*app);
    cfg.workload = "step:low=2,high=20,at=2m";  // 20 rps needs about 4 pods at 100 % of the request
    cfg.duration_s = 600;
    auto env = Env::Create(cfg);
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    Recorder rec(**policy);
    TimeSeries series;
    const RunSummary s = RunEpisode(**env, rec, 7, &series);

    EXPECT_EQ(s.steps, static_cast<int>(rec.decisions.size()));
    EXPECT_GE(s.steps, 35);  // 10 minutes of 15 s intervals
    EXPECT_EQ(s.policy, "learned:model=" + path);
    const auto expected = ExpectedReplicas(m, rec.observations);
    for (size_t k = 0; k < rec.decisions.size(); ++k) {
      const Decision& d = rec.decisions[k];
      const TargetObservation& t = rec.observations[k].targets[0];
      EXPECT_EQ(d.reason.rfind("learned: gourmetgram ", 0), 0u) << d.reason;
      const int decided = d.targets[0].replicas == TargetDecision::kKeep ? t.replicas_spec : d.targets[0].replicas;
      EXPECT_EQ(decided, expected[k][0]) << "step " << k;
      EXPECT_GE(decided, 1);
      EXPECT_LE(decided, 20);
      if (!setpoint) {
        EXPECT_LE(std::abs(decided - t.replicas_spec), 2) << "step " << k;
      }
      // The simulator applied the decision: the next observation's spec is what was decided.
      if (k + 1 < rec.observations.size()) {
        EXPECT_EQ(rec.observations[k + 1].targets[0].replicas_spec, decided) << "step " << k;
      }
    }
    if (setpoint) {
      // Under 20 rps one 300m pod (limit 500m) runs at 1.67 of its request, above every set-point
      // on offer (<= 0.9), so whatever the network picks, the HPA rule must scale up.
      EXPECT_GT(s.scaling_actions, 0);
      int most = 0;
      for (const auto& row : series.rows) most = std::max(most, row.replicas[0]);
      EXPECT_GE(most, 2);
    }
  }
}

// A model as trained today (15 s, no key in the file) run by the simulator at 30 s: RunEpisode
// passes the env's interval to Reset, and the policy never applies the model.
TEST(LearnedPolicyTest, SimulatorRunAtAnotherIntervalFallsBack) {
  auto app = LoadAppByName("gourmetgram");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  ModelSpec spec;
  spec.targets = 1;
  spec.history = 2;
  for (double trained : {15.0, 30.0}) {
    SCOPED_TRACE(trained);
    spec.control_interval_s = trained;
    auto policy = FromSpec("learned:model=" + WriteTestModel(spec, "sim_interval.safetensors"));
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    EnvConfig cfg;
    cfg.app = std::make_shared<const AppModel>(*app);
    cfg.workload = "constant:rps=10";
    cfg.duration_s = 300;
    cfg.control_interval_s = 30;
    auto env = Env::Create(cfg);
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    Recorder rec(**policy);
    const RunSummary summary = RunEpisode(**env, rec, 3, nullptr);
    ASSERT_GE(rec.decisions.size(), 5u);
    // The run's summary counts the decisions that were not the model's, and says why.
    EXPECT_EQ(summary.fallback_decisions, trained == 15 ? static_cast<int>(rec.decisions.size()) : 0);
    EXPECT_EQ(summary.first_fallback,
              trained == 15 ? "model was trained at 15 s control intervals, this run decides every 30 s" : "");
    for (const Decision& d : rec.decisions) {
      if (trained == 15) {
        EXPECT_NE(d.reason.find("fallback to the HPA rule (cpu 80%): model was trained at 15 s control intervals, "
                                "this run decides every 30 s"),
                  std::string::npos)
            << d.reason;
      } else {
        EXPECT_EQ(d.reason.find("fallback"), std::string::npos) << d.reason;
      }
    }
  }
}

}  // namespace
}  // namespace podpilot::learned
