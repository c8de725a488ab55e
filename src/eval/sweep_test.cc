#include "eval/sweep.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "eval/eval_test_util.h"
#include "eval/policy_registry.h"
#include "eval/policy_set.h"

namespace podpilot {
namespace {

SweepPoint Point(double target, double cost, double attainment) {
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
  const auto hpa = SweepPolicy::kHpa, kpa = SweepPolicy::kKpa;
  EXPECT_EQ(*ParseTargets(hpa, "30,40,...,90"), (std::vector<double>{30, 40, 50, 60, 70, 80, 90}));
  EXPECT_EQ(*ParseTargets(hpa, "50, 70"), (std::vector<double>{50, 70}));
  EXPECT_EQ(*ParseTargets(hpa, "10,15,...,25,60"), (std::vector<double>{10, 15, 20, 25, 60}));
  for (const char* bad : {"", "abc", "0", "40,30", "30,...,90", "30,40,...", "30,40,...,95", "50,50", "50.5", "1e4"}) {
    EXPECT_FALSE(ParseTargets(hpa, bad).ok()) << bad;
  }
  EXPECT_EQ(ParseTargets(hpa, "0.5").status().message(), "--targets '0.5': '0.5' is not an integer target in [1, 1000]");
  // Knative's concurrency target is any number from 0.01 on; an ellipsis of fractions lands exactly.
  EXPECT_EQ(*ParseTargets(kpa, "0.1,0.2,...,0.6,1"), (std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1}));
  EXPECT_EQ(*ParseTargets(kpa, "0.01,100"), (std::vector<double>{0.01, 100}));
  // One step on lands exactly although (0.3 - 0.2) / 0.1 is 0.999... in binary.
  EXPECT_EQ(*ParseTargets(kpa, "0.1,0.2,...,0.3"), (std::vector<double>{0.1, 0.2, 0.3}));
  EXPECT_EQ(*ParseTargets(kpa, "0.2,0.4,...,0.6"), (std::vector<double>{0.2, 0.4, 0.6}));
  EXPECT_EQ(*ParseTargets(kpa, "0.05,0.1,...,0.15"), (std::vector<double>{0.05, 0.1, 0.15}));
  for (const char* bad : {"0", "0.005", "0.125", "-1", "1001", "0.5,0.4", "0.1,0.2,...,0.65", "nan", "inf"}) {
    EXPECT_FALSE(ParseTargets(kpa, bad).ok()) << bad;
  }
  EXPECT_EQ(ParseTargets(kpa, "0").status().message(),
            "--targets '0': '0' is not a number target in [0.01, 1000] with at most two decimals");
  EXPECT_EQ(ParseTargets(kpa, "0.1,0.2,...,2000").status().message(),
            "--targets '0.1,0.2,...,2000': '2000' is not a number target in [0.01, 1000] with at most two decimals");
  EXPECT_EQ(ParseTargets(kpa, "0.01,0.02,...,20").status().message(),
            "--targets '0.01,0.02,...,20': more than 1000 targets");
  EXPECT_EQ(ParseTargets(kpa, "0.01,0.02,...,10").value().size(), 1000u);
  EXPECT_EQ(SpecForTarget(SweepPolicy::kHpa, 60), "hpa:cpu=60");
  EXPECT_EQ(SpecForTarget(SweepPolicy::kKpa, 10), "kpa:target=10");
  EXPECT_EQ(SpecForTarget(SweepPolicy::kKpa, 0.3), "kpa:target=0.3");
}

TEST(SweepTest, KindsParseAndHaveDefaultTargetsTheirPoliciesAccept) {
  EXPECT_EQ(*ParseSweepPolicy("hpa"), SweepPolicy::kHpa);
  EXPECT_EQ(*ParseSweepPolicy("kpa"), SweepPolicy::kKpa);
  auto bad = ParseSweepPolicy("vpa");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "'vpa': unknown (known: hpa, kpa, keda)");
  EXPECT_EQ(*ParseSweepPolicy("keda"), SweepPolicy::kKeda);
  EXPECT_STREQ(SweepPolicyName(SweepPolicy::kKeda), "keda");
  EXPECT_EQ(SpecForTarget(SweepPolicy::kKeda, 7.5), "keda:metric=request_rate,threshold=7.5,min=1");
  auto keda = ParseTargets(SweepPolicy::kKeda, DefaultTargets(SweepPolicy::kKeda));
  ASSERT_TRUE(keda.ok()) << keda.status().ToString();
  EXPECT_EQ(keda->size(), 17u);
  for (double t : *keda) EXPECT_TRUE(MakePolicy(SpecForTarget(SweepPolicy::kKeda, t)).ok()) << t;
  EXPECT_EQ(*ParseTargets(SweepPolicy::kHpa, DefaultTargets(SweepPolicy::kHpa)),
            (std::vector<double>{30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190}));
  EXPECT_EQ(*ParseTargets(SweepPolicy::kHpa, DefaultTargets(SweepPolicy::kHpa)), SweepOptions{}.targets);
  EXPECT_EQ(*ParseTargets(SweepPolicy::kKpa, DefaultTargets(SweepPolicy::kKpa)),
            (std::vector<double>{0.2, 0.3, 0.4, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 30, 100}));
}

