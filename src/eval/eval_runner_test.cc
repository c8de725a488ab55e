#include "eval/eval_runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>

#include "eval/eval_test_util.h"
#include "eval/policy_registry.h"
#include "eval/run.h"
#include "eval/scorecard.h"

namespace podpilot {
namespace {

using testing::FreshDir;
using testing::TinySuiteYaml;
using testing::WriteText;

class EvalRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto suite = LoadSuite(WriteText(FreshDir("runner") + "/suite.yaml", TinySuiteYaml()));
    ASSERT_TRUE(suite.ok()) << suite.status().ToString();
    suite_ = std::move(suite).value();
    auto sel = SelectScenarios(suite_, {});
    ASSERT_TRUE(sel.ok());
    scenarios_ = *sel;
  }

  EvalResults Run(const std::vector<std::string>& specs, EvalOptions o) {
    auto policies = ResolvePolicies(specs, scenarios_);
    EXPECT_TRUE(policies.ok()) << policies.status().ToString();
    auto res = RunEvaluation(scenarios_, *policies, o);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return std::move(res).value();
  }

  Suite suite_;
  std::vector<const Scenario*> scenarios_;
};

// eval, simulate and serve configure every run through ApplyPolicyPreferences.
TEST(ApplyPolicyPreferencesTest, TheKpaGetsItsTickAsControlIntervalAndMetricsWindow) {
  EnvConfig kpa_cfg;
  kpa_cfg.control_interval_s = 15;
  kpa_cfg.sim.metrics_window_s = 30;
  ApplyPolicyPreferences(**MakePolicy("kpa:target=0.5"), &kpa_cfg);
  EXPECT_EQ(kpa_cfg.control_interval_s, 2);
  EXPECT_EQ(kpa_cfg.sim.metrics_window_s, 2) << "Knative scrapes every second, not metrics-server's 30 s";
  EXPECT_FALSE(kpa_cfg.sim.pod_samples);
  EnvConfig hpa_cfg;
  hpa_cfg.control_interval_s = 30;
  hpa_cfg.sim.metrics_window_s = 30;
  ApplyPolicyPreferences(**MakePolicy("hpa:cpu=50,sync_period=20s"), &hpa_cfg);
  EXPECT_EQ(hpa_cfg.control_interval_s, 20);
  EXPECT_EQ(hpa_cfg.sim.metrics_window_s, 30) << "the HPA reads metrics-server's window";
  EXPECT_TRUE(hpa_cfg.sim.pod_samples) << "its replica calculator reads pods";
}

TEST_F(EvalRunnerTest, ResultsDoNotDependOnTheThreadCount) {
  EvalOptions one;
  one.seeds = 2;
  one.threads = 1;
  EvalOptions three = one;
  three.threads = 3;
  const std::vector<std::string> specs = {"static", "hpa:cpu=50", "kpa"};
  EvalResults a = Run(specs, one), b = Run(specs, three);
  // 2 scenarios: (2 + 1 eval workloads) x 3 policies x 2 seeds.
  ASSERT_EQ(a.runs.size(), 18u);
  EXPECT_EQ(ScorecardJson(suite_, a, BuildScorecard(a)), ScorecardJson(suite_, b, BuildScorecard(b)));
  EXPECT_EQ(ScorecardCsv(a, BuildScorecard(a)), ScorecardCsv(b, BuildScorecard(b)));
  // And the runs really differ from each other (the comparison above is not vacuous).
  EXPECT_NE(a.runs[0].summary.cost, a.runs[2 * 2].summary.cost) << "static vs hpa on the same run";
}

TEST_F(EvalRunnerTest, EveryPolicyFacesTheSameArrivalsOnTheSameSeed) {
  EvalOptions o;
  o.seeds = 2;
  o.threads = 2;
  o.lower_bound = false;
  // The KPA decides every 2 s, the others every 15 s: the arrivals must not care.
  EvalResults res = Run({"static", "hpa:cpu=50", "kpa"}, o);
  for (const auto& r : res.runs) {
    const Scenario& s = *res.scenarios[r.scenario];
    const WorkloadRef& w = s.eval[r.workload];
    EXPECT_EQ(r.seed, RunSeed(w, r.seed_index));
    auto arrivals = Env::Arrivals(ScenarioEnvConfig(s, w), r.seed);
    ASSERT_TRUE(arrivals.ok());
    const double total = std::accumulate(arrivals->begin(), arrivals->end(), 0.0);
    EXPECT_DOUBLE_EQ(r.summary.requests, total) << s.name << " " << r.policy_spec << " seed " << r.seed_index;
    EXPECT_DOUBLE_EQ(r.summary.sim_seconds, s.duration_s);
  }
  // Another seed, other arrivals; policies differ in what they do with them.
  const RunRecord& s0 = res.runs[0];
  const RunRecord& s1 = res.runs[1];
  ASSERT_EQ(s0.seed_index, 0);
  ASSERT_EQ(s1.seed_index, 1);
  EXPECT_NE(s0.summary.requests, s1.summary.requests);
}

TEST_F(EvalRunnerTest, TrainSplitRunsTheTrainWorkloads) {
  EvalOptions o;
  o.seeds = 1;
  o.split = Split::kTrain;
  o.lower_bound = false;
  EvalResults res = Run({"static"}, o);
  ASSERT_EQ(res.runs.size(), 2u);  // one train workload per scenario
  for (const auto& r : res.runs) {
    EXPECT_EQ(r.seed, RunSeed(res.scenarios[r.scenario]->train[r.workload], 0));
  }
  EXPECT_TRUE(res.bounds.empty());
}

