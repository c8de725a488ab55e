#include "policy/learned/model_file.h"

#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace podpilot::learned {
namespace {

using nlohmann::json;

constexpr const char* kKeyVersion = "podpilot_format_version";
constexpr const char* kKeyFeatures = "podpilot_features";
constexpr const char* kKeyActions = "podpilot_actions";
constexpr const char* kKeyArch = "podpilot_architecture";
constexpr const char* kKeyProvenance = "podpilot_provenance";

std::string ShapeString(const std::vector<int64_t>& s) { return "[" + fmt::format("{}", fmt::join(s, ", ")) + "]"; }

struct ExpectedLayer {
  std::string prefix;  // "policy.0", "action", "action.1"
  int in, out;
};

// The layers the architecture needs, in forward order: hidden layers, then the head layer(s).
std::vector<ExpectedLayer> ExpectedLayers(const MlpArchitecture& a) {
  std::vector<ExpectedLayer> out;
  int in = a.input;
  for (size_t i = 0; i < a.hidden.size(); ++i) {
    out.push_back({fmt::format("policy.{}", i), in, a.hidden[i]});
    in = a.hidden[i];
  }
  if (a.logits == LogitsLayout::kConcat) {
    int total = 0;
    for (int h : a.heads) total += h;
    out.push_back({"action", in, total});
  } else {
    for (size_t h = 0; h < a.heads.size(); ++h) out.push_back({fmt::format("action.{}", h), in, a.heads[h]});
  }
  return out;
}

Status CheckArchitecture(const MlpArchitecture& a, const FeatureLayout& f, const ActionLayout& act, const std::string& where) {
  auto bad = [&](const std::string& what) { return InvalidArgumentError(where + ": architecture: " + what); };
  if (a.input != f.size()) {
    return bad(fmt::format("input is {} but the feature layout has {} features", a.input, f.size()));
  }
  if (static_cast<int>(a.hidden.size()) > kMaxHiddenLayers) {
    return bad(fmt::format("{} hidden layers (at most {})", a.hidden.size(), kMaxHiddenLayers));
  }
  for (size_t i = 0; i < a.hidden.size(); ++i) {
    if (a.hidden[i] < 1 || a.hidden[i] > kMaxLayerWidth) {
      return bad(fmt::format("hidden[{}] = {} is outside [1, {}]", i, a.hidden[i], kMaxLayerWidth));
    }
  }
  if (a.heads != act.nvec()) {
    return bad(fmt::format("heads [{}] differ from the action layout's [{}]", fmt::join(a.heads, ", "),
                           fmt::join(act.nvec(), ", ")));
  }
  if (f.num_targets != act.num_targets) {
    return bad(fmt::format("the feature layout has {} targets but the action layout {}", f.num_targets, act.num_targets));
  }
  return Status::Ok();
}

Status CheckFinite(const std::string& where, const std::string& name, const std::vector<float>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) return InvalidArgumentError(fmt::format("{}: tensor '{}' holds a non-finite value at index {}", where, name, i));
  }
  return Status::Ok();
}

StatusOr<MlpArchitecture> ArchitectureFromJson(const std::string& text, const std::string& where) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& what) { return InvalidArgumentError(where + ": architecture: " + what); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("type") || j["type"] != "mlp") return bad("type must be \"mlp\", got " + (j.contains("type") ? j["type"].dump() : "nothing"));
  for (const char* f : {"input", "hidden", "activation", "logits", "heads"}) {
    if (!j.contains(f)) return bad(std::string("missing field '") + f + "'");
  }
  MlpArchitecture a;
  if (!j["input"].is_number_integer()) return bad("input is not an integer: " + j["input"].dump());
  a.input = j["input"].get<int>();
  for (const char* f : {"hidden", "heads"}) {
    if (!j[f].is_array()) return bad(std::string(f) + " is not an array");
    for (const json& v : j[f]) {
      if (!v.is_number_integer()) return bad(std::string(f) + " holds a non-integer: " + v.dump());
      (std::string(f) == "hidden" ? a.hidden : a.heads).push_back(v.get<int>());
    }
  }
  const std::string act = j["activation"].is_string() ? j["activation"].get<std::string>() : j["activation"].dump();
  if (act == "tanh") a.activation = Activation::kTanh;
  else if (act == "relu") a.activation = Activation::kRelu;
  else return bad("activation '" + act + "' is not tanh or relu");
  const std::string logits = j["logits"].is_string() ? j["logits"].get<std::string>() : j["logits"].dump();
  if (logits == "concat") a.logits = LogitsLayout::kConcat;
  else if (logits == "per_head") a.logits = LogitsLayout::kPerHead;
  else return bad("logits '" + logits + "' is not concat or per_head");
  return a;
}