TEST(SweepTest, TunedFileRoundTripsAndResolvesPerScenario) {
  const std::string dir = testing::FreshDir("tuned");
  auto suite = LoadSuite(testing::WriteText(dir + "/suite.yaml", testing::TinySuiteYaml()));
  ASSERT_TRUE(suite.ok());
  auto scenarios = *SelectScenarios(*suite, {});
  TunedFile t;
  t.suite = "tiny";
  t.seeds = 2;
  t.targets = {40, 70};
  t.scenarios["gg-step"].choice = {40, true, "ok"};
  t.scenarios["gg-step"].fingerprint = scenarios[0]->Fingerprint();
  t.scenarios["gg-step"].table = {Point(40, 1, 1), Point(70, 0.5, 0.9)};
  t.scenarios["gg-spike"].choice = {70, false, "best effort"};
  t.scenarios["gg-spike"].fingerprint = scenarios[1]->Fingerprint();
  const std::string path = dir + "/tuned_hpa.json";
  ASSERT_TRUE(WriteFileAtomically(path, TunedFileToJson(t)).ok());

  auto back = ReadTunedFile(path);
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
  ASSERT_TRUE(WriteFileAtomically(path, TunedFileToJson(t)).ok());
  auto missing = ResolvePolicies({"tuned-hpa:file=" + path}, scenarios);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("gg-spike"), std::string::npos) << missing.status().message();
  t.scenarios["gg-spike"] = {{70, false, ""}, "app=other", {}};
  ASSERT_TRUE(WriteFileAtomically(path, TunedFileToJson(t)).ok());
  auto stale = ResolvePolicies({"tuned-hpa:file=" + path}, scenarios);
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.status().message().find("different definition"), std::string::npos) << stale.status().message();
  // Bad specs and files.
  EXPECT_FALSE(ResolvePolicies({"tuned-hpa"}, scenarios).ok());
  EXPECT_FALSE(ResolvePolicies({"tuned-hpa:file=" + path + ",cpu=3"}, scenarios).ok());
  EXPECT_FALSE(ResolvePolicies({"tuned-hpa:file=" + dir + "/none.json"}, scenarios).ok());
  testing::WriteText(dir + "/bad.json", R"({"scenarios": {"gg-step": {"target": "high"}}})");
  auto bad = ReadTunedFile(dir + "/bad.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("scenarios.gg-step.target"), std::string::npos) << bad.status().message();
  testing::WriteText(dir + "/kind.json", R"({"kind": "vpa", "scenarios": {}})");
  auto bad_kind = ReadTunedFile(dir + "/kind.json");
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.status().message(), dir + "/kind.json: kind: 'vpa': unknown (known: hpa, kpa, keda)");
}

