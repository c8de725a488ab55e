#include "policy/learned/features.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace podpilot::learned {
namespace {

using nlohmann::json;

struct FeatureDef {
  const char* name;
  float low, high;
};

// The order of these tables is the order of the vector (features.h documents each one).
constexpr FeatureDef kGlobal[] = {
    {"request_rate_log1p", 0, 20}, {"slo_attainment", 0, 1},   {"time_of_day_sin", -1, 1},
    {"time_of_day_cos", -1, 1},    {"day_of_week_sin", -1, 1}, {"day_of_week_cos", -1, 1},
};
constexpr FeatureDef kTarget[] = {
    {"replicas_spec", 0, 4},      {"replicas_ready", 0, 4},     {"replicas_starting", 0, 4},
    {"replicas_pending", 0, 4},   {"cpu_utilization", 0, 10},   {"memory_utilization", 0, 10},
    {"request_rate_per_pod_log1p", 0, 20}, {"p95_over_slo", 0, 20}, {"error_fraction", 0, 1},
    {"in_flight_per_pod_log1p", 0, 20},    {"oom_kills", 0, 10},
};
// The recent-peak block (peak_window > 0).
constexpr FeatureDef kPeak[] = {{"request_rate_log1p", 0, 20}, {"below_log1p", 0, 20}};
constexpr int kNumGlobal = static_cast<int>(std::size(kGlobal));
constexpr int kNumTarget = static_cast<int>(std::size(kTarget));
// Key features repeated in the history block: indices into kGlobal and into kTarget.
constexpr int kGlobalKeys[] = {0, 1};
constexpr int kTargetKeys[] = {0, 4, 7};

float Clip(double v, const FeatureDef& def) {
  if (std::isnan(v)) v = 0;
  return static_cast<float>(std::clamp(v, static_cast<double>(def.low), static_cast<double>(def.high)));
}
double Log1p(double v) { return std::log1p(std::max(v, 0.0)); }  // NaN stays NaN, Clip maps it

double SloMs(const Observation& obs, const FeatureOptions& options) {
  if (options.slo_ms > 0) return options.slo_ms;
  double best = 0;
  for (const ClassObservation& c : obs.classes) {
    if (c.slo_ms > 0 && std::isfinite(c.slo_ms) && (best == 0 || c.slo_ms < best)) best = c.slo_ms;
  }
  return best > 0 ? best : kDefaultFeatureSloMs;
}

Status Invalid(const std::string& where, const std::string& what) { return InvalidArgumentError(where + ": " + what); }

}  // namespace

bool SameControlInterval(double a, double b) {
  return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b));
}

StatusOr<FeatureLayout> MakeFeatureLayout(int num_targets, const FeatureOptions& options,
                                          const std::vector<std::string>& target_names,
                                          const std::vector<int>& replica_scale) {
  if (num_targets < 1 || num_targets > kMaxFeatureTargets) {
    return InvalidArgumentError(fmt::format("features: num_targets must be in [1, {}], got {}", kMaxFeatureTargets, num_targets));
  }
  if (options.history < 0 || options.history > kMaxFeatureHistory) {
    return InvalidArgumentError(fmt::format("features: history must be in [0, {}], got {}", kMaxFeatureHistory, options.history));
  }
  if (options.peak_window < 0 || options.peak_window > kMaxFeaturePeakWindow) {
    return InvalidArgumentError(fmt::format("features: peak_window must be in [0, {}], got {}", kMaxFeaturePeakWindow,
                                            options.peak_window));
  }
  if (!(options.slo_ms >= 0) || !std::isfinite(options.slo_ms)) {
    return InvalidArgumentError(fmt::format("features: slo_ms must be >= 0 (0 = from the observation), got {}", options.slo_ms));
  }
  if (!(options.control_interval_s > 0 && options.control_interval_s <= kMaxControlIntervalS)) {  // NaN fails too
    return InvalidArgumentError(fmt::format("features: control_interval_s must be in (0, {:g}] seconds, got {}",
                                            kMaxControlIntervalS, options.control_interval_s));
  }
  if (!target_names.empty() && static_cast<int>(target_names.size()) != num_targets) {
    return InvalidArgumentError(fmt::format("features: {} target names for {} targets", target_names.size(), num_targets));
  }
  if (!replica_scale.empty() && static_cast<int>(replica_scale.size()) != num_targets) {
    return InvalidArgumentError(fmt::format("features: {} replica scales for {} targets", replica_scale.size(), num_targets));
  }
  for (size_t i = 0; i < replica_scale.size(); ++i) {
    if (replica_scale[i] < 1 || replica_scale[i] > kMaxReplicaScale) {
      return InvalidArgumentError(fmt::format("features: replica_scale[{}] must be in [1, {}], got {}", i,
                                              kMaxReplicaScale, replica_scale[i]));
    }
  }
  FeatureLayout l;
  l.num_targets = num_targets;
  l.options = options;
  l.target_names = target_names;
  l.replica_scale = replica_scale;
  auto add = [&l](const std::string& prefix, const FeatureDef& d) {
    l.names.push_back(prefix + d.name);
    l.low.push_back(d.low);
    l.high.push_back(d.high);
  };
  for (const FeatureDef& d : kGlobal) add("", d);
  for (int t = 0; t < num_targets; ++t) {
    for (const FeatureDef& d : kTarget) add(fmt::format("t{}.", t), d);
  }
  for (int k = 1; k <= options.history; ++k) {
    const std::string h = fmt::format("h{}.", k);
    for (int g : kGlobalKeys) add(h, kGlobal[g]);
    for (int t = 0; t < num_targets; ++t) {
      for (int f : kTargetKeys) add(h + fmt::format("t{}.", t), kTarget[f]);
    }
  }
  if (options.peak_window > 0) {
    for (const FeatureDef& d : kPeak) add("peak.", d);
  }
  return l;
}

