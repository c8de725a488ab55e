#include "rl/train_driver.h"

#include <gtest/gtest.h>

#include <filesystem>

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
  char* out_buf = nullptr;
  size_t out_len = 0;
  std::FILE* out = open_memstream(&out_buf, &out_len);
  std::FILE* devnull = std::fopen("/dev/null", "w");
  Status st = RunTrainCommand(r, out, devnull);
  std::fclose(out);
  std::fclose(devnull);
  const std::string text(out_buf, out_len);
  free(out_buf);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_NE(text.find("learned:model="), std::string::npos) << text;
  EXPECT_TRUE(fs::exists(r.out_dir + "/eval/scorecard.json"));
  auto m = learned::ReadModel(r.out_dir + "/model.safetensors");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->actions.mode, learned::ActionMode::kSetpoint);
  EXPECT_EQ(m->features.options.history, 2);
  EXPECT_FALSE(m->features.normalization.empty());
}

}  // namespace
}  // namespace podpilot::rl
