// learned_example_model: writes a podpilot model file with random weights (random_model.h) and,
// optionally, a JSON dump of exactly what was written plus one forward pass, so that another
// reader (python/tools/safetensors_check.py) can be checked against this implementation.
//
//   learned_example_model --out model.safetensors [--dump expected.json] [--seed 1] [--targets 2]
//       [--history 2] [--mode delta|setpoint] [--hidden 16,8] [--activation tanh|relu]
//       [--logits concat|per_head]
//
// The dump: {"metadata": {...}, "tensors": {name: {"shape": [...], "data": [...]}},
//            "probe": {"features": [...], "logits": [...], "actions": [...]}}
// Exit status 0 on success, 1 with a message on stderr otherwise.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/rng.h"
#include "policy/learned/mlp.h"
#include "policy/learned/model_file.h"
#include "policy/learned/random_model.h"

namespace podpilot::learned {
namespace {

struct Options {
  std::string out, dump, mode = "delta", activation = "tanh", logits = "concat";
  uint64_t seed = 1;
  int targets = 2, history = 2;
  std::vector<int> hidden = {16, 8};
};

StatusOr<LearnedModel> BuildModel(const Options& o) {
  PP_ASSIGN_OR_RETURN(FeatureLayout features, MakeFeatureLayout(o.targets, FeatureOptions{o.history, 0}));
  // A non-trivial normalisation so that readers exercise it too.
  Rng rng(Rng::Derive(o.seed, 1));
  for (int i = 0; i < features.size(); ++i) {
    features.normalization.mean.push_back(static_cast<float>(rng.Uniform() - 0.5));
    features.normalization.std.push_back(static_cast<float>(0.5 + rng.Uniform()));
  }
  features.normalization.clip = 5;
  StatusOr<ActionLayout> actions = o.mode == "delta" ? MakeDeltaActions(o.targets, {-2, -1, 0, 1, 2})
                                                     : MakeSetpointActions(o.targets, {0.3, 0.5, 0.7, 0.9});
  if (!actions.ok()) return actions.status();
  PP_ASSIGN_OR_RETURN(LearnedModel model,
                      MakeRandomModel(features, *actions, o.hidden,
                                      o.activation == "relu" ? Activation::kRelu : Activation::kTanh,
                                      o.logits == "per_head" ? LogitsLayout::kPerHead : LogitsLayout::kConcat, o.seed));
  model.provenance = {"example", 12345, "learned_example_model", o.seed};
  return model;
}

Status Run(const Options& o) {
  PP_ASSIGN_OR_RETURN(LearnedModel model, BuildModel(o));
  PP_RETURN_IF_ERROR(WriteModel(o.out, model));
  if (o.dump.empty()) return Status::Ok();

  PP_ASSIGN_OR_RETURN(SafetensorsFile file, ModelToSafetensors(model));
  nlohmann::json dump;
  dump["metadata"] = file.metadata;
  for (const auto& [name, t] : file.tensors) dump["tensors"][name] = {{"shape", t.shape}, {"data", t.data}};
  // A probe input spread over (and a little beyond) each feature's range.
  Rng rng(Rng::Derive(o.seed, 2));
  std::vector<float> x;
  for (int i = 0; i < model.features.size(); ++i) {
    const double lo = model.features.low[i], hi = model.features.high[i];
    x.push_back(static_cast<float>(lo + (hi - lo) * rng.Uniform()));
  }
  PP_ASSIGN_OR_RETURN(MlpNet net, MlpNet::Create(model));
  std::vector<int32_t> actions(static_cast<size_t>(net.num_heads()));
  if (!net.Forward(x.data(), actions.data())) return InternalError("forward pass gave non-finite logits");
  dump["probe"] = {{"features", x},
                   {"logits", std::vector<double>(net.logits().data(), net.logits().data() + net.logits().size())},
                   {"actions", actions}};
  return WriteFileAtomically(o.dump, dump.dump(1));
}

}  // namespace
}  // namespace podpilot::learned

int main(int argc, char** argv) {
  podpilot::learned::Options o;
  CLI::App app{"Writes a podpilot model file with random weights (and a JSON dump of it)"};
  app.add_option("--out", o.out, "model file to write")->required();
  app.add_option("--dump", o.dump, "JSON dump of metadata, tensors and one forward pass");
  app.add_option("--seed", o.seed, "weights seed");
  app.add_option("--targets", o.targets, "number of targets")->check(CLI::Range(1, 100));
  app.add_option("--history", o.history, "feature history length")->check(CLI::Range(0, 64));
  app.add_option("--mode", o.mode, "action mode")->check(CLI::IsMember({"delta", "setpoint"}));
  app.add_option("--hidden", o.hidden, "hidden widths")->delimiter(',');
  app.add_option("--activation", o.activation, "tanh|relu")->check(CLI::IsMember({"tanh", "relu"}));
  app.add_option("--logits", o.logits, "concat|per_head")->check(CLI::IsMember({"concat", "per_head"}));
  CLI11_PARSE(app, argc, argv);
  podpilot::Status s = podpilot::learned::Run(o);
  if (!s.ok()) {
    std::cerr << "learned_example_model: " << s.ToString() << "\n";
    return 1;
  }
  return 0;
}