// A KPA sweep's file resolves through tuned-kpa to "kpa:target=T"; each spec refuses the other
// kind's file, and a file without "kind" (written before the KPA sweep) is an HPA sweep.
TEST(SweepTest, TunedKpaFileResolvesAndKindsAreNotMixedUp) {
  const std::string dir = testing::FreshDir("tuned_kpa");
  auto suite = LoadSuite(testing::WriteText(dir + "/suite.yaml", testing::TinySuiteYaml()));
  ASSERT_TRUE(suite.ok());
  auto scenarios = *SelectScenarios(*suite, {});
  TunedFile t;
  t.kind = SweepPolicy::kKpa;
  t.suite = "tiny";
  t.scenarios["gg-step"].choice = {5, true, "ok"};
  t.scenarios["gg-step"].fingerprint = scenarios[0]->Fingerprint();
  t.scenarios["gg-spike"].choice = {20, true, "ok"};
  t.scenarios["gg-spike"].fingerprint = scenarios[1]->Fingerprint();
  const std::string kpa_path = dir + "/tuned_kpa.json";
  ASSERT_TRUE(WriteFileAtomically(kpa_path, TunedFileToJson(t)).ok());
  auto j = nlohmann::json::parse(TunedFileToJson(t));
  EXPECT_EQ(j["kind"], "kpa");
  EXPECT_EQ(j["scenarios"]["gg-step"]["policy"], "kpa:target=5");

  auto kpa = ResolvePolicies({"tuned-kpa:file=" + kpa_path}, scenarios);
  ASSERT_TRUE(kpa.ok()) << kpa.status().ToString();
  EXPECT_EQ((*kpa)[0].SpecFor("gg-step"), "kpa:target=5");
  EXPECT_EQ((*kpa)[0].SpecFor("gg-spike"), "kpa:target=20");
  auto mixed = ResolvePolicies({"tuned-hpa:file=" + kpa_path}, scenarios);
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.status().message(),
            "policy 'tuned-hpa:file=" + kpa_path + "': " + kpa_path + " holds kpa targets (use tuned-kpa:file=...)");

  j.erase("kind");  // as written before the KPA sweep existed: an HPA sweep
  const std::string old_path = testing::WriteText(dir + "/old.json", j.dump());
  EXPECT_EQ(ReadTunedFile(old_path)->kind, SweepPolicy::kHpa);
  EXPECT_EQ((*ResolvePolicies({"tuned-hpa:file=" + old_path}, scenarios))[0].SpecFor("gg-step"), "hpa:cpu=5");
  auto old_as_kpa = ResolvePolicies({"tuned-kpa:file=" + old_path}, scenarios);
  ASSERT_FALSE(old_as_kpa.ok());
  EXPECT_NE(old_as_kpa.status().message().find("holds hpa targets"), std::string::npos) << old_as_kpa.status().message();
  // Fractional concurrency targets round-trip; whole ones are written as integers.
  t.scenarios["gg-spike"].choice.target = 0.5;
  j = nlohmann::json::parse(TunedFileToJson(t));
  EXPECT_TRUE(j["scenarios"]["gg-step"]["target"].is_number_integer());
  EXPECT_EQ(j["scenarios"]["gg-spike"]["target"], 0.5);
  EXPECT_EQ(j["scenarios"]["gg-spike"]["policy"], "kpa:target=0.5");
  ASSERT_TRUE(WriteFileAtomically(kpa_path, TunedFileToJson(t)).ok());
  EXPECT_EQ((*ResolvePolicies({"tuned-kpa:file=" + kpa_path}, scenarios))[0].SpecFor("gg-spike"), "kpa:target=0.5");
  j.erase("kind");  // read as an HPA sweep: 0.5 is no CPU percent
  const std::string frac_path = testing::WriteText(dir + "/frac.json", j.dump());
  EXPECT_EQ(ReadTunedFile(frac_path).status().message(),
            frac_path + ": scenarios.gg-spike.target: 0.5 is not an integer target in [1, 1000] (hpa)");

  auto no_file = ResolvePolicies({"tuned-kpa"}, scenarios);
  ASSERT_FALSE(no_file.ok());
  EXPECT_NE(no_file.status().message().find("tuned-kpa needs file=PATH (tuned_kpa.json)"), std::string::npos)
      << no_file.status().message();
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
  auto j = nlohmann::json::parse(TunedFileToJson(*tuned));
  EXPECT_EQ(j["split"], "train");
  EXPECT_EQ(j["scenarios"]["gg-step"]["policy"], SpecForTarget(SweepPolicy::kHpa, ts.choice.target));
  EXPECT_EQ(j["kind"], "hpa");

  // The KPA's concurrency target: one request in flight per pod keeps more pods than 50.
  o.kind = SweepPolicy::kKpa;
  o.targets = {1, 50};
  auto kpa = RunSweep(*suite, scenarios, o);
  ASSERT_TRUE(kpa.ok()) << kpa.status().ToString();
  EXPECT_EQ(kpa->kind, SweepPolicy::kKpa);
  const TunedScenario& ks = kpa->scenarios.at("gg-step");
  ASSERT_EQ(ks.table.size(), 2u);
  EXPECT_GT(ks.table[0].cost.mean, ks.table[1].cost.mean);
  EXPECT_EQ(ks.choice.target, SelectTunedTarget(ks.table, 0.95).target);
  EXPECT_NE(FormatSweepTable(*kpa, scenarios).find("-> kpa:target="), std::string::npos);
}

}  // namespace
}  // namespace podpilot
