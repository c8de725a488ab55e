#include "common/yaml_reader.h"

#include <cmath>
#include <memory>

#include "common/units.h"

namespace podpilot {

std::string YamlReader::Where(const std::string& key) const {
  std::string p = path_;
  if (!key.empty()) p += (p.empty() ? "" : ".") + key;
  return origin_ + ": " + (p.empty() ? "(top level)" : p);
}

YamlReader YamlReader::Child(const std::string& key) const {
  // An absent key yields a null node (a yaml-cpp "zombie" node would throw on first use).
  YAML::Node child;
  if (node_.IsMap()) {
    const YAML::Node& self = node_;
    if (self[key]) child = self[key];
  }
  YamlReader r(child, origin_, path_.empty() ? key : path_ + "." + key);
  r.first_error_ = first_error_;
  return r;
}

YamlReader YamlReader::Index(size_t i) const {
  YamlReader r(node_[i], origin_, path_ + "[" + std::to_string(i) + "]");
  r.first_error_ = first_error_;
  return r;
}

void YamlReader::Fail(const std::string& key, const std::string& message) {
  if (first_error_->ok()) *first_error_ = InvalidArgumentError(Where(key) + ": " + message);
}

std::string YamlReader::Scalar(const std::string& key, bool* present, bool required) {
  *present = false;
  if (!node_.IsMap()) {
    if (node_.IsDefined() && !node_.IsNull()) Fail("", "expected a mapping");
    else if (required) Fail(key, "required field is missing");
    return "";
  }
  YAML::Node v = node_[key];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) Fail(key, "required field is missing");
    return "";
  }
  if (!v.IsScalar()) {
    Fail(key, "expected a single value");
    return "";
  }
  *present = true;
  return v.Scalar();
}

double YamlReader::Number(const std::string& key, double fallback, double lo, double hi, bool required) {
  bool present;
  std::string s = Scalar(key, &present, required);
  if (!present) return fallback;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d)) {
    Fail(key, "'" + s + "' is not a number");
    return fallback;
  }
  if (d < lo || d > hi) {
    Fail(key, "'" + s + "' is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return fallback;
  }
  return d;
}

int YamlReader::Integer(const std::string& key, int fallback, int lo, int hi, bool required) {
  bool present;
  std::string s = Scalar(key, &present, required);
  if (!present) return fallback;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size()) {
    Fail(key, "'" + s + "' is not an integer");
    return fallback;
  }
  if (v < lo || v > hi) {
    Fail(key, "'" + s + "' is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return fallback;
  }
  return static_cast<int>(v);
}

std::string YamlReader::String(const std::string& key, const std::string& fallback, bool required) {
  bool present;
  std::string s = Scalar(key, &present, required);
  return present ? s : fallback;
}

bool YamlReader::Bool(const std::string& key, bool fallback) {
  bool present;
  std::string s = Scalar(key, &present, false);
  if (!present) return fallback;
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  Fail(key, "'" + s + "' is not a boolean");
  return fallback;
}

namespace {
template <typename Parse>
double ParsedQuantity(YamlReader* r, const std::string& s, const std::string& key, double fallback, double lo,
                      double hi, Parse parse) {
  auto v = parse(s);
  if (!v.ok()) {
    r->Fail(key, v.status().message());
    return fallback;
  }
  if (*v < lo || *v > hi) {
    r->Fail(key, "'" + s + "' is out of range");
    return fallback;
  }
  return *v;
}
}  // namespace

double YamlReader::Cpu(const std::string& key, double fallback, double lo, double hi, bool required) {
  bool present;
  std::string s = Scalar(key, &present, required);
  return present ? ParsedQuantity(this, s, key, fallback, lo, hi, ParseCpu) : fallback;
}

double YamlReader::Bytes(const std::string& key, double fallback, double lo, double hi, bool required) {
  bool present;
  std::string s = Scalar(key, &present, required);
  return present ? ParsedQuantity(this, s, key, fallback, lo, hi, ParseBytes) : fallback;
}

double YamlReader::Duration(const std::string& key, double fallback, double lo, double hi, bool required) {
  bool present;
  std::string s = Scalar(key, &present, required);
  return present ? ParsedQuantity(this, s, key, fallback, lo, hi, ParseDuration) : fallback;
}

void YamlReader::CheckKnownKeys(std::initializer_list<const char*> known) {
  if (!node_.IsMap()) return;
  for (const auto& kv : node_) {
    const std::string k = kv.first.as<std::string>();
    bool ok = false;
    for (const char* n : known) ok = ok || k == n;
    if (!ok) {
      std::string list;
      for (const char* n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      Fail(k, "unknown field (known: " + list + ")");
    }
  }
}

StatusOr<YAML::Node> ParseYaml(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
}

}  // namespace podpilot
