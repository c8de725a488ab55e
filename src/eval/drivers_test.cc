// End to end: `podpilot eval` and `podpilot sweep` as the CLI runs them (eval/drivers.h), on the
// tiny suite, checking the files they write.
#include "eval/drivers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "eval/eval_test_util.h"

namespace podpilot {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;

struct Captured {
  Status status;
  std::string out;
};

template <typename Request, typename Fn>
Captured Capture(const Request& req, Fn fn) {
  std::FILE* out = std::tmpfile();
  Captured c;
  c.status = fn(req, out, nullptr);
  std::rewind(out);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, out)) > 0) c.out.append(buf, n);
  std::fclose(out);
  return c;
}

class DriversTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshDir("drivers");
    suite_ = testing::WriteText(dir_ + "/suite.yaml", testing::TinySuiteYaml());
  }
  std::string dir_, suite_;
};

TEST_F(DriversTest, EvalWritesScorecardJsonCsvAndSeries) {
  EvalRequest req;
  req.suite = suite_;
  req.policies = {"static", "hpa:cpu=50,behavior=default"};
  req.seeds = 2;
  req.out_dir = dir_ + "/out";
  req.threads = 2;
  Captured c = Capture(req, RunEvalCommand);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();

  auto j = nlohmann::json::parse(Slurp(req.out_dir + "/scorecard.json"));
  EXPECT_EQ(j["split"], "eval");
  EXPECT_EQ(j["seeds"], 2);
  ASSERT_EQ(j["results"].size(), 4u);  // 2 scenarios x 2 policies
  ASSERT_EQ(j["runs"].size(), 12u);    // (2 + 1) workloads x 2 policies x 2 seeds
  for (const auto& row : j["results"]) {
    for (const char* k : {"cost", "pod_hours", "slo_attainment", "interval_slo_attainment", "p95_ms", "scaling_actions"}) {
      ASSERT_TRUE(row[k].is_object()) << k;
      EXPECT_LE(row[k]["ci95_low"].get<double>(), row[k]["mean"].get<double>()) << k;
      EXPECT_GE(row[k]["ci95_high"].get<double>(), row[k]["mean"].get<double>()) << k;
    }
    EXPECT_GT(row["cost"]["mean"].get<double>(), 0);
    // Working set over the memory request: above 0 (pods hold their base memory), a fraction of it.
    EXPECT_GT(row["memory_utilization"]["mean"].get<double>(), 0.05);
    EXPECT_LT(row["memory_utilization"]["mean"].get<double>(), 1.5);
    EXPECT_TRUE(row.contains("lower_bound_cost"));
    EXPECT_TRUE(row.contains("cost_ratio"));
  }
  // Common random numbers: every policy's run i of a workload has the same seed and arrivals.
  std::map<std::string, std::pair<uint64_t, double>> by_run;
  for (const auto& r : j["runs"]) {
    const std::string key = r["scenario"].get<std::string>() + "|" + r["workload"].get<std::string>() + "|" +
                            std::to_string(r["seed_index"].get<int>());
    auto [it, fresh] = by_run.emplace(key, std::make_pair(r["seed"].get<uint64_t>(), r["requests"].get<double>()));
    if (!fresh) {
      EXPECT_EQ(it->second.first, r["seed"].get<uint64_t>()) << key;
      EXPECT_EQ(it->second.second, r["requests"].get<double>()) << key;
    }
    if (!r["lower_bound_cost"].is_null()) {
      EXPECT_DOUBLE_EQ(r["cost_ratio"].get<double>(), r["cost"].get<double>() / r["lower_bound_cost"].get<double>());
    }
    if (r["seed_index"] == 0) {
      EXPECT_TRUE(fs::exists(req.out_dir + "/" + r["series"].get<std::string>())) << r["series"];
    } else {
      EXPECT_TRUE(r["series"].is_null());
    }
  }
  EXPECT_EQ(by_run.size(), 6u);

  const std::string csv = Slurp(req.out_dir + "/scorecard.csv");
  EXPECT_EQ(csv.rfind("scenario,policy,split,seeds,workloads,cost_mean,cost_ci95_low,cost_ci95_high,", 0), 0u);
  EXPECT_NE(csv.find(",memory_utilization_mean,memory_utilization_ci95_low,memory_utilization_ci95_high\n"),
            std::string::npos);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
  EXPECT_NE(csv.find("\"gg-spike\",\"hpa:cpu=50,behavior=default\",eval,2,1,"), std::string::npos) << csv;

  EXPECT_NE(c.out.find("gg-step"), std::string::npos);
  EXPECT_NE(c.out.find("SLO attainment"), std::string::npos);
  EXPECT_NE(c.out.find("s wall"), std::string::npos);
  // No temporary files left behind by the atomic writes.
  for (const auto& e : fs::directory_iterator(req.out_dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
}

TEST_F(DriversTest, BadInputFailsBeforeAnyRunOrFile) {
  EvalRequest req;
  req.suite = suite_;
  req.out_dir = dir_ + "/bad";
  const struct { std::vector<std::string> policies; std::vector<std::string> scenarios; std::string split; const char* expect; } cases[] = {
      {{"static", "nosuch"}, {}, "eval", "nosuch"},
      {{"hpa:cpu=abc"}, {}, "eval", "cpu"},
      {{}, {}, "eval", "no policies"},
      {{"static"}, {"gg-nope"}, "eval", "gg-nope"},
      {{"static"}, {}, "test", "split"},
  };
  for (const auto& c : cases) {
    req.policies = c.policies;
    req.scenarios = c.scenarios;
    req.split = c.split;
    Captured r = Capture(req, RunEvalCommand);
    ASSERT_FALSE(r.status.ok()) << c.expect;
    EXPECT_NE(r.status.message().find(c.expect), std::string::npos) << r.status.message();
    EXPECT_FALSE(fs::exists(req.out_dir + "/scorecard.json"));
  }
  req.policies = {"static"};
  req.split = "eval";
  req.scenarios = {};
  req.suite = dir_ + "/missing.yaml";
  EXPECT_FALSE(Capture(req, RunEvalCommand).status.ok());
}

TEST_F(DriversTest, SweepThenEvalWithTheTunedHpa) {
  SweepRequest sw;
  sw.suite = suite_;
  sw.targets = "40,...,80";  // refused: '...' needs two targets before it
  sw.seeds = 1;
  sw.out_dir = dir_ + "/tune";
  EXPECT_FALSE(Capture(sw, RunSweepCommand).status.ok());
  sw.targets = "40,60,...,80";
  Captured s = Capture(sw, RunSweepCommand);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_NE(s.out.find("gg-spike"), std::string::npos);
  auto tuned = nlohmann::json::parse(Slurp(sw.out_dir + "/tuned_hpa.json"));
  EXPECT_EQ(tuned["targets"], nlohmann::json::array({40, 60, 80}));

  EvalRequest ev;
  ev.suite = suite_;
  ev.policies = {"tuned-hpa:file=" + sw.out_dir + "/tuned_hpa.json"};
  ev.seeds = 1;
  ev.out_dir = dir_ + "/tuned_eval";
  ev.series = "none";
  Captured e = Capture(ev, RunEvalCommand);
  ASSERT_TRUE(e.status.ok()) << e.status.ToString();
  auto j = nlohmann::json::parse(Slurp(ev.out_dir + "/scorecard.json"));
  for (const auto& r : j["runs"]) {
    const std::string expected = "hpa:cpu=" + std::to_string(tuned["scenarios"][r["scenario"].get<std::string>()]["target"].get<int>());
    EXPECT_EQ(r["policy_spec"], expected);
    EXPECT_TRUE(r["series"].is_null());
  }
  EXPECT_FALSE(fs::exists(ev.out_dir + "/runs"));

  // The KPA: tuned_kpa.json beside it, and eval runs "kpa:target=T" per scenario.
  sw.policy = "kpa";
  sw.targets = "0.5,50";  // Knative's target is any number >= 0.01
  Captured k = Capture(sw, RunSweepCommand);
  ASSERT_TRUE(k.status.ok()) << k.status.ToString();
  EXPECT_NE(k.out.find("KPA concurrency-target sweep"), std::string::npos) << k.out;
  EXPECT_NE(k.out.find("tuned-kpa:file=" + sw.out_dir + "/tuned_kpa.json"), std::string::npos) << k.out;
  auto tuned_kpa = nlohmann::json::parse(Slurp(sw.out_dir + "/tuned_kpa.json"));
  EXPECT_EQ(tuned_kpa["kind"], "kpa");
  ev.policies = {"tuned-kpa:file=" + sw.out_dir + "/tuned_kpa.json"};
  ev.out_dir = dir_ + "/tuned_kpa_eval";
  Captured ke = Capture(ev, RunEvalCommand);
  ASSERT_TRUE(ke.status.ok()) << ke.status.ToString();
  auto kj = nlohmann::json::parse(Slurp(ev.out_dir + "/scorecard.json"));
  for (const auto& r : kj["runs"]) {
    const double target = tuned_kpa["scenarios"][r["scenario"].get<std::string>()]["target"].get<double>();
    ASSERT_TRUE(target == 0.5 || target == 50) << target;
    EXPECT_EQ(r["policy_spec"], target == 0.5 ? "kpa:target=0.5" : "kpa:target=50");
  }

  // KEDA: tuned_keda.json, and eval runs its request-rate trigger at the chosen threshold per scenario.
  sw.policy = "keda";
  sw.targets = "2,400";
  Captured kd = Capture(sw, RunSweepCommand);
  ASSERT_TRUE(kd.status.ok()) << kd.status.ToString();
  EXPECT_NE(kd.out.find("KEDA request-rate-threshold sweep"), std::string::npos) << kd.out;
  auto tuned_keda = nlohmann::json::parse(Slurp(sw.out_dir + "/tuned_keda.json"));
  EXPECT_EQ(tuned_keda["kind"], "keda");
  ev.policies = {"tuned-keda:file=" + sw.out_dir + "/tuned_keda.json"};
  ev.out_dir = dir_ + "/tuned_keda_eval";
  Captured kde = Capture(ev, RunEvalCommand);
  ASSERT_TRUE(kde.status.ok()) << kde.status.ToString();
  const auto keda_card = nlohmann::json::parse(Slurp(ev.out_dir + "/scorecard.json"));
  for (const auto& r : keda_card["runs"]) {
    const double target = tuned_keda["scenarios"][r["scenario"].get<std::string>()]["target"].get<double>();
    ASSERT_TRUE(target == 2 || target == 400) << target;
    EXPECT_EQ(r["policy_spec"], target == 2 ? "keda:metric=request_rate,threshold=2,min=1"
                                            : "keda:metric=request_rate,threshold=400,min=1");
  }
  // A KEDA tuning is not an HPA one.
  ev.policies = {"tuned-hpa:file=" + sw.out_dir + "/tuned_keda.json"};
  EXPECT_NE(Capture(ev, RunEvalCommand).status.message().find("holds keda targets (use tuned-keda:file=...)"),
            std::string::npos);

  sw.policy = "vpa";
  Captured bad = Capture(sw, RunSweepCommand);
  EXPECT_EQ(bad.status.message(), "--policy: 'vpa': unknown (known: hpa, kpa, keda)");
}

// --metrics-lag: the HPA sees its samples later and decides differently; the lag is recorded in the
// scorecard; a tuning made without the lag is refused under it (its fingerprint differs), and one
// made at the same lag is accepted.
TEST_F(DriversTest, MetricsLagChangesTheRunsAndMustMatchTheTuning) {
  EvalRequest ev;
  ev.suite = suite_;
  ev.policies = {"hpa:cpu=50,behavior=default"};
  ev.seeds = 1;
  ev.series = "none";
  ev.out_dir = dir_ + "/no_lag";
  ASSERT_TRUE(Capture(ev, RunEvalCommand).status.ok());
  ev.metrics_lag = "45s";
  ev.out_dir = dir_ + "/lag";
  Captured lagged = Capture(ev, RunEvalCommand);
  ASSERT_TRUE(lagged.status.ok()) << lagged.status.ToString();
  EXPECT_NE(lagged.out.find("metrics lag 45s"), std::string::npos) << lagged.out;
  auto a = nlohmann::json::parse(Slurp(dir_ + "/no_lag/scorecard.json"));
  auto b = nlohmann::json::parse(Slurp(dir_ + "/lag/scorecard.json"));
  EXPECT_EQ(a["scenarios"][0]["metrics_lag_s"], 0);
  EXPECT_EQ(b["scenarios"][0]["metrics_lag_s"], 45);
  int differ = 0;
  for (size_t i = 0; i < a["runs"].size(); ++i) differ += a["runs"][i]["cost"] != b["runs"][i]["cost"];
  EXPECT_GT(differ, 0) << "a 45 s lag changed no run";

  SweepRequest sw;
  sw.suite = suite_;
  sw.targets = "50,70";
  sw.seeds = 1;
  sw.out_dir = dir_ + "/tune";
  ASSERT_TRUE(Capture(sw, RunSweepCommand).status.ok());
  ev.policies = {"tuned-hpa:file=" + sw.out_dir + "/tuned_hpa.json"};
  ev.out_dir = dir_ + "/stale";
  Captured stale = Capture(ev, RunEvalCommand);
  ASSERT_FALSE(stale.status.ok());
  EXPECT_NE(stale.status.message().find("metrics lag"), std::string::npos) << stale.status.message();
  EXPECT_FALSE(fs::exists(ev.out_dir + "/scorecard.json"));
  sw.metrics_lag = "45s";
  sw.out_dir = dir_ + "/tune_lag";
  ASSERT_TRUE(Capture(sw, RunSweepCommand).status.ok());
  ev.policies = {"tuned-hpa:file=" + sw.out_dir + "/tuned_hpa.json"};
  ev.out_dir = dir_ + "/fresh";
  Captured fresh = Capture(ev, RunEvalCommand);
  EXPECT_TRUE(fresh.status.ok()) << fresh.status.ToString();

  ev.metrics_lag = "-1s";
  Captured bad = Capture(ev, RunEvalCommand);
  EXPECT_NE(bad.status.message().find("--metrics-lag '-1s'"), std::string::npos) << bad.status.message();
}

}  // namespace
}  // namespace podpilot