std::string FeatureLayoutToJson(const FeatureLayout& l) {
  json j = {{"version", l.version},         {"num_targets", l.num_targets}, {"history", l.options.history},
            {"slo_ms", l.options.slo_ms},   {"target_names", l.target_names}, {"names", l.names}};
  if (l.options.peak_window > 0) j["peak_window"] = l.options.peak_window;
  if (!l.replica_scale.empty()) j["replica_scale"] = l.replica_scale;  // absent in files older than the record
  // Only when not the default: every model trained before the key existed was trained at 15 s,
  // and its layout must keep writing the same text.
  if (l.options.control_interval_s != kDefaultControlIntervalS) j["control_interval_s"] = l.options.control_interval_s;
  if (!l.normalization.empty()) {
    // Floats are widened to double, whose shortest round-trip text reads back as the same float.
    j["normalization"] = {{"mean", l.normalization.mean}, {"std", l.normalization.std}, {"clip", l.normalization.clip}};
  }
  return j.dump();
}

StatusOr<FeatureLayout> FeatureLayoutFromJson(const std::string& text, const std::string& where) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Invalid(where, "feature layout is not a JSON object");
  for (const char* f : {"version", "num_targets", "history", "slo_ms", "names"}) {
    if (!j.contains(f)) return Invalid(where, std::string("feature layout: missing field '") + f + "'");
  }
  if (!j["version"].is_number_integer()) return Invalid(where, "feature layout: version is not an integer: " + j["version"].dump());
  const int version = j["version"].get<int>();
  if (version > kFeatureVersion) {
    return FailedPreconditionError(fmt::format("{}: features version {} is newer than this build's ({}); "
                                               "upgrade podpilot to use this model",
                                               where, version, kFeatureVersion));
  }
  if (version != kFeatureVersion) {
    return FailedPreconditionError(fmt::format("{}: features version {} is not supported (this build computes version {})",
                                               where, version, kFeatureVersion));
  }
  if (!j["num_targets"].is_number_integer() || !j["history"].is_number_integer() || !j["slo_ms"].is_number()) {
    return Invalid(where, "feature layout: num_targets and history must be integers, slo_ms a number");
  }
  std::vector<std::string> target_names;
  if (j.contains("target_names")) {
    if (!j["target_names"].is_array()) return Invalid(where, "feature layout: target_names is not an array");
    for (const json& n : j["target_names"]) {
      if (!n.is_string()) return Invalid(where, "feature layout: target_names holds a non-string: " + n.dump());
      target_names.push_back(n.get<std::string>());
    }
  }
  std::vector<int> replica_scale;
  if (j.contains("replica_scale")) {  // absent: written before the record existed (the observation's max then)
    if (!j["replica_scale"].is_array()) return Invalid(where, "feature layout: replica_scale is not an array");
    if (j["replica_scale"].empty()) {  // would read as "not recorded" and be written back without the key
      return Invalid(where, "feature layout: replica_scale is empty (one entry per target, or no key at all)");
    }
    for (const json& r : j["replica_scale"]) {
      if (!r.is_number_integer()) return Invalid(where, "feature layout: replica_scale holds a non-integer: " + r.dump());
      const int64_t v = r.get<int64_t>();  // checked before narrowing to int
      if (v < 1 || v > kMaxReplicaScale) {
        return Invalid(where, fmt::format("feature layout: replica_scale[{}] must be in [1, {}], got {}",
                                          replica_scale.size(), kMaxReplicaScale, r.dump()));
      }
      replica_scale.push_back(static_cast<int>(v));
    }
  }
  FeatureOptions options;
  options.history = j["history"].get<int>();
  options.slo_ms = j["slo_ms"].get<double>();
  if (j.contains("peak_window")) {  // absent: written before the block existed, or without it
    if (!j["peak_window"].is_number_integer()) {
      return Invalid(where, "feature layout: peak_window is not an integer: " + j["peak_window"].dump());
    }
    options.peak_window = j["peak_window"].get<int>();
  }
  if (j.contains("control_interval_s")) {  // absent: trained at the default interval
    if (!j["control_interval_s"].is_number()) {
      return Invalid(where, "feature layout: control_interval_s is not a number: " + j["control_interval_s"].dump());
    }
    options.control_interval_s = j["control_interval_s"].get<double>();
  }
  auto built = MakeFeatureLayout(j["num_targets"].get<int>(), options, target_names, replica_scale);
  if (!built.ok()) return built.status().WithPrefix(where);
  FeatureLayout layout = std::move(built).value();

  const json& names = j["names"];
  if (!names.is_array()) return Invalid(where, "feature layout: names is not an array");
  FeatureLayout file = layout;
  file.names.clear();
  for (const json& n : names) {
    if (!n.is_string()) return Invalid(where, "feature layout: names holds a non-string: " + n.dump());
    file.names.push_back(n.get<std::string>());
  }
  PP_RETURN_IF_ERROR(CheckSameFeatures(layout, file, where));

  if (j.contains("normalization")) {
    const json& nj = j["normalization"];
    const std::string w = where + ": feature layout: normalization";
    if (!nj.is_object() || !nj.contains("mean") || !nj.contains("std")) {
      return InvalidArgumentError(w + " must be an object with 'mean' and 'std' arrays");
    }
    FeatureNormalization& n = layout.normalization;
    for (const char* field : {"mean", "std"}) {
      const json& a = nj[field];
      if (!a.is_array() || static_cast<int>(a.size()) != layout.size()) {
        return InvalidArgumentError(fmt::format("{}.{} must be an array of {} numbers (one per feature), got {}", w, field,
                                                layout.size(), a.is_array() ? std::to_string(a.size()) + " values" : a.dump()));
      }
      std::vector<float>& out = std::string(field) == "mean" ? n.mean : n.std;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_number() || !std::isfinite(a[i].get<double>())) {
          return InvalidArgumentError(fmt::format("{}.{}[{}] ({}) is not a finite number", w, field, i, layout.names[i]));
        }
        out.push_back(static_cast<float>(a[i].get<double>()));
        if (field == std::string("std") && !(out.back() > 0)) {
          return InvalidArgumentError(fmt::format("{}.std[{}] ({}) must be > 0, got {}", w, i, layout.names[i], a[i].dump()));
        }
      }
    }
    if (nj.contains("clip")) {
      if (!nj["clip"].is_number() || !std::isfinite(nj["clip"].get<double>()) || nj["clip"].get<double>() < 0) {
        return InvalidArgumentError(w + ".clip must be a finite number >= 0 (0 = no clipping), got " + nj["clip"].dump());
      }
      n.clip = static_cast<float>(nj["clip"].get<double>());
    }
  }
  return layout;
}

