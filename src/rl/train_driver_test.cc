#include "rl/train_driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "policy/learned/model_file.h"
#include "rl/rl_test_util.h"

namespace podpilot::rl {
namespace {
namespace fs = std::filesystem;

class TrainDriverBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir("bad");
    req_.suite = testing::WriteTinySuite(dir_);
    req_.out_dir = dir_ + "/out";
    req_.timesteps = 100;
    req_.num_envs = 1;
  }
  // Runs and expects InvalidArgument mentioning `needle`, with nothing written.
  void ExpectRefused(const std::string& needle) {
    std::FILE* devnull = std::fopen("/dev/null", "w");
    Status st = RunTrainCommand(req_, devnull, devnull);
    std::fclose(devnull);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
    EXPECT_FALSE(fs::exists(req_.out_dir));
  }
  std::string dir_;
  TrainRequest req_;
};

TEST_F(TrainDriverBadInputTest, UnknownAgent) {
  req_.agent = "a2c";
  ExpectRefused("a2c");
}
TEST_F(TrainDriverBadInputTest, UnknownMode) {
  req_.mode = "absolute";
  ExpectRefused("absolute");
}
TEST_F(TrainDriverBadInputTest, UnknownScenario) {
  req_.scenario = "nope";
  ExpectRefused("nope");
}
TEST_F(TrainDriverBadInputTest, ZeroTimesteps) {
  req_.timesteps = 0;
  ExpectRefused("--timesteps 0");
}
TEST_F(TrainDriverBadInputTest, MissingSuite) {
  req_.suite = dir_ + "/missing.yaml";
  std::FILE* devnull = std::fopen("/dev/null", "w");
  EXPECT_FALSE(RunTrainCommand(req_, devnull, devnull).ok());
  std::fclose(devnull);
  EXPECT_FALSE(fs::exists(req_.out_dir));
}
TEST_F(TrainDriverBadInputTest, ResumeWithoutCheckpoint) {
  req_.resume = true;
  ExpectRefused("no checkpoint");
}
TEST_F(TrainDriverBadInputTest, BadHistory) {
  req_.history = -1;
  ExpectRefused("--history");
}

// Runs the command, capturing what it prints: `out` gets stdout, `log` stderr (either may be null).
Status RunCapturing(const TrainRequest& r, std::string* out = nullptr, std::string* log = nullptr) {
  char *out_buf = nullptr, *err_buf = nullptr;
  size_t out_len = 0, err_len = 0;
  std::FILE* out_file = open_memstream(&out_buf, &out_len);
  std::FILE* err_file = open_memstream(&err_buf, &err_len);
  Status st = RunTrainCommand(r, out_file, err_file);
  std::fclose(out_file);
  std::fclose(err_file);
  if (out != nullptr) out->assign(out_buf, out_len);
  if (log != nullptr) log->assign(err_buf, err_len);
  free(out_buf);
  free(err_buf);
  return st;
}
Status RunQuiet(const TrainRequest& r, std::string* log = nullptr) { return RunCapturing(r, nullptr, log); }

TEST(TrainDriverTest, TrainsExportsAndEvaluates) {
  const std::string dir = testing::TempDir("driver");
  TrainRequest r;
  r.suite = testing::WriteTinySuite(dir);
  r.out_dir = dir + "/out";
  r.timesteps = 256;
  r.num_envs = 2;
  r.mode = "setpoint";
  r.history = 2;
  r.eval_episodes = 1;
  r.ppo.n_steps = 64;
  r.ppo.minibatch_size = 64;
  r.ppo.epochs = 1;
  std::string text;
  Status st = RunCapturing(r, &text);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_NE(text.find("learned:model="), std::string::npos) << text;
  EXPECT_TRUE(fs::exists(r.out_dir + "/eval/scorecard.json"));
  auto m = learned::ReadModel(r.out_dir + "/model.safetensors");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->actions.mode, learned::ActionMode::kSetpoint);
  EXPECT_EQ(m->features.options.history, 2);
  EXPECT_FALSE(m->features.normalization.empty());
  // The services it decides for, in order: LearnedPolicy keeps a known one at its index.
  EXPECT_EQ(m->features.target_names, std::vector<std::string>{"gourmetgram"});
}

