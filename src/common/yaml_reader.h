// YamlReader: typed, path-aware reads from a yaml-cpp node, so every validation error names the
// file, the field path and the value ("apps/x.yaml: services[2].limits.cpu: '-1': must be > 0").
//
// Usage: readers accumulate the first error; check status() once after reading a section.
// Unknown keys are reported by CheckKnownKeys so a typo never silently falls back to a default.
// Not thread-safe; cheap to copy (yaml-cpp nodes are handles).
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>

#include "common/status.h"

namespace podpilot {

class YamlReader {
 public:
  YamlReader(YAML::Node node, std::string origin, std::string path = "")
      : node_(std::move(node)), origin_(std::move(origin)), path_(std::move(path)) {}

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  bool Has(const std::string& key) const { return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull(); }

  YamlReader Child(const std::string& key) const;
  YamlReader Index(size_t i) const;
  size_t Size() const { return node_.IsSequence() ? node_.size() : 0; }

  // Each returns `fallback` when the key is absent; records an error (returning fallback) when
  // present and invalid or outside [lo, hi]. `required` keys record an error when absent.
  double Number(const std::string& key, double fallback, double lo, double hi, bool required = false);
  int Integer(const std::string& key, int fallback, int lo, int hi, bool required = false);
  std::string String(const std::string& key, const std::string& fallback, bool required = false);
  bool Bool(const std::string& key, bool fallback);
  double Cpu(const std::string& key, double fallback, double lo, double hi, bool required = false);
  double Bytes(const std::string& key, double fallback, double lo, double hi, bool required = false);
  double Duration(const std::string& key, double fallback, double lo, double hi, bool required = false);

  // Records an error for each key of this map not in `known`.
  void CheckKnownKeys(std::initializer_list<const char*> known);
  // Records an error at this node (or at `key` under it).
  void Fail(const std::string& key, const std::string& message);

  // The first error recorded by this reader or any reader derived from it.
  Status status() const { return *first_error_; }

 private:
  std::string Where(const std::string& key) const;
  std::string Scalar(const std::string& key, bool* present, bool required);

  YAML::Node node_;
  std::string origin_;
  std::string path_;
  std::shared_ptr<Status> first_error_ = std::make_shared<Status>();
};

// Parses YAML text, turning yaml-cpp exceptions into an error naming `origin` and the line.
StatusOr<YAML::Node> ParseYaml(const std::string& text, const std::string& origin);

}  // namespace podpilot
