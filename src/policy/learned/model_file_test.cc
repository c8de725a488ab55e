#include "policy/learned/model_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>

#include "common/file_util.h"
#include "policy/learned/learned_test_util.h"
#include "sim/app_model.h"

namespace podpilot::learned {
namespace {

using testing::MakeModel;
using testing::ModelSpec;
using testing::TempPath;

void ExpectSameLayers(const std::vector<LinearLayer>& a, const std::vector<LinearLayer>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].in, b[i].in);
    EXPECT_EQ(a[i].out, b[i].out);
    EXPECT_EQ(a[i].weight, b[i].weight);
    EXPECT_EQ(a[i].bias, b[i].bias);
  }
}

TEST(ModelFileTest, RoundTripKeepsEverything) {
  for (LogitsLayout logits : {LogitsLayout::kConcat, LogitsLayout::kPerHead}) {
    ModelSpec spec;
    spec.logits = logits;
    spec.setpoint = logits == LogitsLayout::kPerHead;
    LearnedModel m = MakeModel(spec);
    m.provenance = {"ppo", 2'000'000, "gourmetgram-train", 17, 15};
    m.value_tensors["value.0.weight"] = Tensor{{1, 8}, std::vector<float>(8, 0.5f)};
    m.extra_metadata["note"] = "hello";
    const std::string path = TempPath("roundtrip.safetensors");
    ASSERT_TRUE(WriteModel(path, m).ok());
    auto r = ReadModel(path, &m.features);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->features.names, m.features.names);
    EXPECT_EQ(r->features.normalization.mean, m.features.normalization.mean);
    EXPECT_EQ(r->features.normalization.std, m.features.normalization.std);
    EXPECT_EQ(r->features.normalization.clip, m.features.normalization.clip);
    EXPECT_EQ(r->actions.mode, m.actions.mode);
    EXPECT_EQ(r->actions.deltas, m.actions.deltas);
    EXPECT_EQ(r->actions.setpoints, m.actions.setpoints);
    EXPECT_EQ(r->arch.hidden, m.arch.hidden);
    EXPECT_EQ(r->arch.heads, m.arch.heads);
    EXPECT_EQ(r->arch.logits, logits);
    EXPECT_EQ(r->arch.activation, m.arch.activation);
    ExpectSameLayers(r->hidden, m.hidden);
    ExpectSameLayers(r->heads, m.heads);
    EXPECT_EQ(r->provenance.trainer, "ppo");
    EXPECT_EQ(r->provenance.timesteps, 2'000'000);
    EXPECT_EQ(r->provenance.suite, "gourmetgram-train");
    EXPECT_EQ(r->provenance.seed, 17u);
    EXPECT_EQ(r->provenance.metrics_lag_s, 15);
    ASSERT_EQ(r->value_tensors.count("value.0.weight"), 1u);
    EXPECT_EQ(r->value_tensors["value.0.weight"].data, std::vector<float>(8, 0.5f));
    EXPECT_EQ(r->extra_metadata, (std::map<std::string, std::string>{{"note", "hello"}}));
  }
}

TEST(ModelFileTest, TensorNamesAndShapesFollowTheTorchLinearConvention) {
  ModelSpec spec;
  spec.targets = 1;
  spec.history = 0;
  spec.hidden = {4};
  const LearnedModel m = MakeModel(spec);
  auto f = ModelToSafetensors(m);
  ASSERT_TRUE(f.ok());
  std::vector<std::string> names;
  for (const auto& [n, t] : f->tensors) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"action.bias", "action.weight", "policy.0.bias", "policy.0.weight"}));
  EXPECT_EQ(f->tensors["policy.0.weight"].shape, (std::vector<int64_t>{4, 17}));  // [out, in]
  EXPECT_EQ(f->tensors["action.weight"].shape, (std::vector<int64_t>{5, 4}));
  EXPECT_EQ(f->metadata["podpilot_format_version"], "1");
  EXPECT_EQ(f->metadata["podpilot_architecture"],
            R"({"activation":"tanh","heads":[5],"hidden":[4],"input":17,"logits":"concat","type":"mlp"})");
}

