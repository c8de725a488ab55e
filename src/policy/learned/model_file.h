// podpilot model files: a learned policy (an MLP) with everything needed to run it, in one
// safetensors file (safetensors.h). Trainers (src/rl, libtorch) and the Stable-Baselines3
// converter (python/) write them; LearnedPolicy reads them without libtorch.
//
// Tensors (F32, PyTorch's nn.Linear convention: weight [out, in], y = x W^T + b):
//   policy.<i>.weight, policy.<i>.bias    hidden layer i = 0 .. len(hidden)-1
//   action.weight, action.bias            logits "concat": one layer of sum(heads) outputs, head h
//                                         owning the next heads[h] of them (Stable-Baselines3's
//                                         MultiDiscrete action_net)
//   action.<h>.weight, action.<h>.bias    logits "per_head": one layer per head of heads[h] outputs
//   value.*                               optional (the critic, kept for further training); loaded
//                                         and written back unchanged, ignored by inference
// No other tensor names are accepted.
//
// Metadata (__metadata__, every value a string; the structured ones are compact JSON):
//   podpilot_format_version  "1" (kModelFormatVersion)
//   podpilot_features        features.h FeatureLayoutToJson, with the normalisation arrays
//   podpilot_actions         actions.h ActionLayoutToJson
//   podpilot_architecture    {"type":"mlp","input":N,"hidden":[64,64],"activation":"tanh"|"relu",
//                             "logits":"concat"|"per_head","heads":[5,5]}
//   podpilot_provenance      {"trainer":"ppo","timesteps":1000000,"suite":"...","seed":7[,"metrics_lag_s":15]}
//   anything else            kept in LearnedModel::extra_metadata
//
// Reading refuses (naming the file and what is wrong): anything safetensors.h refuses; a missing
// or non-integer format version, or one newer than this build; missing or malformed metadata; an
// architecture whose input differs from the feature count or whose heads differ from the action
// layout; missing, unexpected or mis-shaped tensors; non-finite weights; and, when the caller
// passes the layout it expects, a different feature layout.
//
// Thread-safety: values and free functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/learned/actions.h"
#include "policy/learned/features.h"
#include "policy/learned/safetensors.h"

namespace podpilot::learned {

inline constexpr int kModelFormatVersion = 1;
inline constexpr int kMaxHiddenLayers = 16;
inline constexpr int kMaxLayerWidth = 65536;

enum class Activation { kTanh, kRelu };
enum class LogitsLayout { kConcat, kPerHead };

struct MlpArchitecture {
  int input = 0;                  // == features.size()
  std::vector<int> hidden;        // widths of the hidden layers (may be empty: a linear policy)
  Activation activation = Activation::kTanh;
  LogitsLayout logits = LogitsLayout::kConcat;
  std::vector<int> heads;         // choices per action head == actions.nvec()
};

// One fully connected layer as PyTorch's nn.Linear stores it.
struct LinearLayer {
  int in = 0, out = 0;
  std::vector<float> weight;      // [out, in], row-major
  std::vector<float> bias;        // [out]
};

struct Provenance {
  std::string trainer;            // "ppo", "dqn", "sb3-ppo", ...
  int64_t timesteps = 0;
  std::string suite;              // training suite / workloads
  uint64_t seed = 0;
  // The metrics lag (SimConfig::metrics_lag_s, whole seconds) of every training environment; < 0 =
  // not recorded (files from before the field, converters, or training scenarios with different
  // lags). Informational: a model runs at any lag, but eval and simulate warn when it differs.
  double metrics_lag_s = -1;
};

struct LearnedModel {
  FeatureLayout features;
  ActionLayout actions;
  MlpArchitecture arch;
  std::vector<LinearLayer> hidden;  // arch.hidden.size() layers
  std::vector<LinearLayer> heads;   // one layer (concat) or one per head (per_head)
  std::map<std::string, Tensor> value_tensors;  // "value.*", ignored by inference
  Provenance provenance;
  std::map<std::string, std::string> extra_metadata;
};

// The architecture for `features` and `actions` with the given hidden widths (validated as on
// read: widths in [1, kMaxLayerWidth], at most kMaxHiddenLayers).
StatusOr<MlpArchitecture> MakeMlpArchitecture(const FeatureLayout& features, const ActionLayout& actions,
                                              std::vector<int> hidden, Activation activation, LogitsLayout logits);

// Checks that `model` is self-consistent (everything reading checks). `where` prefixes errors.
Status ValidateModel(const LearnedModel& model, const std::string& where);

// Model <-> safetensors content.
StatusOr<SafetensorsFile> ModelToSafetensors(const LearnedModel& model);
// `expected` (optional): the feature layout the caller will feed; a different one is refused.
StatusOr<LearnedModel> ModelFromSafetensors(const SafetensorsFile& file, const std::string& source,
                                            const FeatureLayout* expected = nullptr);

// Validates and writes atomically.
Status WriteModel(const std::string& path, const LearnedModel& model);
StatusOr<LearnedModel> ReadModel(const std::string& path, const FeatureLayout* expected = nullptr);

// The metadata JSON of the architecture and provenance (also used by tools and tests).
std::string ArchitectureToJson(const MlpArchitecture& arch);
std::string ProvenanceToJson(const Provenance& p);

}  // namespace podpilot::learned