// Two GourmetGram scenarios (one a recorded trace) and a TeaStore one, ten minutes each.
std::string WriteMultiSuite(const std::string& dir) {
  const char* root = std::getenv("PODPILOT_SOURCE_DIR");
  const std::string trace = std::string(root ? root : ".") + "/tests/data/traces/sample_rps.csv";
  const std::string path = dir + "/multi.yaml";
  EXPECT_TRUE(WriteFileAtomically(path, "name: multi\n"
                                        "scenarios:\n"
                                        "  - {name: gg-step, app: gourmetgram, duration: 10m,\n"
                                        "     train: ['step:low=2,high=8,at=5m'], eval: ['step:low=3,high=9,at=4m']}\n"
                                        "  - {name: ts-const, app: teastore, duration: 10m,\n"
                                        "     train: ['constant:rps=30'], eval: ['constant:rps=40']}\n"
                                        "  - {name: gg-trace, app: gourmetgram, duration: 10m,\n"
                                        "     train: ['trace:csv=" + trace + ",scale=0.1'],\n"
                                        "     eval: ['trace:csv=" + trace + ",scale=0.12']}\n")
                  .ok());
  return path;
}

TrainRequest SmallRun(const std::string& dir) {
  TrainRequest r;
  r.suite = WriteMultiSuite(dir);
  r.out_dir = dir + "/out";
  r.timesteps = 128;
  r.num_envs = 2;
  r.mode = "setpoint";
  r.ppo.n_steps = 64;
  r.ppo.minibatch_size = 64;
  r.ppo.epochs = 1;
  return r;
}

TEST(TrainDriverTest, TrainsOnEveryScenarioOfAnAppWithVariationAndResumesIt) {
  const std::string dir = testing::TempDir("app");
  TrainRequest r = SmallRun(dir);
  r.app = "gourmetgram";
  r.vary_scale = 1.3;
  r.vary_offset = "1h";
  r.vary_noise = 0.1;
  r.eval_episodes = 2;
  std::string log;
  Status st = RunQuiet(r, &log);
  ASSERT_TRUE(st.ok()) << st.ToString();
  // Both GourmetGram scenarios, in suite order; the trace gets no vary_offset (and so runs).
  EXPECT_NE(log.find("gg-step,gg-trace (2 train workload(s), varied per episode: vary_scale=1.3,vary_noise=0.1,"
                     "vary_offset=1h (shapes)"),
            std::string::npos)
      << log;
  auto config = ReadFile(r.out_dir + "/train_config.json");
  ASSERT_TRUE(config.ok());
  const auto j = nlohmann::json::parse(*config);
  EXPECT_EQ(j["scenario"], "gg-step,gg-trace");
  EXPECT_EQ(j["vary"]["scale"], 1.3);
  EXPECT_EQ(j["vary"]["offset"], "1h");
  // The final evaluation covers both scenarios' EVAL workloads.
  auto card = ReadFile(r.out_dir + "/eval/scorecard.json");
  ASSERT_TRUE(card.ok());
  EXPECT_NE(card->find("gg-step"), std::string::npos);
  EXPECT_NE(card->find("gg-trace"), std::string::npos);
  EXPECT_EQ(card->find("ts-const"), std::string::npos);
  // A resumed run takes scenarios and variation from the run directory, not from the request.
  TrainRequest again;
  again.out_dir = r.out_dir;
  again.resume = true;
  again.timesteps = 256;
  ASSERT_TRUE(RunQuiet(again, &log).ok()) << log;
  EXPECT_NE(log.find("gg-step,gg-trace (2 train workload(s), varied per episode: vary_scale=1.3"), std::string::npos)
      << log;
}

