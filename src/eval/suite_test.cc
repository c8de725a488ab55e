#include "eval/suite.h"

#include <gtest/gtest.h>

#include <set>

#include "eval/eval_test_util.h"
#include "workload/workload.h"

namespace podpilot {
namespace {

using testing::FreshDir;
using testing::SourceDir;
using testing::TinySuiteYaml;
using testing::WriteText;

// Parses `yaml` as a suite file in a fresh directory; returns the error message ("" if it loaded).
std::string LoadError(const std::string& name, const std::string& yaml) {
  const std::string dir = FreshDir(name);
  auto suite = LoadSuite(WriteText(dir + "/suite.yaml", yaml));
  return suite.ok() ? "" : suite.status().message();
}

TEST(SuiteTest, DefaultSuiteCoversAppsWorkloadFamiliesAndTraces) {
  auto suite = LoadSuite(SourceDir() + "/scenarios/suites/default.yaml");
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  EXPECT_GE(suite->scenarios.size(), 12u);
  EXPECT_DOUBLE_EQ(suite->required_attainment, 0.99);
  std::set<std::string> apps, kinds, trace_formats;
  for (const auto& s : suite->scenarios) {
    apps.insert(s.model->name);
    EXPECT_GE(s.duration_s, 4 * 3600.0) << s.name;
    EXPECT_LE(s.duration_s, 2 * 86400.0) << s.name;
    ASSERT_FALSE(s.train.empty());
    ASSERT_FALSE(s.eval.empty());
    for (const auto* list : {&s.train, &s.eval}) {
      for (const auto& w : *list) {
        auto spec = ParseWorkloadSpec(w.spec);
        ASSERT_TRUE(spec.ok()) << w.spec;
        kinds.insert(spec->kind);
        for (const char* f : {"csv", "azure", "clf"}) {
          if (spec->params.count(f)) trace_formats.insert(f);
        }
      }
    }
  }
  EXPECT_EQ(apps, (std::set<std::string>{"online-boutique", "teastore", "gourmetgram"}));
  for (const char* k : {"step", "sinusoidal", "low_high", "spike", "diurnal", "random_walk", "trace"}) {
    EXPECT_TRUE(kinds.count(k)) << k;
  }
  EXPECT_EQ(trace_formats, (std::set<std::string>{"csv", "azure", "clf"}));
}

TEST(SuiteTest, BundledNameResolvesToTheSuitesDirectory) {
  EXPECT_NE(ResolveSuitePath("default").find("suites/default.yaml"), std::string::npos);
  EXPECT_EQ(ResolveSuitePath("some/dir/x.yaml"), "some/dir/x.yaml");
}

TEST(SuiteTest, TinySuiteLoadsWithEveryField) {
  const std::string dir = FreshDir("tiny");
  auto suite = LoadSuite(WriteText(dir + "/suite.yaml", TinySuiteYaml()));
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  EXPECT_EQ(suite->name, "tiny");
  EXPECT_DOUBLE_EQ(suite->required_attainment, 0.95);
  ASSERT_EQ(suite->scenarios.size(), 2u);
  const Scenario& s = suite->scenarios[0];
  EXPECT_EQ(s.name, "gg-step");
  EXPECT_DOUBLE_EQ(s.duration_s, 1800);
  ASSERT_EQ(s.eval.size(), 2u);
  EXPECT_EQ(s.eval[1].seed_key, 5u);
  EXPECT_EQ(s.eval[1].Label(), "step:low=2,high=9,at=10m#seed=5");
  EXPECT_EQ(&s, suite->Find("gg-step"));
  EXPECT_EQ(nullptr, suite->Find("nope"));
}

TEST(SuiteTest, RelativeTracePathsResolveAgainstTheSuiteFile) {
  const std::string dir = FreshDir("trace_rel");
  std::filesystem::create_directories(dir + "/traces");
  std::filesystem::copy_file(SourceDir() + "/tests/data/traces/sample_rps.csv", dir + "/traces/t.csv");
  std::filesystem::create_directories(dir + "/suites");
  auto suite = LoadSuite(WriteText(dir + "/suites/s.yaml", R"(name: t
scenarios:
  - name: a
    app: gourmetgram
    duration: 5m
    train: [trace:csv=../traces/t.csv]
    eval: ["trace:csv=../traces/t.csv,offset=1m"]
)"));
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  const WorkloadRef& w = suite->scenarios[0].eval[0];
  EXPECT_EQ(w.text, "trace:csv=../traces/t.csv,offset=1m");  // reports show what was written
  EXPECT_NE(w.spec.find(dir + "/traces/t.csv"), std::string::npos) << w.spec;
  EXPECT_TRUE(MakeWorkload(w.spec, 300, 0).ok());
}

TEST(SuiteTest, MissingTraceFileIsNamedWithItsField) {
  std::string err = LoadError("missing_trace", R"(name: t
scenarios:
  - name: a
    app: gourmetgram
    duration: 1h
    train: [step]
    eval: [trace:csv=../nowhere/missing.csv]
)");
  EXPECT_NE(err.find("scenarios[0].eval[0]"), std::string::npos) << err;
  EXPECT_NE(err.find("missing.csv"), std::string::npos) << err;
  EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
}

TEST(SuiteTest, UnknownAppIsNamed) {
  std::string err = LoadError("unknown_app", R"(name: t
scenarios:
  - name: a
    app: no-such-app
    duration: 1h
    train: [step]
    eval: ["step:low=5"]
)");
  EXPECT_NE(err.find("scenarios[0].app"), std::string::npos) << err;
  EXPECT_NE(err.find("no-such-app"), std::string::npos) << err;
}

TEST(SuiteTest, TraceShorterThanTheDurationIsRefused) {
  // sample_rps.csv is 615 s long; a 1 h scenario cannot replay it.
  std::string err = LoadError("short_trace", R"(name: t
scenarios:
  - name: a
    app: gourmetgram
    duration: 1h
    train: [step]
    eval: [trace:csv=)" + SourceDir() + R"(/tests/data/traces/sample_rps.csv]
)");
  EXPECT_NE(err.find("scenarios[0].eval[0]"), std::string::npos) << err;
  EXPECT_NE(err.find("615"), std::string::npos) << err;
}

TEST(SuiteTest, DuplicateScenarioNamesAreRefused) {
  std::string err = LoadError("dup", TinySuiteYaml(R"(  - name: gg-step
    app: gourmetgram
    duration: 10m
    train: [step]
    eval: ["step:low=5"]
)"));
  EXPECT_NE(err.find("scenarios[2].name"), std::string::npos) << err;
  EXPECT_NE(err.find("'gg-step' duplicates scenarios[0].name"), std::string::npos) << err;
}

TEST(SuiteTest, EvalWorkloadEqualToATrainWorkloadIsRefused) {
  std::string err = LoadError("overlap", R"(name: t
scenarios:
  - name: a
    app: gourmetgram
    duration: 1h
    train: ["step:low=2,high=9"]
    eval: ["step:low=3", "step:low=2,high=9"]
)");
  EXPECT_NE(err.find("scenarios[0].eval[1]"), std::string::npos) << err;
  EXPECT_NE(err.find("also a train workload"), std::string::npos) << err;
  // The same spec with another seed is another workload.
  EXPECT_EQ(LoadError("overlap_seed", R"(name: t
scenarios:
  - name: a
    app: gourmetgram
    duration: 1h
    train: ["step:low=2,high=9"]
    eval: [{workload: "step:low=2,high=9", seed: 3}]
)"), "");
}

TEST(SuiteTest, StructuralMistakesAreNamed) {
  const struct { const char* yaml; const char* expect; } cases[] = {
      {"name: t\nscenarios: []\n", "scenarios: required"},
      {"name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: 1h, train: [step]}\n", "scenarios[0].eval: required"},
      {"name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: 1h, train: [step], eval: [bogus:x=1]}\n",
       "scenarios[0].eval[0]: 'bogus:x=1'"},
      {"name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: 1h, trian: [step], eval: [step]}\n", "trian"},
      {"name: t\nscenarios:\n  - {name: 'a b', app: gourmetgram, duration: 1h, train: [step], eval: ['step:low=3']}\n",
       "scenarios[0].name: 'a b'"},
      {"name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: soon, train: [step], eval: ['step:low=3']}\n",
       "scenarios[0].duration"},
      {"name: t\nrequired_attainment: 1.5\nscenarios: []\n", "required_attainment"},
      {"scenarios: []\n", "name"},
      {"name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: 1h, train: [step], eval: [step, step]}\n",
       "listed twice"},
  };
  for (const auto& c : cases) {
    std::string err = LoadError("structural", c.yaml);
    EXPECT_NE(err.find(c.expect), std::string::npos) << "yaml:\n" << c.yaml << "error: " << err;
  }
}

TEST(SuiteTest, SloOverrideScalesEveryClassObjective) {
  const std::string dir = FreshDir("slo");
  auto suite = LoadSuite(WriteText(dir + "/s.yaml", R"(name: t
scenarios:
  - name: a
    app: teastore
    duration: 1h
    slo_ms: 300
    train: [step]
    eval: ["step:low=30"]
)"));
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  auto base = LoadAppByName("teastore");
  ASSERT_TRUE(base.ok());
  const AppModel& m = *suite->scenarios[0].model;
  EXPECT_DOUBLE_EQ(m.slo_ms, 300);
  ASSERT_EQ(m.classes.size(), base->classes.size());
  bool saw_double = false;
  for (size_t i = 0; i < m.classes.size(); ++i) {
    EXPECT_DOUBLE_EQ(m.classes[i].slo_ms, base->classes[i].slo_ms * 300 / base->slo_ms) << m.classes[i].name;
    saw_double = saw_double || base->classes[i].slo_ms == 2 * base->slo_ms;
  }
  EXPECT_TRUE(saw_double) << "teastore has two-page classes whose objective is twice the default";
}

TEST(SuiteTest, ClusterOverrideReplacesOnlyTheKeysGiven) {
  const std::string dir = FreshDir("cluster");
  auto suite = LoadSuite(WriteText(dir + "/s.yaml", R"(name: t
scenarios:
  - name: a
    app: online-boutique
    duration: 1h
    cluster:
      node_pools: [{name: small, cpu: 4, memory: 16Gi, nodes: 1, max_nodes: 3, provision_seconds: 120}]
    train: [step]
    eval: ["step:low=30"]
)"));
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  auto base = LoadAppByName("online-boutique");
  ASSERT_TRUE(base.ok());
  const Scenario& s = suite->scenarios[0];
  EXPECT_TRUE(s.cluster_override);
  ASSERT_EQ(s.model->cluster.node_pools.size(), 1u);
  EXPECT_EQ(s.model->cluster.node_pools[0].name, "small");
  EXPECT_EQ(s.model->cluster.node_pools[0].max_nodes, 3);
  EXPECT_DOUBLE_EQ(s.model->cluster.node_pools[0].provision_seconds, 120);
  // Untouched: the price and the application itself.
  EXPECT_DOUBLE_EQ(s.model->cluster.price_cpu_core_hour, base->cluster.price_cpu_core_hour);
  EXPECT_EQ(s.model->services.size(), base->services.size());
  EXPECT_NE(s.Fingerprint(), "");

  std::string err = LoadError("bad_cluster", R"(name: t
scenarios:
  - name: a
    app: online-boutique
    duration: 1h
    cluster: {node_pools: [{name: x, cpu: -4}]}
    train: [step]
    eval: ["step:low=30"]
)");
  EXPECT_NE(err.find("scenarios[0].cluster"), std::string::npos) << err;
  EXPECT_NE(err.find("node_pools[0].cpu"), std::string::npos) << err;
}

TEST(SuiteTest, FingerprintChangesWithTheTrainWorkloadsButNotTheEvalOnes) {
  const std::string dir = FreshDir("fp");
  auto load = [&](const std::string& train, const std::string& eval) {
    auto s = LoadSuite(WriteText(dir + "/s.yaml", "name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: 1h, train: ['" +
                                                     train + "'], eval: ['" + eval + "']}\n"));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s->scenarios[0].Fingerprint();
  };
  const std::string a = load("step:low=2", "step:low=3");
  EXPECT_EQ(a, load("step:low=2", "step:low=4"));
  EXPECT_NE(a, load("step:low=1", "step:low=3"));
}

// A scenario's metrics lag reaches every run's environment and the fingerprint (a tuning at one
// lag does not hold at another); without it the fingerprint is what it was before the field.
TEST(SuiteTest, MetricsLagReachesTheEnvironmentAndTheFingerprint) {
  const std::string dir = FreshDir("lag");
  auto load = [&](const std::string& lag) {
    auto s = LoadSuite(WriteText(dir + "/s.yaml", "name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: 1h," + lag +
                                                     " train: ['step:low=2'], eval: ['step:low=3']}\n"));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  };
  Suite none = load(""), zero = load(" metrics_lag: 0s,"), lagged = load(" metrics_lag: 15s,");
  EXPECT_EQ(none.scenarios[0].Fingerprint(), zero.scenarios[0].Fingerprint());
  EXPECT_EQ(none.scenarios[0].Fingerprint().find("metrics_lag"), std::string::npos);
  EXPECT_NE(none.scenarios[0].Fingerprint(), lagged.scenarios[0].Fingerprint());
  EXPECT_EQ(ScenarioEnvConfig(none.scenarios[0], none.scenarios[0].eval[0]).sim.metrics_lag_s, 0);
  EXPECT_EQ(ScenarioEnvConfig(lagged.scenarios[0], lagged.scenarios[0].eval[0]).sim.metrics_lag_s, 15);

  // --metrics-lag sets every scenario's, and names itself when the value is bad.
  ASSERT_TRUE(OverrideMetricsLag(&none, "30s", "--metrics-lag").ok());
  EXPECT_EQ(none.scenarios[0].metrics_lag_s, 30);
  ASSERT_TRUE(OverrideMetricsLag(&none, "", "--metrics-lag").ok());
  EXPECT_EQ(none.scenarios[0].metrics_lag_s, 30);
  for (const char* bad : {"-5s", "11m", "soon", "1500ms"}) {
    Status st = OverrideMetricsLag(&none, bad, "--metrics-lag");
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_NE(st.message().find(std::string("--metrics-lag '") + bad + "'"), std::string::npos) << st.message();
  }
  EXPECT_NE(LoadError("lag-bad", "name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: 1h, metrics_lag: 1h,"
                                  " train: ['step:low=2'], eval: ['step:low=3']}\n")
                .find("metrics_lag"),
            std::string::npos);
  EXPECT_NE(LoadError("lag-frac", "name: t\nscenarios:\n  - {name: a, app: gourmetgram, duration: 1h, metrics_lag: 500ms,"
                                   " train: ['step:low=2'], eval: ['step:low=3']}\n")
                .find("metrics_lag: '500ms': must be a whole number of seconds"),
            std::string::npos);
}

TEST(SuiteTest, SelectScenariosKeepsSuiteOrderAndRefusesUnknownNames) {
  const std::string dir = FreshDir("select");
  auto suite = LoadSuite(WriteText(dir + "/suite.yaml", TinySuiteYaml()));
  ASSERT_TRUE(suite.ok());
  auto all = SelectScenarios(*suite, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  auto some = SelectScenarios(*suite, {"gg-spike", "gg-step"});
  ASSERT_TRUE(some.ok());
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0]->name, "gg-step");
  auto bad = SelectScenarios(*suite, {"gg-nope"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("gg-nope"), std::string::npos);
  EXPECT_NE(bad.status().message().find("gg-step, gg-spike"), std::string::npos) << bad.status().message();
}

TEST(SuiteTest, RunSeedDependsOnWorkloadIndexAndSeedKeyOnly) {
  WorkloadRef a{"step:low=2", "/abs/resolved/differs", 0};
  WorkloadRef a2{"step:low=2", "step:low=2", 0};
  WorkloadRef b{"step:low=3", "step:low=3", 0};
  WorkloadRef a_seed{"step:low=2", "step:low=2", 7};
  EXPECT_EQ(RunSeed(a, 0), RunSeed(a2, 0));  // the runnable path does not matter
  EXPECT_NE(RunSeed(a, 0), RunSeed(a, 1));
  EXPECT_NE(RunSeed(a, 0), RunSeed(b, 0));
  EXPECT_NE(RunSeed(a, 0), RunSeed(a_seed, 0));
}

TEST(SuiteTest, SplitListAndSplitNames) {
  EXPECT_EQ(SplitList(" a, b,,c ", ','), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitList("", ';').empty());
  EXPECT_EQ(*ParseSplit("train"), Split::kTrain);
  EXPECT_EQ(*ParseSplit("eval"), Split::kEval);
  EXPECT_FALSE(ParseSplit("test").ok());
}

}  // namespace
}  // namespace podpilot
