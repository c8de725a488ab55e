#include "workload/params.h"

#include <algorithm>
#include <map>

#include "common/units.h"
#include "workload/text_util.h"

namespace podpilot::workload_internal {
namespace {

struct KindEntry {
  const char* kind;
  std::vector<std::string> keys;
};

const std::vector<KindEntry>& Kinds() {
  static const std::vector<KindEntry> kinds = {
      {"step", {"low", "high", "at"}},
      {"sinusoidal", {"mean", "amplitude", "period"}},
      {"low_high", {"low", "high", "period"}},
      {"spike", {"base", "peak", "at", "duration", "ramp"}},
      {"diurnal", {"peak", "trough", "weekend"}},
      {"random_walk", {"start", "sigma", "min", "max", "step"}},
      {"constant", {"rps"}},
      {"trace", {"csv", "azure", "clf", "function", "max_gap"}},
  };
  return kinds;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

const std::vector<std::string>& CommonKeys() {
  static const std::vector<std::string> keys = {"scale", "time_scale", "offset", "noise", "vary_scale", "vary_offset", "vary_noise", "vary_tempo"};
  return keys;
}

const std::vector<std::string>* KindKeys(std::string_view kind) {
  for (const auto& k : Kinds()) {
    if (kind == k.kind) return &k.keys;
  }
  return nullptr;
}

std::string JoinKinds() {
  std::vector<std::string> names;
  for (const auto& k : Kinds()) names.push_back(k.kind);
  return Join(names);
}

std::string SpecText(const WorkloadSpec& spec) {
  if (!spec.text.empty()) return spec.text;
  std::string out = spec.kind;
  char sep = ':';
  for (const auto& [k, v] : spec.params) {
    out += sep + k + "=" + v;
    sep = ',';
  }
  return out;
}

ParamReader::ParamReader(const WorkloadSpec& spec) : spec_(spec) { spec_.text = SpecText(spec); }

Status ParamReader::CheckKeys() const {
  const std::vector<std::string>* keys = KindKeys(spec_.kind);
  if (keys == nullptr) {
    return SpecError("unknown workload kind '" + spec_.kind + "' (want one of: " + JoinKinds() + ")");
  }
  for (const auto& [key, value] : spec_.params) {
    const auto& common = CommonKeys();
    if (std::find(keys->begin(), keys->end(), key) == keys->end() &&
        std::find(common.begin(), common.end(), key) == common.end()) {
      return SpecError("unknown key '" + key + "' for " + spec_.kind + " (valid keys: " + Join(*keys) + ", " +
                       Join(common) + ")");
    }
  }
  return Status::Ok();
}

StatusOr<double> ParamReader::Number(const std::string& key, double def, double lo, double hi) const {
  auto it = spec_.params.find(key);
  if (it == spec_.params.end()) return def;
  double v;
  if (!ParseFiniteDouble(Trim(it->second), &v)) return Error(key, "not a finite number");
  if (v < lo) return Error(key, "must be >= " + FormatNumber(lo));
  if (v > hi) return Error(key, "must be <= " + FormatNumber(hi));
  return v;
}

StatusOr<double> ParamReader::Rate(const std::string& key, double def) const {
  return Number(key, def, 0.0, kMaxRps);
}

StatusOr<double> ParamReader::Duration(const std::string& key, double def, double lo, double hi,
                                       bool lo_exclusive) const {
  auto it = spec_.params.find(key);
  if (it == spec_.params.end()) return def;
  StatusOr<double> d = ParseDuration(it->second);
  if (!d.ok()) return Error(key, d.status().message());
  if (lo_exclusive ? !(*d > lo) : !(*d >= lo)) {
    return Error(key, std::string("must be ") + (lo_exclusive ? "> " : ">= ") + FormatDuration(lo));
  }
  if (*d > hi) return Error(key, "must be <= " + FormatDuration(hi));
  return *d;
}

std::string ParamReader::Text(const std::string& key, const std::string& def) const {
  auto it = spec_.params.find(key);
  return it == spec_.params.end() ? def : it->second;
}

Status ParamReader::Error(const std::string& key, const std::string& what) const {
  auto it = spec_.params.find(key);
  std::string kv = key + "=" + (it == spec_.params.end() ? std::string("(default)") : it->second);
  return InvalidArgumentError("workload '" + spec_.text + "': " + kv + ": " + what);
}

Status ParamReader::SpecError(const std::string& what) const {
  return InvalidArgumentError("workload '" + spec_.text + "': " + what);
}

}  // namespace podpilot::workload_internal