// Writes `m`'s safetensors content after `edit`, reads it back and expects an error containing
// `expect` and the file name.
void ExpectRefused(const std::function<void(SafetensorsFile&)>& edit, const std::string& expect,
                   const FeatureLayout* expected_layout = nullptr) {
  ModelSpec spec;
  const LearnedModel m = MakeModel(spec);
  SafetensorsFile f = ModelToSafetensors(m).value();
  edit(f);
  const std::string path = TempPath("refused.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, f).ok());
  auto r = ReadModel(path, expected_layout);
  ASSERT_FALSE(r.ok()) << "accepted; expected: " << expect;
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(expect), std::string::npos) << r.status().message();
}

TEST(ModelFileTest, RefusesInconsistentFiles) {
  ExpectRefused([](SafetensorsFile& f) { f.tensors.erase("policy.1.bias"); }, "missing tensor 'policy.1.bias' (shape [8])");
  ExpectRefused([](SafetensorsFile& f) { f.tensors["policy.0.weight"] = Tensor{{16, 3}, std::vector<float>(48, 0.1f)}; },
                "tensor 'policy.0.weight' has shape [16, 3], the architecture needs [16, 36]");
  ExpectRefused([](SafetensorsFile& f) { f.tensors["action.weight"] = Tensor{{8, 10}, std::vector<float>(80, 0.1f)}; },
                "tensor 'action.weight' has shape [8, 10], the architecture needs [10, 8]");
  ExpectRefused([](SafetensorsFile& f) { f.tensors["critic.weight"] = Tensor{{1}, {1}}; }, "unexpected tensor 'critic.weight'");
  ExpectRefused([](SafetensorsFile& f) { f.tensors["policy.0.bias"].data[3] = std::numeric_limits<float>::quiet_NaN(); },
                "tensor 'policy.0.bias' holds a non-finite value at index 3");
  ExpectRefused([](SafetensorsFile& f) { f.metadata["podpilot_format_version"] = "2"; },
                "model format version 2 is newer than this build reads (1)");
  ExpectRefused([](SafetensorsFile& f) { f.metadata["podpilot_format_version"] = "1x"; }, "'1x', not an integer");
  ExpectRefused([](SafetensorsFile& f) { f.metadata.erase("podpilot_format_version"); },
                "not a podpilot model: metadata 'podpilot_format_version' is missing");
  ExpectRefused([](SafetensorsFile& f) { f.metadata.erase("podpilot_actions"); }, "missing metadata 'podpilot_actions'");
  ExpectRefused([](SafetensorsFile& f) { f.metadata["podpilot_architecture"] = "{\"type\":\"mlp\","; },
                "metadata podpilot_architecture: architecture: not a JSON object");
  ExpectRefused([](SafetensorsFile& f) {
                  f.metadata["podpilot_architecture"] =
                      R"({"type":"mlp","input":35,"hidden":[16,8],"activation":"tanh","logits":"concat","heads":[5,5]})";
                },
                "architecture: input is 35 but the feature layout has 36 features");
  ExpectRefused([](SafetensorsFile& f) {
                  f.metadata["podpilot_architecture"] =
                      R"({"type":"mlp","input":36,"hidden":[16,8],"activation":"gelu","logits":"concat","heads":[5,5]})";
                },
                "activation 'gelu' is not tanh or relu");
  ExpectRefused([](SafetensorsFile& f) { f.metadata["podpilot_actions"] = R"({"mode":"delta","num_targets":2,"deltas":[-1,0,1]})"; },
                "heads [5, 5] differ from the action layout's [3, 3]");
  ExpectRefused([](SafetensorsFile& f) {
                  std::string& j = f.metadata["podpilot_features"];
                  j.replace(j.find("\"version\":1"), 11, "\"version\":9");
                },
                "features version 9 is newer than this build's (1)");
  ExpectRefused([](SafetensorsFile& f) { f.metadata["podpilot_provenance"] = R"({"trainer":"ppo","metrics_lag_s":-15})"; },
                "provenance: metrics_lag_s is not a non-negative number of seconds: -15");
  ExpectRefused([](SafetensorsFile& f) { f.metadata["podpilot_provenance"] = R"({"trainer":"ppo","metrics_lag_s":"15s"})"; },
                "provenance: metrics_lag_s is not a non-negative number of seconds: \"15s\"");
}

TEST(ModelFileTest, RefusesALayoutOtherThanTheCallerExpects) {
  const FeatureLayout other = MakeFeatureLayout(2, FeatureOptions{3, 0}).value();
  ExpectRefused([](SafetensorsFile&) {}, "feature layout differs from the one expected: history 1 instead of 3", &other);
}