TEST(TrainDriverTest, ScenarioListsOfOneAppOnly) {
  const std::string dir = testing::TempDir("apps");
  TrainRequest r = SmallRun(dir);
  r.scenario = "gg-step,ts-const";
  Status st = RunQuiet(r);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("gg-step (app gourmetgram) and ts-const (app teastore) run different applications"),
            std::string::npos)
      << st.message();
  r.scenario = "gg-trace, gg-step";  // a list in any order, spaces allowed
  EXPECT_TRUE(RunQuiet(r).ok());
}

TEST_F(TrainDriverBadInputTest, UnknownApp) {
  req_.app = "petclinic";
  ExpectRefused("--app petclinic: no scenario of suite tiny runs it (its apps: gourmetgram)");
}
TEST_F(TrainDriverBadInputTest, AppAndScenarioTogether) {
  req_.app = "gourmetgram";
  req_.scenario = "gg-constant";
  ExpectRefused("not both");
}
TEST_F(TrainDriverBadInputTest, BadVariation) {
  req_.vary_scale = 0.5;
  ExpectRefused("--vary-scale 0.5");
  req_.vary_scale = 1;
  req_.vary_noise = 3;
  ExpectRefused("--vary-noise 3");
  req_.vary_noise = 0;
  req_.vary_offset = "soon";
  ExpectRefused("--vary-offset soon");
  req_.vary_offset = "";
  req_.vary_tempo = 0.5;
  ExpectRefused("--vary-tempo 0.5");
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  for (size_t a = 0, b; a <= line.size(); a = b + 1) {
    b = line.find(',', a);
    if (b == std::string::npos) b = line.size();
    cells.push_back(line.substr(a, b - a));
  }
  return cells;
}

// The named learning-curve columns of every row.
std::vector<std::vector<double>> CurveColumns(const std::string& curve_path, const std::vector<std::string>& names) {
  std::ifstream in(curve_path);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = SplitCsvLine(line);
  std::vector<size_t> at;
  for (const auto& n : names) {
    const auto it = std::find(header.begin(), header.end(), n);
    EXPECT_NE(it, header.end()) << n << " not in " << line;
    at.push_back(it - header.begin());
  }
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = SplitCsvLine(line);
    std::vector<double> row;
    for (size_t i : at) row.push_back(i < cells.size() ? std::stod(cells[i]) : NAN);
    rows.push_back(row);
  }
  return rows;
}

// A short PPO run with an SLO target of 99.9 % and a large step (0.5) on `suite`, a checkpoint
// after every update.
TrainRequest SloTargetRun(const std::string& suite, const std::string& out_dir) {
  TrainRequest r;
  r.suite = suite;
  r.out_dir = out_dir;
  r.timesteps = 256;
  r.num_envs = 2;
  r.ppo.n_steps = 64;
  r.ppo.minibatch_size = 64;
  r.ppo.epochs = 1;
  r.checkpoint_every = 1;
  r.slo_target = 0.999;
  r.slo_target_rate = 0.5;
  return r;
}

// Resumes the run in `out_dir` (its train_config.json gives the rest) up to `timesteps`.
Status ResumeUpTo(const std::string& out_dir, int64_t timesteps) {
  TrainRequest again;
  again.out_dir = out_dir;
  again.resume = true;
  again.timesteps = timesteps;
  return RunQuiet(again);
}