StatusOr<Provenance> ProvenanceFromJson(const std::string& text, const std::string& where) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& what) { return InvalidArgumentError(where + ": provenance: " + what); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  Provenance p;
  if (j.contains("trainer")) {
    if (!j["trainer"].is_string()) return bad("trainer is not a string");
    p.trainer = j["trainer"].get<std::string>();
  }
  if (j.contains("suite")) {
    if (!j["suite"].is_string()) return bad("suite is not a string");
    p.suite = j["suite"].get<std::string>();
  }
  if (j.contains("timesteps")) {
    if (!j["timesteps"].is_number_integer() || j["timesteps"].get<int64_t>() < 0) return bad("timesteps is not a non-negative integer");
    p.timesteps = j["timesteps"].get<int64_t>();
  }
  if (j.contains("seed")) {
    if (!j["seed"].is_number_unsigned()) return bad("seed is not a non-negative integer");
    p.seed = j["seed"].get<uint64_t>();
  }
  if (j.contains("metrics_lag_s")) {
    const json& lag = j["metrics_lag_s"];
    if (!lag.is_number() || !(lag.get<double>() >= 0) || !std::isfinite(lag.get<double>())) {
      return bad("metrics_lag_s is not a non-negative number of seconds: " + lag.dump());
    }
    p.metrics_lag_s = lag.get<double>();
  }
  return p;
}

const std::string& Metadata(const SafetensorsFile& file, const char* key, const std::string& source, Status* status) {
  static const std::string kEmpty;
  auto it = file.metadata.find(key);
  if (it == file.metadata.end()) {
    *status = InvalidArgumentError(fmt::format("{}: missing metadata '{}'", source, key));
    return kEmpty;
  }
  return it->second;
}

}  // namespace

std::string ArchitectureToJson(const MlpArchitecture& a) {
  return json{{"type", "mlp"},
              {"input", a.input},
              {"hidden", a.hidden},
              {"activation", a.activation == Activation::kTanh ? "tanh" : "relu"},
              {"logits", a.logits == LogitsLayout::kConcat ? "concat" : "per_head"},
              {"heads", a.heads}}
      .dump();
}

std::string ProvenanceToJson(const Provenance& p) {
  json j{{"trainer", p.trainer}, {"timesteps", p.timesteps}, {"suite", p.suite}, {"seed", p.seed}};
  if (p.metrics_lag_s >= 0) j["metrics_lag_s"] = p.metrics_lag_s;  // absent: not recorded
  return j.dump();
}

StatusOr<MlpArchitecture> MakeMlpArchitecture(const FeatureLayout& features, const ActionLayout& actions,
                                              std::vector<int> hidden, Activation activation, LogitsLayout logits) {
  MlpArchitecture a;
  a.input = features.size();
  a.hidden = std::move(hidden);
  a.activation = activation;
  a.logits = logits;
  a.heads = actions.nvec();
  PP_RETURN_IF_ERROR(CheckArchitecture(a, features, actions, "model"));
  return a;
}

