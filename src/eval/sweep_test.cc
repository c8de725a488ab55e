#include "eval/sweep.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "eval/eval_test_util.h"
#include "eval/policy_set.h"

namespace podpilot {
namespace {

SweepPoint Point(int target, double cost, double attainment) {
  SweepPoint p;
  p.target = target;
  p.cost.n = p.slo_attainment.n = 3;
  p.cost.mean = cost;
  p.slo_attainment.mean = attainment;
  return p;
}

TEST(SweepTest, PicksTheCheapestTargetMeetingTheRequirement) {
  // Cost falls with the target, attainment too; 60 is the cheapest still >= 0.99.
  std::vector<SweepPoint> pts = {Point(30, 5.0, 0.999), Point(40, 4.0, 0.998), Point(50, 3.5, 0.995),
                                 Point(60, 3.0, 0.990), Point(70, 2.5, 0.97), Point(80, 2.0, 0.90)};
  TunedChoice c = SelectTunedTarget(pts, 0.99);
  EXPECT_EQ(c.target, 60);
  EXPECT_TRUE(c.met);
  // A stricter requirement moves it down; costs need not be monotone in the target.
  pts[2].cost.mean = 4.5;
  c = SelectTunedTarget(pts, 0.995);
  EXPECT_EQ(c.target, 40);
  EXPECT_TRUE(c.met);
}

TEST(SweepTest, WithoutAnyTargetMeetingItTakesTheHighestAttainmentAndSaysSo) {
  std::vector<SweepPoint> pts = {Point(30, 5.0, 0.95), Point(50, 3.0, 0.97), Point(70, 2.0, 0.96)};
  TunedChoice c = SelectTunedTarget(pts, 0.99);
  EXPECT_EQ(c.target, 50);
  EXPECT_FALSE(c.met);
  EXPECT_NE(c.note.find("no target reaches"), std::string::npos) << c.note;
}

TEST(SweepTest, TiesGoToHigherAttainmentThenHigherTarget) {
  EXPECT_EQ(SelectTunedTarget({Point(30, 2.0, 0.999), Point(40, 2.0, 0.995)}, 0.99).target, 30);
  EXPECT_EQ(SelectTunedTarget({Point(30, 2.0, 0.995), Point(40, 2.0, 0.995)}, 0.99).target, 40);
  // Equal attainment below the requirement: the cheaper.
  EXPECT_EQ(SelectTunedTarget({Point(30, 3.0, 0.9), Point(40, 2.0, 0.9)}, 0.99).target, 40);
}

TEST(SweepTest, ParseTargetsExpandsTheEllipsisAndRefusesNonsense) {
  EXPECT_EQ(*ParseTargets("30,40,...,90"), (std::vector<int>{30, 40, 50, 60, 70, 80, 90}));
  EXPECT_EQ(*ParseTargets("50, 70"), (std::vector<int>{50, 70}));
  EXPECT_EQ(*ParseTargets("10,15,...,25,60"), (std::vector<int>{10, 15, 20, 25, 60}));
  for (const char* bad : {"", "abc", "0", "40,30", "30,...,90", "30,40,...", "30,40,...,95", "50,50"}) {
    EXPECT_FALSE(ParseTargets(bad).ok()) << bad;
  }
  EXPECT_EQ(HpaSpecForTarget(60), "hpa:cpu=60");
}

TEST(SweepTest, TunedFileRoundTripsAndResolvesPerScenario) {
  const std::string dir = testing::FreshDir("tuned");
  auto suite = LoadSuite(testing::WriteText(dir + "/suite.yaml", testing::TinySuiteYaml()));
  ASSERT_TRUE(suite.ok());
  auto scenarios = *SelectScenarios(*suite, {});
  TunedHpaFile t;
  t.suite = "tiny";
  t.seeds = 2;
  t.targets = {40, 70};
  t.scenarios["gg-step"].choice = {40, true, "ok"};
  t.scenarios["gg-step"].fingerprint = scenarios[0]->Fingerprint();
  t.scenarios["gg-step"].table = {Point(40, 1, 1), Point(70, 0.5, 0.9)};
  t.scenarios["gg-spike"].choice = {70, false, "best effort"};
  t.scenarios["gg-spike"].fingerprint = scenarios[1]->Fingerprint();
  const std::string path = dir + "/tuned_hpa.json";
  ASSERT_TRUE(WriteFileAtomically(path, TunedHpaToJson(t)).ok());

  auto back = ReadTunedHpa(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->scenarios.at("gg-step").choice.target, 40);
  EXPECT_FALSE(back->scenarios.at("gg-spike").choice.met);

  auto policies = ResolvePolicies({"static", "tuned-hpa:file=" + path}, scenarios);
  ASSERT_TRUE(policies.ok()) << policies.status().ToString();
  EXPECT_EQ((*policies)[1].SpecFor("gg-step"), "hpa:cpu=40");
  EXPECT_EQ((*policies)[1].SpecFor("gg-spike"), "hpa:cpu=70");
  EXPECT_EQ((*policies)[1].label, "tuned-hpa:file=" + path);

  // A scenario missing from the file, or tuned on another definition, is refused.
  t.scenarios.erase("gg-spike");
  ASSERT_TRUE(WriteFileAtomically(path, TunedHpaToJson(t)).ok());
  auto missing = ResolvePolicies({"tuned-hpa:file=" + path}, scenarios);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("gg-spike"), std::string::npos) << missing.status().message();
  t.scenarios["gg-spike"] = {{70, false, ""}, "app=other", {}};
  ASSERT_TRUE(WriteFileAtomically(path, TunedHpaToJson(t)).ok());
  auto stale = ResolvePolicies({"tuned-hpa:file=" + path}, scenarios);
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.status().message().find("different definition"), std::string::npos) << stale.status().message();
  // Bad specs and files.
  EXPECT_FALSE(ResolvePolicies({"tuned-hpa"}, scenarios).ok());
  EXPECT_FALSE(ResolvePolicies({"tuned-hpa:file=" + path + ",cpu=3"}, scenarios).ok());
  EXPECT_FALSE(ResolvePolicies({"tuned-hpa:file=" + dir + "/none.json"}, scenarios).ok());
  testing::WriteText(dir + "/bad.json", R"({"scenarios": {"gg-step": {"target": "high"}}})");
  auto bad = ReadTunedHpa(dir + "/bad.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("scenarios.gg-step.target"), std::string::npos) << bad.status().message();
}

TEST(SweepTest, RunSweepTunesOnTrainWorkloadsOnly) {
  const std::string dir = testing::FreshDir("sweep_run");
  auto suite = LoadSuite(testing::WriteText(dir + "/suite.yaml", testing::TinySuiteYaml()));
  ASSERT_TRUE(suite.ok());
  auto scenarios = *SelectScenarios(*suite, {"gg-step"});
  SweepOptions o;
  o.targets = {30, 90};
  o.seeds = 2;
  o.threads = 2;
  auto tuned = RunSweep(*suite, scenarios, o);
  ASSERT_TRUE(tuned.ok()) << tuned.status().ToString();
  ASSERT_EQ(tuned->scenarios.size(), 1u);
  const TunedScenario& ts = tuned->scenarios.at("gg-step");
  ASSERT_EQ(ts.table.size(), 2u);
  EXPECT_EQ(ts.table[0].target, 30);
  EXPECT_EQ(ts.table[0].cost.n, 2);
  // A lower target keeps more pods: it cannot be cheaper than the higher one.
  EXPECT_GE(ts.table[0].cost.mean, ts.table[1].cost.mean);
  // The choice is exactly the rule applied to the table, and the file records the definition.
  EXPECT_EQ(ts.choice.target, SelectTunedTarget(ts.table, 0.95).target);
  EXPECT_EQ(ts.fingerprint, scenarios[0]->Fingerprint());
  auto j = nlohmann::json::parse(TunedHpaToJson(*tuned));
  EXPECT_EQ(j["split"], "train");
  EXPECT_EQ(j["scenarios"]["gg-step"]["policy"], HpaSpecForTarget(ts.choice.target));
}

}  // namespace
}  // namespace podpilot