TEST(TrainDriverTest, SloTargetMovesTheWeightAndResumesWithIt) {
  const std::string dir = testing::TempDir("slotarget");
  // One replica misses the SLO at first.
  const TrainRequest r = SloTargetRun(testing::WriteTinySuite(dir), dir + "/out");
  ASSERT_TRUE(RunQuiet(r).ok());
  const std::vector<std::string> cols = {"rollout_slo", "slo_weight"};
  auto rows = CurveColumns(r.out_dir + "/learning_curve.csv", cols);
  ASSERT_EQ(rows.size(), 2u);
  auto next = [&](const std::vector<double>& row) {
    const double v = std::clamp((0.999 - row[0]) / 0.001, -1.0, 1.0);
    return row[1] * std::exp(0.5 * v);
  };
  EXPECT_EQ(rows[0][1], 10);  // the first rollout runs with --slo-weight
  EXPECT_LT(rows[0][0], 0.999);
  EXPECT_NEAR(rows[1][1], next(rows[0]), 1e-4 * rows[1][1]);
  EXPECT_GT(rows[1][1], 10);
  // Resumed: the weight continues from the checkpoint, not from --slo-weight.
  ASSERT_TRUE(ResumeUpTo(r.out_dir, 384).ok());
  rows = CurveColumns(r.out_dir + "/learning_curve.csv", cols);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NEAR(rows[2][1], next(rows[1]), 1e-4 * rows[2][1]);
}

TEST(TrainDriverTest, PerWorkloadSloTargetMovesEachWeightByItsOwnWorkload) {
  const std::string dir = testing::TempDir("slotarget_workload");
  // Two train workloads: at 20 rps the initial replica misses the SLO, at 2 rps it meets it.
  const std::string suite = dir + "/two.yaml";
  ASSERT_TRUE(WriteFileAtomically(suite,
                                  "name: two\nscenarios:\n  - name: gg-two\n    app: gourmetgram\n    duration: 1h\n"
                                  "    train:\n      - constant:rps=20\n      - constant:rps=2\n"
                                  "    eval:\n      - constant:rps=10\n")
                  .ok());
  TrainRequest r = SloTargetRun(suite, dir + "/out");  // env 0 runs workload 0, env 1 workload 1
  r.slo_target_scope = "workload";
  ASSERT_TRUE(RunQuiet(r).ok());
  const std::vector<std::string> cols = {"rollout_slo_w0", "slo_weight_w0", "rollout_slo_w1", "slo_weight_w1"};
  auto rows = CurveColumns(r.out_dir + "/learning_curve.csv", cols);
  ASSERT_EQ(rows.size(), 2u);
  auto next = [](double attainment, double weight) {
    return weight * std::exp(0.5 * std::clamp((0.999 - attainment) / 0.001, -1.0, 1.0));
  };
  // The curve keeps 6 significant digits: an attainment near the target is known to 5e-7, i.e.
  // its violation to 5e-4 of the allowed shortfall, the next weight to 2.5e-4 of itself.
  constexpr double kRel = 1e-3;
  EXPECT_EQ(rows[0][1], 10);
  EXPECT_EQ(rows[0][3], 10);
  EXPECT_LT(rows[0][0], 0.999);  // the overloaded workload missed
  EXPECT_GT(rows[0][2], 0.999);  // the light one met it
  for (int k : {0, 1}) EXPECT_NEAR(rows[1][2 * k + 1], next(rows[0][2 * k], rows[0][2 * k + 1]), kRel * rows[1][2 * k + 1]);
  EXPECT_GT(rows[1][1], 10);
  EXPECT_LT(rows[1][3], 10);
  // Resumed: each weight continues from the checkpoint, and the scope from train_config.json.
  ASSERT_TRUE(ResumeUpTo(r.out_dir, 384).ok());
  rows = CurveColumns(r.out_dir + "/learning_curve.csv", cols);
  ASSERT_EQ(rows.size(), 3u);
  for (int k : {0, 1}) EXPECT_NEAR(rows[2][2 * k + 1], next(rows[1][2 * k], rows[1][2 * k + 1]), kRel * rows[2][2 * k + 1]);
}

TEST_F(TrainDriverBadInputTest, BadPeakWindow) {
  req_.peak_window = -4;
  ExpectRefused("--peak-window -4");
}