TEST_F(EvalRunnerTest, LowerBoundIsComputedOncePerWorkloadAndSeed) {
  EvalOptions o;
  o.seeds = 2;
  EvalResults res = Run({"static", "hpa:cpu=50"}, o);
  EXPECT_EQ(res.bounds.size(), (2u + 1u) * 2u);
  for (const auto& b : res.bounds) {
    const BoundRecord* found = res.Bound(b.scenario, b.workload, b.seed_index);
    ASSERT_EQ(found, &b);
    EXPECT_EQ(b.seed, RunSeed(res.scenarios[b.scenario]->eval[b.workload], b.seed_index));
    if (b.status.ok()) {
      EXPECT_GT(b.result.cost, 0);
    }
  }
}

TEST_F(EvalRunnerTest, VerticalBoundIsComputedOnlyWhenAskedAndNeverAboveTheHorizontalOne) {
  EvalOptions o;
  o.seeds = 1;
  EvalResults plain = Run({"static"}, o);
  for (const auto& b : plain.bounds) EXPECT_FALSE(b.vertical_requested);
  EXPECT_EQ(FormatScorecardTable(suite_, plain, BuildScorecard(plain)).find("vertical"), std::string::npos);

  o.vertical_bound = true;
  EvalResults res = Run({"static", "vpa"}, o);
  ASSERT_EQ(res.bounds.size(), 3u);
  for (const auto& b : res.bounds) {
    ASSERT_TRUE(b.vertical_requested);
    ASSERT_TRUE(b.status.ok() && b.vertical_status.ok()) << b.vertical_status.ToString();
    EXPECT_GT(b.vertical.cost, 0);
    // The vertical bound may keep every pod at the app's size, so it never costs more (idle pods
    // at the smallest size make it strictly cheaper whenever startup delays leave extra pods).
    EXPECT_LE(b.vertical.cost, b.result.cost * (1 + 1e-9));
  }
  const auto rows = BuildScorecard(res);
  for (const auto& r : rows) {
    ASSERT_TRUE(r.vertical_available) << r.vertical_note;
    EXPECT_GE(r.cost_ratio_vertical.mean, r.cost_ratio.mean);
  }
  EXPECT_NE(FormatScorecardTable(suite_, res, rows).find("cost / vertical bound"), std::string::npos);
  const std::string csv = ScorecardCsv(res, rows);
  EXPECT_NE(csv.find("vertical_lower_bound_cost_mean"), std::string::npos);
  EXPECT_NE(csv.find("cost_ratio_vertical_mean"), std::string::npos);

  EvalOptions bad;
  bad.lower_bound = false;
  bad.vertical_bound = true;
  auto policies = ResolvePolicies({"static"}, scenarios_);
  ASSERT_TRUE(policies.ok());
  EXPECT_FALSE(RunEvaluation(scenarios_, *policies, bad).ok());
}

TEST_F(EvalRunnerTest, WritesSeriesForTheFirstSeedOnly) {
  const std::string out = FreshDir("series");
  EvalOptions o;
  o.seeds = 2;
  o.lower_bound = false;
  o.out_dir = out;
  o.series_step_s = 300;
  EvalResults res = Run({"hpa:cpu=50"}, o);
  int written = 0;
  for (const auto& r : res.runs) {
    if (r.seed_index == 0) {
      ASSERT_FALSE(r.series_file.empty());
      const std::string csv = testing::Slurp(out + "/" + r.series_file);
      ASSERT_FALSE(csv.empty()) << r.series_file;
      EXPECT_EQ(csv.rfind("time_s,request_rate", 0), 0u);
      // One row per 5 minutes of the run (plus the header).
      const auto lines = std::count(csv.begin(), csv.end(), '\n');
      EXPECT_EQ(lines, 1 + static_cast<long>(res.scenarios[r.scenario]->duration_s / 300)) << r.series_file;
      ++written;
    } else {
      EXPECT_TRUE(r.series_file.empty());
    }
  }
  EXPECT_EQ(written, 3);
}

TEST_F(EvalRunnerTest, RejectsZeroSeeds) {
  auto policies = ResolvePolicies({"static"}, scenarios_);
  ASSERT_TRUE(policies.ok());
  EvalOptions o;
  o.seeds = 0;
  EXPECT_FALSE(RunEvaluation(scenarios_, *policies, o).ok());
}

TEST_F(EvalRunnerTest, ResolvePoliciesRefusesBadSpecsBeforeAnyRun) {
  auto unknown = ResolvePolicies({"static", "hpaa:cpu=50"}, scenarios_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("hpaa"), std::string::npos) << unknown.status().message();
  auto bad_param = ResolvePolicies({"hpa:cpuu=50"}, scenarios_);
  ASSERT_FALSE(bad_param.ok());
  EXPECT_NE(bad_param.status().message().find("cpuu"), std::string::npos) << bad_param.status().message();
  auto dup = ResolvePolicies({"static", "static"}, scenarios_);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);
  EXPECT_EQ(ParsePolicyList("static; hpa:cpu=50,behavior=default ;;kpa"),
            (std::vector<std::string>{"static", "hpa:cpu=50,behavior=default", "kpa"}));
}

}  // namespace
}  // namespace podpilot
