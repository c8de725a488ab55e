#include "eval/scorecard.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "eval/eval_test_util.h"

namespace podpilot {
namespace {

// Hand-built results: one scenario with two eval workloads, one policy, three seeds, so every
// number the scorecard prints can be worked out by hand.
class ScorecardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto suite = LoadSuite(testing::WriteText(testing::FreshDir("scorecard") + "/suite.yaml", testing::TinySuiteYaml()));
    ASSERT_TRUE(suite.ok()) << suite.status().ToString();
    suite_ = std::move(suite).value();
    res_.scenarios = {&suite_.scenarios[0]};  // gg-step: 2 eval workloads
    PolicyEntry p;
    p.label = "hpa:cpu=50";
    p.specs["gg-step"] = "hpa:cpu=50";
    res_.policies = {p};
    res_.seeds = 3;
    // cost[w][i]; the per-seed samples are the means over w: {2, 3, 4}.
    const double cost[2][3] = {{1, 2, 3}, {3, 4, 5}};
    const double bound[2][3] = {{0.5, 1, 1.5}, {1.5, 2, 2.5}};  // every ratio is 2
    for (int w = 0; w < 2; ++w) {
      for (int i = 0; i < 3; ++i) {
        RunRecord r;
        r.workload = w;
        r.seed_index = i;
        r.policy_spec = "hpa:cpu=50";
        r.summary.cost = cost[w][i];
        r.summary.slo_attainment = w == 0 ? 1.0 : 0.9;
        r.summary.scaling_actions = 10 * (i + 1);
        res_.runs.push_back(r);
        BoundRecord b;
        b.workload = w;
        b.seed_index = i;
        b.result.cost = bound[w][i];
        res_.bounds.push_back(b);
      }
    }
  }

  Suite suite_;
  EvalResults res_;
};