TEST_F(TrainDriverBadInputTest, BadSloTargetScope) {
  req_.slo_target = 0.99;
  req_.slo_target_scope = "day";
  ExpectRefused("--slo-target-scope 'day'");
}

TEST_F(TrainDriverBadInputTest, BadSloTarget) {
  req_.slo_target = 1.5;
  ExpectRefused("--slo-target 1.5");
}

TEST(TrainDriverTest, InitActionBecomesThePpoInitialChoiceAndResumesWithTheActionLayout) {
  const std::string dir = testing::TempDir("initaction");
  TrainRequest r = SloTargetRun(testing::WriteTinySuite(dir), dir + "/out");
  r.slo_target = 0;
  r.mode = "setpoint";
  r.setpoints = {0.3, 0.5, 0.6, 0.7, 0.9};
  r.init_action = 0.7;
  r.init_action_prob = 0.8;
  r.scale_down_window_s = 300;
  r.timesteps = 128;
  ASSERT_TRUE(RunQuiet(r).ok());
  std::ifstream in(r.out_dir + "/train_config.json");
  const auto config = nlohmann::json::parse(in);
  EXPECT_EQ(config.at("ppo").at("initial_choice").get<int>(), 3);
  EXPECT_DOUBLE_EQ(config.at("ppo").at("initial_choice_prob").get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(config.at("scale_down_window_s").get<double>(), 300);
  ASSERT_TRUE(ResumeUpTo(r.out_dir, 256).ok());
  EXPECT_EQ(CurveColumns(r.out_dir + "/learning_curve.csv", {"rollout_slo"}).size(), 2u);
  // The resumed run kept the five setpoints and the scale-down window; the model file records them.
  auto model = learned::ReadModel(r.out_dir + "/model.safetensors");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->actions.setpoints, r.setpoints);
  EXPECT_EQ(model->actions.scale_down_window_s, 300);
}

// --metrics-lag applies to the run's scenarios (its final evaluation records the lag it ran
// with, from the same scenarios the training environments were built from) and is kept in
// train_config.json, which a resumed run reads it back from.
TEST(TrainDriverTest, MetricsLagReachesTheScenariosAndTheRunDefinition) {
  const std::string dir = testing::TempDir("metricslag");
  TrainRequest r = SloTargetRun(testing::WriteTinySuite(dir), dir + "/lagged");
  r.slo_target = 0;
  r.timesteps = 128;
  r.eval_episodes = 1;
  r.metrics_lag = "45s";
  ASSERT_TRUE(RunQuiet(r).ok());
  std::ifstream in(r.out_dir + "/train_config.json");
  EXPECT_EQ(nlohmann::json::parse(in).at("metrics_lag").get<std::string>(), "45s");
  std::ifstream card(r.out_dir + "/eval/scorecard.json");
  EXPECT_EQ(nlohmann::json::parse(card).at("scenarios").at(0).at("metrics_lag_s").get<double>(), 45);
  // The model records it (eval and simulate warn when it runs at another).
  for (const char* file : {"/model.safetensors", "/model-latest.safetensors"}) {
    auto model = learned::ReadModel(r.out_dir + file);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ(model->provenance.metrics_lag_s, 45) << file;
  }
  // The resumed run reads the lag back from train_config.json: its own final evaluation has it.
  std::filesystem::remove(r.out_dir + "/eval/scorecard.json");
  TrainRequest again;
  again.out_dir = r.out_dir;
  again.resume = true;
  again.timesteps = 256;
  again.eval_episodes = 1;
  ASSERT_TRUE(RunQuiet(again).ok());
  std::ifstream card2(r.out_dir + "/eval/scorecard.json");
  EXPECT_EQ(nlohmann::json::parse(card2).at("scenarios").at(0).at("metrics_lag_s").get<double>(), 45);
  auto resumed = learned::ReadModel(r.out_dir + "/model.safetensors");
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->provenance.metrics_lag_s, 45);
}

