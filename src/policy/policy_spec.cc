#include "policy/policy_spec.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "common/units.h"

namespace podpilot {
namespace {

std::string Where(const std::string& policy, const std::string& key, const std::string& value) {
  return policy + ": parameter " + key + "=" + value;
}

}  // namespace

StatusOr<double> PolicyParams::GetDouble(const std::string& key, double fallback, double lo, double hi) {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  double d = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(d)) {
    return InvalidArgumentError(Where(name_, key, v) + ": not a number");
  }
  if (d < lo || d > hi) {
    return InvalidArgumentError(fmt::format("{}: out of range [{:g}, {:g}]", Where(name_, key, v), lo, hi));
  }
  return d;
}

StatusOr<int> PolicyParams::GetInt(const std::string& key, int fallback, int lo, int hi) {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  int d = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    return InvalidArgumentError(Where(name_, key, v) + ": not an integer");
  }
  if (d < lo || d > hi) {
    return InvalidArgumentError(Where(name_, key, v) + ": out of range [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
  }
  return d;
}

StatusOr<std::string> PolicyParams::GetString(const std::string& key, const std::string& fallback) {
  used_.insert(key);
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

StatusOr<bool> PolicyParams::GetBool(const std::string& key, bool fallback) {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (it->second == "true" || it->second == "1" || it->second == "yes") return true;
  if (it->second == "false" || it->second == "0" || it->second == "no") return false;
  return InvalidArgumentError(Where(name_, key, it->second) + ": not a boolean (true/false)");
}

StatusOr<double> PolicyParams::GetDuration(const std::string& key, double fallback, double lo, double hi) {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  auto d = ParseDuration(it->second);
  if (!d.ok()) return InvalidArgumentError(Where(name_, key, it->second) + ": " + d.status().message());
  if (*d < lo || *d > hi) {
    return InvalidArgumentError(Where(name_, key, it->second) + ": out of range");
  }
  return *d;
}

Status PolicyParams::CheckAllUsed() const {
  std::string unknown, known;
  for (const auto& [k, v] : values_) {
    if (!used_.count(k)) unknown += (unknown.empty() ? "" : ", ") + k;
  }
  if (unknown.empty()) return Status::Ok();
  for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
  return InvalidArgumentError(name_ + ": unknown parameter(s) " + unknown + " (known: " + known + ")");
}

StatusOr<PolicyParams> ParsePolicySpec(const std::string& text) {
  auto colon = text.find(':');
  std::string name = text.substr(0, colon);
  if (name.empty()) return InvalidArgumentError("policy spec '" + text + "': missing policy name");
  std::map<std::string, std::string> values;
  if (colon != std::string::npos) {
    std::string rest = text.substr(colon + 1);
    size_t pos = 0;
    while (pos <= rest.size()) {
      size_t comma = rest.find(',', pos);
      std::string item = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (!item.empty()) {
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
          return InvalidArgumentError("policy spec '" + text + "': '" + item + "' is not key=value");
        }
        std::string key = item.substr(0, eq);
        if (values.count(key)) {
          return InvalidArgumentError("policy spec '" + text + "': parameter '" + key + "' given twice");
        }
        values[key] = item.substr(eq + 1);
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  return PolicyParams(std::move(name), std::move(values));
}

}  // namespace podpilot
