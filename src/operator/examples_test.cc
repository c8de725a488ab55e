// The PodPilotAutoscaler examples in deploy/examples are what users copy: the CRD accepts them
// (tests/deploy/run_test.sh, against a real API server), and here the operator must be able to
// act on them as written: the spec parses, and a learned policy's model decides for exactly the
// listed targets (another count falls back to the HPA rule for good), with the bounds it was
// trained with.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "operator/autoscaler_spec.h"
#include "policy/learned/model_file.h"
#include "sim/app_model.h"

namespace podpilot::op {
namespace {

using nlohmann::json;

// YAML -> JSON as the API server reads a manifest: plain scalars that parse as integers, numbers
// or booleans become those; everything else is a string.
json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = ToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : n) a.push_back(ToJson(item));
      return a;
    }
    case YAML::NodeType::Scalar: {
      if (n.Tag() == "!") return n.Scalar();  // quoted
      int64_t i;
      double d;
      bool b;
      if (YAML::convert<int64_t>::decode(n, i)) return i;
      if (YAML::convert<double>::decode(n, d)) return d;
      if (YAML::convert<bool>::decode(n, b)) return b;
      return n.Scalar();
    }
    default:
      return nullptr;
  }
}

std::filesystem::path SourceDir() {
  const char* root = std::getenv("PODPILOT_SOURCE_DIR");
  return root && *root ? std::filesystem::path(root) : std::filesystem::path(".");
}

TEST(DeployExamplesTest, TheOperatorCanActOnEveryExampleAsWritten) {
  const std::filesystem::path dir = SourceDir() / "deploy" / "examples";
  ParseOptions options;
  options.model_dir = (SourceDir() / "models" / "default").string();  // what deploy/operator mounts
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++seen;
    SCOPED_TRACE(entry.path().string());
    json object = ToJson(YAML::LoadFile(entry.path().string()));
    object["metadata"]["namespace"] = "default";  // kubectl apply -n
    auto spec = ParseAutoscalerSpec(object, options);
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    if (spec->policy_type != PolicyType::kLearned || spec->model_path.empty()) continue;
    auto model = learned::ReadModel(spec->model_path);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ(static_cast<size_t>(model->actions.num_targets), spec->targets.size())
        << "the model decides for " << model->actions.num_targets << " targets";
    // A shipped model is named after the bundled app it was trained on; its features scale each
    // target's replicas by that target's bounds, so the example must list the app's services in
    // its order with its bounds (model files record neither).
    auto app = LoadAppByName(std::filesystem::path(spec->model_path).stem().string());
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    ASSERT_EQ(app->services.size(), spec->targets.size());
    for (size_t i = 0; i < spec->targets.size(); ++i) {
      EXPECT_EQ(spec->targets[i].name, app->services[i].name) << "target " << i;
      EXPECT_EQ(spec->targets[i].min_replicas, app->services[i].min_replicas) << spec->targets[i].name;
      EXPECT_EQ(spec->targets[i].max_replicas, app->services[i].max_replicas) << spec->targets[i].name;
    }
  }
  EXPECT_GE(seen, 2);
}

}  // namespace
}  // namespace podpilot::op