Status CheckSameFeatures(const FeatureLayout& expected, const FeatureLayout& actual, const std::string& where) {
  auto differ = [&](const std::string& what) {
    return FailedPreconditionError(where + ": feature layout differs from the one expected: " + what);
  };
  if (actual.version != expected.version) {
    return differ(fmt::format("version {} instead of {}", actual.version, expected.version));
  }
  if (actual.num_targets != expected.num_targets) {
    return differ(fmt::format("{} targets instead of {}", actual.num_targets, expected.num_targets));
  }
  if (actual.options.history != expected.options.history) {
    return differ(fmt::format("history {} instead of {}", actual.options.history, expected.options.history));
  }
  if (actual.options.peak_window != expected.options.peak_window) {
    return differ(fmt::format("peak_window {} instead of {}", actual.options.peak_window, expected.options.peak_window));
  }
  if (actual.options.slo_ms != expected.options.slo_ms) {
    return differ(fmt::format("slo_ms {} instead of {}", actual.options.slo_ms, expected.options.slo_ms));
  }
  if (!SameControlInterval(actual.options.control_interval_s, expected.options.control_interval_s)) {
    return differ(fmt::format("control_interval_s {:g} s instead of {:g} s", actual.options.control_interval_s,
                              expected.options.control_interval_s));
  }
  const size_t n = std::min(actual.names.size(), expected.names.size());
  for (size_t i = 0; i < n; ++i) {
    if (actual.names[i] != expected.names[i]) {
      return differ(fmt::format("feature {} is '{}' instead of '{}'", i, actual.names[i], expected.names[i]));
    }
  }
  if (actual.names.size() != expected.names.size()) {
    return differ(fmt::format("{} features instead of {}", actual.names.size(), expected.names.size()));
  }
  return Status::Ok();
}