Status ValidateModel(const LearnedModel& m, const std::string& where) {
  PP_RETURN_IF_ERROR(CheckArchitecture(m.arch, m.features, m.actions, where));
  const FeatureNormalization& n = m.features.normalization;
  if (!n.empty() && (static_cast<int>(n.mean.size()) != m.features.size() || n.std.size() != n.mean.size())) {
    return InvalidArgumentError(fmt::format("{}: normalization has {} means and {} stds for {} features", where,
                                            n.mean.size(), n.std.size(), m.features.size()));
  }
  const std::vector<ExpectedLayer> layers = ExpectedLayers(m.arch);
  const size_t num_hidden = m.arch.hidden.size();
  if (m.hidden.size() != num_hidden || m.hidden.size() + m.heads.size() != layers.size()) {
    return InvalidArgumentError(fmt::format("{}: {} hidden and {} head layers, the architecture needs {} and {}", where,
                                            m.hidden.size(), m.heads.size(), num_hidden, layers.size() - num_hidden));
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    const LinearLayer& l = i < num_hidden ? m.hidden[i] : m.heads[i - num_hidden];
    const ExpectedLayer& e = layers[i];
    if (l.in != e.in || l.out != e.out || l.weight.size() != static_cast<size_t>(e.in) * e.out ||
        l.bias.size() != static_cast<size_t>(e.out)) {
      return InvalidArgumentError(fmt::format("{}: layer '{}' is {}x{} with {} weights and {} biases, expected {}x{}", where,
                                              e.prefix, l.out, l.in, l.weight.size(), l.bias.size(), e.out, e.in));
    }
    PP_RETURN_IF_ERROR(CheckFinite(where, e.prefix + ".weight", l.weight));
    PP_RETURN_IF_ERROR(CheckFinite(where, e.prefix + ".bias", l.bias));
  }
  for (const auto& [name, t] : m.value_tensors) {
    if (name.rfind("value.", 0) != 0) {
      return InvalidArgumentError(fmt::format("{}: value tensor '{}' must be named 'value.*'", where, name));
    }
  }
  return Status::Ok();
}

StatusOr<SafetensorsFile> ModelToSafetensors(const LearnedModel& m) {
  PP_RETURN_IF_ERROR(ValidateModel(m, "model"));
  SafetensorsFile f;
  f.metadata = m.extra_metadata;
  f.metadata[kKeyVersion] = std::to_string(kModelFormatVersion);
  f.metadata[kKeyFeatures] = FeatureLayoutToJson(m.features);
  f.metadata[kKeyActions] = ActionLayoutToJson(m.actions);
  f.metadata[kKeyArch] = ArchitectureToJson(m.arch);
  f.metadata[kKeyProvenance] = ProvenanceToJson(m.provenance);
  const std::vector<ExpectedLayer> layers = ExpectedLayers(m.arch);
  for (size_t i = 0; i < layers.size(); ++i) {
    const LinearLayer& l = i < m.hidden.size() ? m.hidden[i] : m.heads[i - m.hidden.size()];
    f.tensors[layers[i].prefix + ".weight"] = Tensor{{l.out, l.in}, l.weight};
    f.tensors[layers[i].prefix + ".bias"] = Tensor{{l.out}, l.bias};
  }
  for (const auto& [name, t] : m.value_tensors) f.tensors[name] = t;
  return f;
}

