#include "eval/policy_set.h"

#include <gtest/gtest.h>

#include "eval/eval_test_util.h"
#include "policy/learned/model_file.h"
#include "policy/learned/random_model.h"

namespace podpilot {
namespace {

using testing::FreshDir;
using testing::TinySuiteYaml;
using testing::WriteText;

// A valid model for GourmetGram (one service) written to `path`, trained at `lag_s` (< 0: not recorded).
void WriteGourmetgramModel(const std::string& path, double lag_s = -1) {
  auto features = learned::MakeFeatureLayout(1, learned::FeatureOptions{});
  ASSERT_TRUE(features.ok());
  auto actions = learned::MakeDeltaActions(1, {-1, 0, 1});
  ASSERT_TRUE(actions.ok());
  auto model = learned::MakeRandomModel(*features, *actions, {8}, learned::Activation::kTanh,
                                        learned::LogitsLayout::kConcat, 3);
  ASSERT_TRUE(model.ok()) << model.status().message();
  model->provenance.metrics_lag_s = lag_s;
  ASSERT_TRUE(learned::WriteModel(path, *model).ok());
}

class LearnedDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = FreshDir("suite");
    auto suite = LoadSuite(WriteText(dir + "/tiny.yaml", TinySuiteYaml()));
    ASSERT_TRUE(suite.ok()) << suite.status().message();
    suite_ = std::move(*suite);
    for (const auto& s : suite_.scenarios) scenarios_.push_back(&s);
    models_ = FreshDir("models");
  }
  Suite suite_;
  std::vector<const Scenario*> scenarios_;
  std::string models_;
};

TEST_F(LearnedDirTest, PrefersTheScenarioModelThenTheAppModel) {
  WriteGourmetgramModel(models_ + "/gourmetgram.safetensors");
  WriteGourmetgramModel(models_ + "/gg-spike.safetensors");
  auto entries = ResolvePolicies({"learned:dir=" + models_ + ",fallback=hpa"}, scenarios_);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 1u);
  const PolicyEntry& e = (*entries)[0];
  EXPECT_EQ(e.label, "learned:dir=" + models_ + ",fallback=hpa");
  EXPECT_EQ(e.SpecFor("gg-step"), "learned:model=" + models_ + "/gourmetgram.safetensors,fallback=hpa");
  EXPECT_EQ(e.SpecFor("gg-spike"), "learned:model=" + models_ + "/gg-spike.safetensors,fallback=hpa");
}

TEST_F(LearnedDirTest, MissingModelNamesBothPaths) {
  auto entries = ResolvePolicies({"learned:dir=" + models_}, scenarios_);
  ASSERT_FALSE(entries.ok());
  const std::string m = entries.status().message();
  EXPECT_NE(m.find(models_ + "/gg-step.safetensors"), std::string::npos) << m;
  EXPECT_NE(m.find(models_ + "/gourmetgram.safetensors"), std::string::npos) << m;
}

TEST_F(LearnedDirTest, BadModelFileFailsBeforeAnyRun) {
  WriteText(models_ + "/gourmetgram.safetensors", "not a model");
  auto entries = ResolvePolicies({"learned:dir=" + models_}, scenarios_);
  ASSERT_FALSE(entries.ok());
  EXPECT_NE(entries.status().message().find("gourmetgram.safetensors"), std::string::npos)
      << entries.status().message();
}

// A model run at a metrics lag other than its training one is warned about, once per file and lag,
// naming the scenarios; a model without a record is warned about only where a lag is set.
TEST_F(LearnedDirTest, WarnsWhereTheMetricsLagIsNotTheTrainingOne) {
  WriteGourmetgramModel(models_ + "/gourmetgram.safetensors", 15);
  auto entries = ResolvePolicies({"learned:dir=" + models_}, scenarios_);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ((*entries)[0].warnings.size(), 1u);
  const std::string w = (*entries)[0].warnings[0];
  EXPECT_NE(w.find("model " + models_ + "/gourmetgram.safetensors was trained at a metrics lag of 15s; scenarios "),
            std::string::npos) << w;
  for (const Scenario* s : scenarios_) EXPECT_NE(w.find("'" + s->name + "'"), std::string::npos) << w;
  EXPECT_NE(w.find("run at 0s (train one without a lag"), std::string::npos) << w;

  for (Scenario& s : suite_.scenarios) s.metrics_lag_s = 15;  // now the training lag: silent
  entries = ResolvePolicies({"learned:dir=" + models_}, scenarios_);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_TRUE((*entries)[0].warnings.empty()) << (*entries)[0].warnings[0];

  WriteGourmetgramModel(models_ + "/gourmetgram.safetensors");  // no record: silent at 0 s only
  entries = ResolvePolicies({"learned:dir=" + models_, "hpa:cpu=50"}, scenarios_);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ((*entries)[0].warnings.size(), 1u);
  EXPECT_NE((*entries)[0].warnings[0].find("does not record the metrics lag it was trained at; scenarios "),
            std::string::npos) << (*entries)[0].warnings[0];
  EXPECT_NE((*entries)[0].warnings[0].find("run at 15s (train one at that lag with podpilot train --metrics-lag 15s)"),
            std::string::npos) << (*entries)[0].warnings[0];
  EXPECT_TRUE((*entries)[1].warnings.empty());
  suite_.scenarios[0].metrics_lag_s = 0;
  entries = ResolvePolicies({"learned:dir=" + models_}, scenarios_);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ((*entries)[0].warnings.size(), 1u);
  EXPECT_EQ((*entries)[0].warnings[0].find("'" + suite_.scenarios[0].name + "'"), std::string::npos)
      << (*entries)[0].warnings[0];
}

}  // namespace
}  // namespace podpilot