TEST(ModelFileTest, KeepsTheControlIntervalAndRefusesItWhereAnotherIsExpected) {
  ModelSpec spec;
  spec.control_interval_s = 30;
  const LearnedModel m = MakeModel(spec);
  const std::string path = TempPath("interval30.safetensors");
  ASSERT_TRUE(WriteModel(path, m).ok());
  auto r = ReadModel(path, &m.features);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->features.options.control_interval_s, 30);
  const LearnedModel at15 = MakeModel(ModelSpec{});
  r = ReadModel(path, &at15.features);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path + ": feature layout differs from the one expected: control_interval_s 30 s "
                                             "instead of 15 s"),
            std::string::npos)
      << r.status().message();
}

// The models shipped in models/default were trained at 15 s (most before layouts recorded the
// interval): they must load, read as 15 s, and write back the very metadata they hold. (Their replica
// scales were added to the metadata afterwards, weights untouched; they are what training used.)
TEST(ModelFileTest, ShippedModelsLoadAtFifteenSecondsAndRewriteTheirMetadataUnchanged) {
  const char* root = std::getenv("PODPILOT_SOURCE_DIR");
  const std::filesystem::path dir = std::filesystem::path(root && *root ? root : ".") / "models" / "default";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".safetensors") continue;
    ++seen;
    const std::string path = entry.path().string();
    SCOPED_TRACE(path);
    auto file = ReadSafetensors(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    auto m = ModelFromSafetensors(*file, path);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->features.options.control_interval_s, kDefaultControlIntervalS);
    EXPECT_EQ(file->metadata["podpilot_features"].find("control_interval_s"), std::string::npos);
    auto again = ModelToSafetensors(*m);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->metadata["podpilot_features"], file->metadata["podpilot_features"]);
    // Trained without a metrics lag: recorded as 0, or (trained before models recorded it) read
    // as not recorded (< 0), and written back as it was (below).
    EXPECT_LE(m->provenance.metrics_lag_s, 0);
    EXPECT_EQ(again->metadata["podpilot_provenance"], file->metadata["podpilot_provenance"]);
    // They record the bound each target had in training, the app's maxReplicas, so that an
    // operator with other bounds shows them replica counts as they learned them (features.h).
    // (An edit of an app's max would make this fail: the shipped models were trained at the old
    // one, and must be retrained — scripts/train-default-models — for the scenarios to match.)
    auto app = LoadAppByName(entry.path().stem().string());
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    ASSERT_EQ(m->features.replica_scale.size(), m->features.target_names.size());
    for (size_t i = 0; i < m->features.target_names.size(); ++i) {
      int max = -1;
      for (const ServiceModel& s : app->services) {
        if (s.name == m->features.target_names[i]) max = s.max_replicas;
      }
      EXPECT_EQ(m->features.replica_scale[i], max) << m->features.target_names[i];
    }
  }
  EXPECT_GE(seen, 3) << "expected the shipped models in " << dir;
}

TEST(ModelFileTest, RefusesDamagedBytes) {
  const LearnedModel m = MakeModel(ModelSpec{});
  const std::string path = TempPath("damaged.safetensors");
  ASSERT_TRUE(WriteModel(path, m).ok());
  const std::string bytes = ReadFile(path).value();
  ASSERT_TRUE(WriteFileAtomically(path, bytes.substr(0, bytes.size() - 100)).ok());
  auto r = ReadModel(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path + ": tensor '"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("is the file truncated?"), std::string::npos) << r.status().message();
  ASSERT_TRUE(WriteFileAtomically(path, bytes.substr(0, 200)).ok());
  r = ReadModel(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("beyond the end of the file"), std::string::npos) << r.status().message();
}

TEST(ModelFileTest, WriterRefusesAnInconsistentModel) {
  LearnedModel m = MakeModel(ModelSpec{});
  m.hidden[1].bias.pop_back();
  const std::string path = TempPath("inconsistent.safetensors");
  std::filesystem::remove(path);
  Status s = WriteModel(path, m);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("layer 'policy.1' is 8x16 with 128 weights and 7 biases, expected 8x16"), std::string::npos)
      << s.message();
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace podpilot::learned
