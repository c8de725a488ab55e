// Policy specs as written on the command line and in suite files: "name:key=value,key=value".
//
//   static:replicas=3        threshold:cpu=70        hpa:cpu=50,behavior=default
//
// PolicyParams gives typed access that records which keys were read, so a factory can refuse
// unknown keys with a clear error ("hpa: unknown parameter 'cpuu' (known: cpu, memory, ...)").
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/status.h"

namespace podpilot {

class PolicyParams {
 public:
  PolicyParams() = default;
  PolicyParams(std::string name, std::map<std::string, std::string> values)
      : name_(std::move(name)), values_(std::move(values)) {}

  const std::string& name() const { return name_; }
  const std::map<std::string, std::string>& values() const { return values_; }
  bool Has(const std::string& key) const { return values_.count(key) > 0; }

  // Each getter returns `fallback` when the key is absent and an error naming the key and value
  // when it is present but malformed or outside [lo, hi].
  StatusOr<double> GetDouble(const std::string& key, double fallback, double lo, double hi);
  StatusOr<int> GetInt(const std::string& key, int fallback, int lo, int hi);
  StatusOr<std::string> GetString(const std::string& key, const std::string& fallback);
  StatusOr<bool> GetBool(const std::string& key, bool fallback);
  // Durations ("30s", "5m") in seconds.
  StatusOr<double> GetDuration(const std::string& key, double fallback, double lo, double hi);

  // Error listing keys that no getter asked for; call after reading every parameter.
  Status CheckAllUsed() const;

 private:
  std::string name_;
  std::map<std::string, std::string> values_;
  mutable std::set<std::string> used_;
};

// Splits "name:key=value,..." (the part after ':' is optional).
StatusOr<PolicyParams> ParsePolicySpec(const std::string& text);

}  // namespace podpilot