FeatureBuilder::FeatureBuilder(FeatureLayout layout) : layout_(std::move(layout)) {
  current_size_ = kNumGlobal + kNumTarget * layout_.num_targets;
  for (int g : kGlobalKeys) key_index_.push_back(g);
  for (int t = 0; t < layout_.num_targets; ++t) {
    for (int f : kTargetKeys) key_index_.push_back(kNumGlobal + kNumTarget * t + f);
  }
  ring_.assign(static_cast<size_t>(layout_.options.history) * key_index_.size(), 0.0f);
  rates_.assign(static_cast<size_t>(layout_.options.peak_window), 0.0f);
}

void FeatureBuilder::Reset() {
  stored_ = 0;
  newest_ = -1;
  rates_stored_ = 0;
  rates_next_ = 0;
}

Status FeatureBuilder::Build(const Observation& obs, float* out) {
  if (static_cast<int>(obs.targets.size()) != layout_.num_targets) {
    return FailedPreconditionError(fmt::format("features: the observation has {} targets but the layout {}",
                                               obs.targets.size(), layout_.num_targets));
  }
  const double slo = SloMs(obs, layout_.options);
  const double tod = 2 * std::numbers::pi * obs.time_of_day_s / 86400.0;
  const double dow = 2 * std::numbers::pi * obs.day_of_week / 7.0;
  const double global[kNumGlobal] = {Log1p(obs.request_rate), obs.slo_attainment, std::sin(tod), std::cos(tod),
                                     std::sin(dow),           std::cos(dow)};
  float* p = out;
  for (int i = 0; i < kNumGlobal; ++i) *p++ = Clip(global[i], kGlobal[i]);
  for (size_t target = 0; target < obs.targets.size(); ++target) {
    const TargetObservation& t = obs.targets[target];
    const double max_r = layout_.replica_scale.empty() ? std::max(t.max_replicas, 1) : layout_.replica_scale[target];
    const double err = t.request_rate > 0 ? t.error_rate / t.request_rate : (t.error_rate > 0 ? 1.0 : 0.0);
    const double v[kNumTarget] = {t.replicas_spec / max_r,
                                  t.replicas_ready / max_r,
                                  t.replicas_starting / max_r,
                                  t.replicas_pending / max_r,
                                  t.cpu_utilization,
                                  t.memory_utilization,
                                  Log1p(t.request_rate / std::max(t.replicas_ready, 1)),
                                  t.latency_p95_ms / slo,
                                  err,
                                  Log1p(t.in_flight),
                                  static_cast<double>(t.oom_kills)};
    for (int i = 0; i < kNumTarget; ++i) *p++ = Clip(v[i], kTarget[i]);
  }

  const int history = layout_.options.history;
  const size_t keys = key_index_.size();
  for (int k = 1; k <= history; ++k) {
    if (stored_ == 0) {  // first observation of the episode: it stands in for its own past
      for (size_t i = 0; i < keys; ++i) *p++ = out[key_index_[i]];
      continue;
    }
    const int back = std::min(k, stored_) - 1;  // 0 = newest stored
    const int slot = ((newest_ - back) % history + history) % history;
    const float* src = &ring_[static_cast<size_t>(slot) * keys];
    p = std::copy(src, src + keys, p);
  }
  if (history > 0) {
    newest_ = (newest_ + 1) % history;
    float* dst = &ring_[static_cast<size_t>(newest_) * keys];
    for (size_t i = 0; i < keys; ++i) dst[i] = out[key_index_[i]];
    stored_ = std::min(stored_ + 1, history);
  }
  const int window = layout_.options.peak_window;
  if (window > 0) {
    // A linear scan of at most a day of values: a few microseconds, far below a simulator step,
    // and simpler to keep right across Reset than a monotonic queue.
    rates_[rates_next_] = out[0];  // request_rate_log1p, already clipped
    rates_next_ = (rates_next_ + 1) % window;
    rates_stored_ = std::min(rates_stored_ + 1, window);
    const float peak = *std::max_element(rates_.begin(), rates_.begin() + rates_stored_);
    *p++ = Clip(peak, kPeak[0]);
    *p++ = Clip(peak - out[0], kPeak[1]);
  }
  return Status::Ok();
}

Status FeatureBuilder::Build(const Observation& obs, std::vector<float>* out) {
  out->resize(static_cast<size_t>(size()));
  return Build(obs, out->data());
}

}  // namespace podpilot::learned