StatusOr<LearnedModel> ModelFromSafetensors(const SafetensorsFile& file, const std::string& source,
                                            const FeatureLayout* expected) {
  // The version first: a newer file may have changed anything else.
  auto vit = file.metadata.find(kKeyVersion);
  if (vit == file.metadata.end()) {
    return InvalidArgumentError(fmt::format("{}: not a podpilot model: metadata '{}' is missing", source, kKeyVersion));
  }
  int version = 0;
  {
    const std::string& v = vit->second;
    size_t used = 0;
    try {
      version = std::stoi(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != v.size()) {
      return InvalidArgumentError(fmt::format("{}: metadata '{}' is '{}', not an integer", source, kKeyVersion, v));
    }
  }
  if (version > kModelFormatVersion) {
    return FailedPreconditionError(fmt::format("{}: model format version {} is newer than this build reads ({}); upgrade podpilot",
                                               source, version, kModelFormatVersion));
  }
  if (version < 1) return InvalidArgumentError(fmt::format("{}: model format version {} is invalid", source, version));

  Status missing;
  const std::string& features_json = Metadata(file, kKeyFeatures, source, &missing);
  const std::string& actions_json = Metadata(file, kKeyActions, source, &missing);
  const std::string& arch_json = Metadata(file, kKeyArch, source, &missing);
  if (!missing.ok()) return missing;

  LearnedModel m;
  PP_ASSIGN_OR_RETURN(m.features, FeatureLayoutFromJson(features_json, source + ": metadata " + kKeyFeatures));
  PP_ASSIGN_OR_RETURN(m.actions, ActionLayoutFromJson(actions_json, source + ": metadata " + kKeyActions));
  PP_ASSIGN_OR_RETURN(m.arch, ArchitectureFromJson(arch_json, source + ": metadata " + kKeyArch));
  if (auto it = file.metadata.find(kKeyProvenance); it != file.metadata.end()) {
    PP_ASSIGN_OR_RETURN(m.provenance, ProvenanceFromJson(it->second, source + ": metadata " + kKeyProvenance));
  }
  for (const auto& [k, v] : file.metadata) {
    if (k != kKeyVersion && k != kKeyFeatures && k != kKeyActions && k != kKeyArch && k != kKeyProvenance) {
      m.extra_metadata[k] = v;
    }
  }
  if (expected) PP_RETURN_IF_ERROR(CheckSameFeatures(*expected, m.features, source));
  PP_RETURN_IF_ERROR(CheckArchitecture(m.arch, m.features, m.actions, source));

  std::set<std::string> used;
  auto take = [&](const std::string& name, std::vector<int64_t> shape, std::vector<float>* out) -> Status {
    auto it = file.tensors.find(name);
    if (it == file.tensors.end()) {
      return InvalidArgumentError(fmt::format("{}: missing tensor '{}' (shape {}) required by the architecture {}", source,
                                              name, ShapeString(shape), ArchitectureToJson(m.arch)));
    }
    if (it->second.shape != shape) {
      return InvalidArgumentError(fmt::format("{}: tensor '{}' has shape {}, the architecture needs {}", source, name,
                                              ShapeString(it->second.shape), ShapeString(shape)));
    }
    PP_RETURN_IF_ERROR(CheckFinite(source, name, it->second.data));
    *out = it->second.data;
    used.insert(name);
    return Status::Ok();
  };
  const std::vector<ExpectedLayer> layers = ExpectedLayers(m.arch);
  for (size_t i = 0; i < layers.size(); ++i) {
    const ExpectedLayer& e = layers[i];
    LinearLayer l;
    l.in = e.in;
    l.out = e.out;
    PP_RETURN_IF_ERROR(take(e.prefix + ".weight", {e.out, e.in}, &l.weight));
    PP_RETURN_IF_ERROR(take(e.prefix + ".bias", {e.out}, &l.bias));
    (i < m.arch.hidden.size() ? m.hidden : m.heads).push_back(std::move(l));
  }
  for (const auto& [name, t] : file.tensors) {
    if (used.count(name)) continue;
    if (name.rfind("value.", 0) == 0) {
      m.value_tensors[name] = t;
      continue;
    }
    return InvalidArgumentError(fmt::format("{}: unexpected tensor '{}' (not part of the architecture {}; critic tensors "
                                            "must be named 'value.*')",
                                            source, name, ArchitectureToJson(m.arch)));
  }
  return m;
}

Status WriteModel(const std::string& path, const LearnedModel& model) {
  auto file = ModelToSafetensors(model);
  if (!file.ok()) return file.status().WithPrefix(path);
  return WriteSafetensors(path, *file);
}

StatusOr<LearnedModel> ReadModel(const std::string& path, const FeatureLayout* expected) {
  PP_ASSIGN_OR_RETURN(SafetensorsFile file, ReadSafetensors(path));
  return ModelFromSafetensors(file, path, expected);
}

}  // namespace podpilot::learned