TEST_F(ScorecardTest, SamplesAreMeansOverWorkloadsThenTIntervalsOverSeeds) {
  auto rows = BuildScorecard(res_);
  ASSERT_EQ(rows.size(), 1u);
  const ScoreRow& r = rows[0];
  EXPECT_EQ(r.seeds, 3);
  EXPECT_EQ(r.workloads, 2);
  // Samples {2, 3, 4}: mean 3, s = 1, half-width = t(0.975, 2) / sqrt(3) = 4.3027 / 1.7321 = 2.4841.
  EXPECT_DOUBLE_EQ(r.cost.mean, 3.0);
  EXPECT_NEAR(r.cost.half_width, 2.48414, 1e-4);
  EXPECT_DOUBLE_EQ(r.slo_attainment.mean, 0.95);
  EXPECT_NEAR(r.slo_attainment.half_width, 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(r.scaling_actions.mean, 20.0);
  ASSERT_TRUE(r.bound_available);
  EXPECT_DOUBLE_EQ(r.lower_bound_cost.mean, 1.5);
  EXPECT_DOUBLE_EQ(r.cost_ratio.mean, 2.0);
  EXPECT_NEAR(r.cost_ratio.half_width, 0.0, 1e-12);
}

TEST_F(ScorecardTest, UnavailableBoundShowsNotAvailableEverywhere) {
  res_.bounds[4].status = UnavailableError("lower bound not implemented yet");
  auto rows = BuildScorecard(res_);
  ASSERT_FALSE(rows[0].bound_available);
  EXPECT_EQ(rows[0].bound_note, "lower bound not implemented yet");

  const std::string table = FormatScorecardTable(suite_, res_, rows);
  EXPECT_NE(table.find("n/a"), std::string::npos) << table;
  EXPECT_NE(table.find("lower bound not implemented yet"), std::string::npos) << table;

  const std::string csv = ScorecardCsv(res_, rows);
  const std::string line = csv.substr(csv.find('\n') + 1);
  // scenario, policy, split, seeds, workloads, cost x3, lower_bound_cost x3, cost_ratio x3, ...
  EXPECT_NE(line.find(",n/a,n/a,n/a,n/a,n/a,n/a,"), std::string::npos) << line;

  auto j = nlohmann::json::parse(ScorecardJson(suite_, res_, rows));
  EXPECT_FALSE(j["lower_bound"]["available"].get<bool>());
  EXPECT_TRUE(j["results"][0]["cost_ratio"].is_null());
  EXPECT_TRUE(j["results"][0]["lower_bound_cost"].is_null());
  EXPECT_DOUBLE_EQ(j["results"][0]["cost"]["mean"].get<double>(), 3.0);
  // Per run, the bound is missing only where it failed.
  EXPECT_TRUE(j["runs"][4]["cost_ratio"].is_null());
  EXPECT_DOUBLE_EQ(j["runs"][0]["cost_ratio"].get<double>(), 2.0);
}

TEST_F(ScorecardTest, JsonNamesTheSplitAndBothWorkloadLists) {
  auto j = nlohmann::json::parse(ScorecardJson(suite_, res_, BuildScorecard(res_)));
  EXPECT_EQ(j["split"], "eval");
  EXPECT_EQ(j["suite"]["name"], "tiny");
  const auto& sc = j["scenarios"][0];
  EXPECT_EQ(sc["name"], "gg-step");
  EXPECT_EQ(sc["train_workloads"][0], "step:low=2,high=9,at=10m");
  EXPECT_EQ(sc["eval_workloads"].size(), 2u);
  EXPECT_EQ(sc["workloads"], sc["eval_workloads"]);
  EXPECT_EQ(j["runs"].size(), 6u);
  EXPECT_EQ(j["results"][0]["cost"]["ci95_low"].get<double>(), 3.0 - BuildScorecard(res_)[0].cost.half_width);
}

TEST_F(ScorecardTest, VerticalBoundColumnsOnlyWhenComputed) {
  // Not asked for: null in JSON, n/a in the CSV's last columns, no table column.
  auto rows = BuildScorecard(res_);
  EXPECT_FALSE(rows[0].vertical_available);
  EXPECT_EQ(rows[0].vertical_note, "not computed");
  auto j = nlohmann::json::parse(ScorecardJson(suite_, res_, rows));
  EXPECT_TRUE(j["results"][0]["cost_ratio_vertical"].is_null());
  EXPECT_FALSE(j["lower_bound"]["vertical"]["computed"].get<bool>());
  std::string csv = ScorecardCsv(res_, rows);
  std::string line = csv.substr(csv.find('\n') + 1);
  EXPECT_NE(line.find(",n/a,n/a,n/a,n/a,n/a,n/a,"), std::string::npos) << line;  // memory utilisation follows
  EXPECT_EQ(FormatScorecardTable(suite_, res_, rows).find("vertical"), std::string::npos);

  // Computed: every vertical bound is a quarter of the cost, so every ratio is 4.
  for (size_t k = 0; k < res_.bounds.size(); ++k) {
    res_.bounds[k].vertical_requested = true;
    res_.bounds[k].vertical.cost = res_.runs[k].summary.cost / 4;
  }
  rows = BuildScorecard(res_);
  ASSERT_TRUE(rows[0].vertical_available);
  EXPECT_DOUBLE_EQ(rows[0].vertical_lower_bound_cost.mean, 0.75);
  EXPECT_DOUBLE_EQ(rows[0].cost_ratio_vertical.mean, 4.0);
  j = nlohmann::json::parse(ScorecardJson(suite_, res_, rows));
  EXPECT_DOUBLE_EQ(j["results"][0]["cost_ratio_vertical"]["mean"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(j["runs"][1]["cost_ratio_vertical"].get<double>(), 4.0);
  EXPECT_TRUE(j["lower_bound"]["vertical"]["available"].get<bool>());
  csv = ScorecardCsv(res_, rows);
  EXPECT_NE(csv.find(",cost_ratio_vertical_mean,cost_ratio_vertical_ci95_low,cost_ratio_vertical_ci95_high,"),
            std::string::npos);
  line = csv.substr(csv.find('\n') + 1);
  EXPECT_NE(line.find(",0.75,"), std::string::npos) << line;
  const std::string table = FormatScorecardTable(suite_, res_, rows);
  EXPECT_NE(table.find("cost / vertical bound"), std::string::npos) << table;
  EXPECT_NE(table.find("4.00 ± 0.00"), std::string::npos) << table;

  // One failed: n/a with its reason.
  res_.bounds[2].vertical_status = UnavailableError("vertical grid too coarse");
  rows = BuildScorecard(res_);
  EXPECT_FALSE(rows[0].vertical_available);
  EXPECT_NE(FormatScorecardTable(suite_, res_, rows).find("vertical lower bound: n/a (vertical grid too coarse)"),
            std::string::npos);
}

TEST_F(ScorecardTest, FallbackDecisionsAreCountedAndWarnedAbout) {
  EXPECT_EQ(FormatScorecardTable(suite_, res_, BuildScorecard(res_)).find("warning"), std::string::npos);
  for (auto& r : res_.runs) r.summary.steps = 100;
  res_.runs[1].summary.fallback_decisions = 100;
  res_.runs[1].summary.first_fallback = "model is for 2 targets, the observation has 1";
  res_.runs[4].summary.fallback_decisions = 20;
  res_.runs[4].summary.first_fallback = "the model's output is not finite";
  const std::string table = FormatScorecardTable(suite_, res_, BuildScorecard(res_));
  EXPECT_NE(table.find("warning: hpa:cpu=50 on gg-step decided by its fallback 120 of 600 times (model is for 2 "
                       "targets, the observation has 1): those decisions are not the policy's\n"),
            std::string::npos)
      << table;
  const auto j = nlohmann::json::parse(ScorecardJson(suite_, res_, BuildScorecard(res_)));
  EXPECT_EQ(j["runs"][1]["fallback_decisions"], 100);
  EXPECT_EQ(j["runs"][1]["decisions"], 100);
  EXPECT_EQ(j["runs"][1]["first_fallback"], "model is for 2 targets, the observation has 1");
  EXPECT_EQ(j["runs"][0]["fallback_decisions"], 0);
  EXPECT_TRUE(j["runs"][0]["first_fallback"].is_null());
}

TEST_F(ScorecardTest, TableShowsMeanAndHalfWidth) {
  const std::string table = FormatScorecardTable(suite_, res_, BuildScorecard(res_));
  EXPECT_NE(table.find("3.000 ± 2.484"), std::string::npos) << table;
  EXPECT_NE(table.find("2.00 ± 0.00"), std::string::npos) << table;
  EXPECT_NE(table.find("step:low=3,high=11,at=12m"), std::string::npos) << "workloads are named";
}

}  // namespace
}  // namespace podpilot
