#include "rl/train_env.h"

#include <gtest/gtest.h>

#include <memory>

#include <fmt/format.h>

#include "policy/learned/learned_policy.h"
#include "policy/learned/model_file.h"
#include "rl/ppo.h"
#include "rl/rl_test_util.h"

namespace podpilot::rl {
namespace {

EnvConfig TinyAt(double control_interval_s) {
  EnvConfig c = testing::TinyEnvConfig();
  c.control_interval_s = control_interval_s;
  return c;
}

// A trainer's model records the interval its envs step at (the one its history counted in), and
// LearnedPolicy then refuses to apply it at another.
TEST(TrainEnvsTest, TheLayoutAndTheExportedModelRecordTheEnvsControlInterval) {
  TrainEnvOptions eo;
  eo.configs = {TinyAt(30), TinyAt(30)};
  eo.num_envs = 2;
  eo.threads = 1;
  eo.features.history = 2;
  eo.features.control_interval_s = 60;  // ignored: the envs' interval is the one trained at
  auto envs = TrainEnvs::Create(eo, 1);
  ASSERT_TRUE(envs.ok()) << envs.status().ToString();
  EXPECT_EQ((*envs)->feature_layout().options.control_interval_s, 30);

  PpoConfig c;
  c.hidden = {8};
  auto trainer = PpoTrainer::Create(std::move(envs).value(), c);
  ASSERT_TRUE(trainer.ok()) << trainer.status().ToString();
  auto model = (*trainer)->Export("tiny");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->features.options.control_interval_s, 30);
  auto file = learned::ModelToSafetensors(*model);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_NE(file->metadata["podpilot_features"].find("\"control_interval_s\":30"), std::string::npos)
      << file->metadata["podpilot_features"];

  auto policy = learned::MakeLearnedPolicyFromModel(*model, {});
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  PolicyContext ctx;
  ctx.control_interval_s = 15;
  (*policy)->Reset(ctx);
  auto env = Env::Create(TinyAt(15)).value();
  const Decision d = (*policy)->Decide(env->Reset(3).observation);
  EXPECT_NE(d.reason.find("model was trained at 30 s control intervals, this run decides every 15 s"), std::string::npos)
      << d.reason;
}

TEST(TrainEnvsTest, AtTheDefaultIntervalTheLayoutIsWrittenAsBefore) {
  TrainEnvOptions eo;
  eo.configs = {testing::TinyEnvConfig()};
  eo.num_envs = 1;
  eo.threads = 1;
  auto envs = TrainEnvs::Create(eo, 1);
  ASSERT_TRUE(envs.ok()) << envs.status().ToString();
  EXPECT_EQ((*envs)->feature_layout().options.control_interval_s, 15);
  EXPECT_EQ(learned::FeatureLayoutToJson((*envs)->feature_layout()).find("control_interval_s"), std::string::npos);
}

TEST(TrainEnvsTest, WorkloadsAtDifferentIntervalsAreRefused) {
  TrainEnvOptions eo;
  eo.configs = {TinyAt(15), TinyAt(30)};
  eo.num_envs = 2;
  eo.threads = 1;
  auto envs = TrainEnvs::Create(eo, 1);
  ASSERT_FALSE(envs.ok());
  EXPECT_EQ(envs.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(envs.status().message().find("train envs: workload 1 has a control interval of 30 s, workload 0 of 15 s"),
            std::string::npos)
      << envs.status().message();
}

// The model records each target's max_replicas from training, so it reads replica counts as it
// learned them wherever it runs (features.h); workloads that disagree on it are refused.
TEST(TrainEnvsTest, TheLayoutRecordsEachTargetsTrainingMaximum) {
  TrainEnvOptions eo;
  eo.configs = {testing::TinyEnvConfig()};
  eo.num_envs = 1;
  eo.threads = 1;
  const int max = eo.configs[0].app->services[0].max_replicas;
  auto envs = TrainEnvs::Create(eo, 1);
  ASSERT_TRUE(envs.ok()) << envs.status().ToString();
  EXPECT_EQ((*envs)->feature_layout().replica_scale, std::vector<int>{max});

  EnvConfig other = testing::TinyEnvConfig();
  auto app = std::make_shared<AppModel>(*other.app);
  app->services[0].max_replicas = max + 3;
  other.app = app;
  eo.configs = {testing::TinyEnvConfig(), other};
  eo.num_envs = 2;
  envs = TrainEnvs::Create(eo, 1);
  ASSERT_FALSE(envs.ok());
  EXPECT_EQ(envs.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(envs.status().message().find(fmt::format("train envs: target {} has max_replicas {} in workload 1 but {} in workload 0",
                                                     app->services[0].name, max + 3, max)),
            std::string::npos)
      << envs.status().message();
}

}  // namespace
}  // namespace podpilot::rl