// --dqn-n-step and --dqn-dueling: kept in the run definition, so a resumed run rebuilds the same
// (dueling) network its checkpoint holds; the export folds the dueling head into one layer.
TEST(TrainDriverTest, DqnNStepAndDuelingReachTheRunDefinitionAndResume) {
  const std::string dir = testing::TempDir("dqnext");
  TrainRequest r;
  r.suite = testing::WriteTinySuite(dir);
  r.out_dir = dir + "/out";
  r.agent = "dqn";
  r.mode = "setpoint";
  r.num_envs = 2;
  r.timesteps = 128;
  r.dqn.n_step = 3;
  r.dqn.dueling = true;
  r.dqn.learning_starts = 16;
  r.dqn.steps_per_update = 16;
  ASSERT_TRUE(RunQuiet(r).ok());
  std::ifstream in(r.out_dir + "/train_config.json");
  const auto dqn = nlohmann::json::parse(in).at("dqn");
  EXPECT_EQ(dqn.at("n_step").get<int>(), 3);
  EXPECT_TRUE(dqn.at("dueling").get<bool>());
  TrainRequest again;  // n_step 1, no dueling: the run definition wins
  again.out_dir = r.out_dir;
  again.resume = true;
  again.timesteps = 256;
  ASSERT_TRUE(RunQuiet(again).ok());
  auto model = learned::ReadModel(r.out_dir + "/model.safetensors");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->actions.mode, learned::ActionMode::kSetpoint);
}

TEST_F(TrainDriverBadInputTest, DqnOptionsForPpo) {
  req_.dqn.n_step = 3;
  ExpectRefused("--dqn-n-step and --dqn-dueling apply to --agent dqn, not ppo");
  req_.dqn.n_step = 1;
  req_.dqn.dueling = true;
  ExpectRefused("--dqn-n-step and --dqn-dueling apply to --agent dqn, not ppo");
}

TEST_F(TrainDriverBadInputTest, BadMetricsLag) {
  req_.metrics_lag = "-2s";
  ExpectRefused("train: --metrics-lag '-2s': expected whole seconds in [0s, 10m]");
}

TEST_F(TrainDriverBadInputTest, InitActionNotAnAction) {
  req_.mode = "setpoint";
  req_.init_action = 0.4;
  ExpectRefused("--init-action 0.4: not one of the setpoint mode's actions (0.3, 0.5, 0.7, 0.9)");
}

TEST_F(TrainDriverBadInputTest, SetpointsTwiceOrOutOfRangeOrInDeltaMode) {
  req_.mode = "setpoint";
  req_.setpoints = {0.5, 0.7, 0.5};
  ExpectRefused("--setpoints: actions: setpoint 0.5 appears twice");
  req_.setpoints = {0.5, 0};
  ExpectRefused("setpoint 0 is outside (0, 10]");
  req_.mode = "delta";
  req_.setpoints = {0.5};
  ExpectRefused("--setpoints applies to --mode setpoint, not delta");
}

TEST_F(TrainDriverBadInputTest, ScaleDownWindowOutOfRangeOrInDeltaMode) {
  req_.mode = "setpoint";
  req_.scale_down_window_s = 7200;
  ExpectRefused("--scale-down-window: actions: scale_down_window_s must be in [0, 3600] seconds, got 7200");
  req_.mode = "delta";
  req_.scale_down_window_s = 300;
  ExpectRefused("--scale-down-window applies to --mode setpoint, not delta");
}

TEST_F(TrainDriverBadInputTest, InitActionForDqn) {
  req_.agent = "dqn";
  req_.init_action = 0;
  ExpectRefused("--init-action applies to --agent ppo");
}

TEST_F(TrainDriverBadInputTest, InitActionProbability) {
  req_.init_action = 0;
  req_.init_action_prob = 1;
  ExpectRefused("--init-action-prob 1");
}

}  // namespace
}  // namespace podpilot::rl
