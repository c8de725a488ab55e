#include "rl/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file_util.h"
#include "policy/learned/model_file.h"
#include "rl/learning_curve.h"
#include "rl/rl_test_util.h"
#include "rl/train_driver.h"

namespace podpilot::rl {
namespace {
namespace fs = std::filesystem;

TEST(CheckpointTest, RoundTripAndOnlyTheLatestIsKept) {
  const std::string dir = testing::TempDir("ckpt") + "/checkpoint";
  CheckpointData d;
  d.update = 3;
  d.state = {{"x", 1}};
  d.blobs["net"] = std::string("\0\1\2binary", 9);
  ASSERT_TRUE(WriteCheckpoint(dir, d).ok());
  d.update = 6;
  d.state["x"] = 2;
  ASSERT_TRUE(WriteCheckpoint(dir, d).ok());
  auto r = ReadCheckpoint(dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->update, 6);
  EXPECT_EQ(r->state["x"], 2);
  EXPECT_EQ(r->blobs.at("net"), std::string("\0\1\2binary", 9));
  EXPECT_FALSE(fs::exists(dir + "/ckpt-000000003"));
  EXPECT_TRUE(fs::exists(dir + "/ckpt-000000006"));
}

TEST(CheckpointTest, MissingOrDamagedIsReported) {
  const std::string dir = testing::TempDir("ckpt_bad") + "/checkpoint";
  EXPECT_EQ(ReadCheckpoint(dir).status().code(), StatusCode::kNotFound);
  CheckpointData d;
  d.update = 1;
  d.blobs["net"] = "abcdef";
  ASSERT_TRUE(WriteCheckpoint(dir, d).ok());
  // A checkpoint directory written but not yet named by the manifest is ignored.
  fs::create_directories(dir + "/ckpt-000000002");
  EXPECT_EQ(ReadCheckpoint(dir)->update, 1);
  ASSERT_TRUE(WriteFileAtomically(dir + "/ckpt-000000001/net.bin", "abc").ok());
  auto r = ReadCheckpoint(dir);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("net.bin"), std::string::npos) << r.status().message();
}

TEST(LearningCurveTest, ResumeDropsRowsPastTheCheckpointAndTornLines) {
  const std::string path = testing::TempDir("curve") + "/c.csv";
  {
    auto c = LearningCurve::Create(path, {"m"}).value();
    for (int u = 1; u <= 5; ++u) {
      std::vector<std::string> row(9, "0");
      row[0] = std::to_string(u);
      row.push_back("1");
      ASSERT_TRUE(c->Append(row).ok());
    }
  }
  {
    std::ofstream f(path, std::ios::app);
    f << "6,0,0";  // a row torn by a crash
  }
  auto c = LearningCurve::OpenForResume(path, {"m"}, 3).value();
  std::vector<std::string> row(10, "0");
  row[0] = "4";
  ASSERT_TRUE(c->Append(row).ok());
  c.reset();
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> updates;
  std::getline(in, line);
  while (std::getline(in, line)) updates.push_back(line.substr(0, line.find(',')));
  EXPECT_EQ(updates, (std::vector<std::string>{"1", "2", "3", "4"}));
  EXPECT_FALSE(LearningCurve::OpenForResume(path, {"other"}, 3).ok());
}

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, ',')) fields.push_back(f);
    rows.push_back(fields);
  }
  return rows;
}

// A run "crashes" after update 5 with checkpoints every 2 updates (so rows 5 and the checkpoint
// 4 disagree), then resumes: the step counter continues from the checkpoint, and the curve has
// each update exactly once.
void CrashAndResume(const std::string& agent) {
  const std::string dir = testing::TempDir("resume_" + agent);
  TrainRequest r;
  r.agent = agent;
  r.suite = testing::WriteTinySuite(dir);
  r.out_dir = dir + "/run";
  r.timesteps = 9 * 2 * 32;
  r.num_envs = 2;
  r.env_threads = 1;
  r.checkpoint_every = 2;
  r.ppo.n_steps = 32;
  r.ppo.minibatch_size = 32;
  r.ppo.epochs = 1;
  r.ppo.hidden = {8};
  r.dqn.steps_per_update = 32;
  r.dqn.learning_starts = 32;
  r.dqn.buffer_size = 1000;
  r.dqn.hidden = {8};
  int64_t step_at_4 = -1;
  r.on_update = [&](const UpdateStats& s) {
    if (s.update == 4) step_at_4 = s.global_step;
    return s.update < 5;  // dies after writing update 5's row
  };
  std::FILE* devnull = std::fopen("/dev/null", "w");
  ASSERT_TRUE(RunTrainCommand(r, devnull, devnull).ok());
  EXPECT_FALSE(fs::exists(r.out_dir + "/model.safetensors"));
  EXPECT_TRUE(fs::exists(r.out_dir + "/model-latest.safetensors"));
  EXPECT_EQ(ReadCsv(r.out_dir + "/learning_curve.csv").size(), 6u);  // header + 5 rows
  // Starting again without --resume is refused: the directory holds a run.
  TrainRequest again = r;
  again.on_update = nullptr;
  EXPECT_EQ(RunTrainCommand(again, devnull, devnull).code(), StatusCode::kInvalidArgument);

  TrainRequest resume;
  resume.out_dir = r.out_dir;
  resume.resume = true;
  resume.timesteps = r.timesteps;
  resume.env_threads = 1;
  int64_t first_resumed_update = -1, first_resumed_step = -1;
  resume.on_update = [&](const UpdateStats& s) {
    if (first_resumed_update < 0) {
      first_resumed_update = s.update;
      first_resumed_step = s.global_step;
    }
    return true;
  };
  Status st = RunTrainCommand(resume, devnull, devnull);
  std::fclose(devnull);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(first_resumed_update, 5);
  EXPECT_GT(first_resumed_step, step_at_4);
  EXPECT_LE(first_resumed_step, step_at_4 + 2 * 32);
  const auto rows = ReadCsv(r.out_dir + "/learning_curve.csv");
  ASSERT_GE(rows.size(), 10u);
  int64_t prev_step = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], std::to_string(i)) << "row " << i;
    const int64_t step = std::stoll(rows[i][1]);
    EXPECT_GT(step, prev_step) << "row " << i;
    prev_step = step;
  }
  EXPECT_GE(prev_step, r.timesteps);
  auto model = learned::ReadModel(r.out_dir + "/model.safetensors");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->provenance.trainer, agent);
  EXPECT_EQ(model->provenance.timesteps, prev_step);
}

TEST(ResumeTest, PpoContinuesFromTheCheckpointWithoutDuplicatedRows) { CrashAndResume("ppo"); }
TEST(ResumeTest, DqnContinuesFromTheCheckpointWithoutDuplicatedRows) { CrashAndResume("dqn"); }

}  // namespace
}  // namespace podpilot::rl
