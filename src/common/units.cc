#include "common/units.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace podpilot {
namespace {

// Splits "300Mi" into 300 and "Mi". Returns false when the numeric part is missing or malformed.
bool SplitNumber(std::string_view text, double* number, std::string_view* suffix) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  size_t i = 0;
  // Accept digits, sign, dot and an exponent (1e6); stop at the first letter that is not an
  // exponent marker followed by a digit or sign.
  while (i < text.size()) {
    char c = text[i];
    if ((c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-') {
      ++i;
    } else if ((c == 'e' || c == 'E') && i > 0 && i + 1 < text.size() &&
               ((text[i + 1] >= '0' && text[i + 1] <= '9') || text[i + 1] == '-' || text[i + 1] == '+')) {
      ++i;
    } else {
      break;
    }
  }
  std::string_view num = text.substr(0, i);
  if (num.empty()) return false;
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), *number);
  if (ec != std::errc() || ptr != num.data() + num.size() || !std::isfinite(*number)) return false;
  *suffix = text.substr(i);
  return true;
}

}  // namespace

StatusOr<double> ParseCpu(std::string_view text) {
  double n;
  std::string_view suffix;
  if (!SplitNumber(text, &n, &suffix)) {
    return InvalidArgumentError("not a CPU quantity: '" + std::string(text) + "' (want e.g. 250m or 0.5)");
  }
  if (suffix.empty()) return n;
  if (suffix == "m") return n / 1000.0;
  // metrics.k8s.io reports usage in nanocores ("123456789n"); resource.Quantity also has micro.
  if (suffix == "u") return n / 1e6;
  if (suffix == "n") return n / 1e9;
  return InvalidArgumentError("unknown CPU unit '" + std::string(suffix) + "' in '" + std::string(text) +
                              "' (want n, u, m or none)");
}

StatusOr<double> ParseBytes(std::string_view text) {
  double n;
  std::string_view suffix;
  if (!SplitNumber(text, &n, &suffix)) {
    return InvalidArgumentError("not a memory quantity: '" + std::string(text) + "' (want e.g. 300Mi or 1Gi)");
  }
  struct Unit { std::string_view name; double factor; };
  static constexpr Unit kUnits[] = {
      {"", 1.0},           {"Ki", 1024.0},  {"Mi", 1024.0 * 1024},  {"Gi", 1024.0 * 1024 * 1024},
      {"Ti", 1099511627776.0}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"m", 1e-3}};
  for (const auto& u : kUnits) {
    if (suffix == u.name) return n * u.factor;
  }
  return InvalidArgumentError("unknown memory unit '" + std::string(suffix) + "' in '" + std::string(text) +
                              "' (want Ki, Mi, Gi, Ti, k, M, G, T or none)");
}

StatusOr<double> ParseDuration(std::string_view text) {
  std::string_view rest = text;
  double total = 0.0;
  bool any = false;
  while (!rest.empty()) {
    double n;
    std::string_view suffix;
    if (!SplitNumber(rest, &n, &suffix)) {
      return InvalidArgumentError("not a duration: '" + std::string(text) + "' (want e.g. 90s, 15m, 2h, 30d)");
    }
    // Take the unit: letters up to the next digit.
    size_t j = 0;
    while (j < suffix.size() && !(suffix[j] >= '0' && suffix[j] <= '9') && suffix[j] != '.') ++j;
    std::string_view unit = suffix.substr(0, j);
    double factor;
    if (unit.empty() || unit == "s") factor = 1;
    else if (unit == "ms") factor = 1e-3;
    else if (unit == "m" || unit == "min") factor = 60;
    else if (unit == "h") factor = 3600;
    else if (unit == "d") factor = 86400;
    else if (unit == "w") factor = 7 * 86400;
    else
      return InvalidArgumentError("unknown duration unit '" + std::string(unit) + "' in '" + std::string(text) +
                                  "' (want ms, s, m, h, d or w)");
    if (unit.empty() && j < suffix.size()) {
      return InvalidArgumentError("not a duration: '" + std::string(text) + "'");
    }
    total += n * factor;
    any = true;
    rest = suffix.substr(j);
  }
  if (!any) return InvalidArgumentError("empty duration");
  if (total < 0) return InvalidArgumentError("negative duration: '" + std::string(text) + "'");
  return total;
}

std::string FormatDuration(double seconds) {
  long s = std::lround(seconds);
  long d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, r = s % 60;
  char buf[64];
  if (d > 0) std::snprintf(buf, sizeof buf, "%ldd%ldh%ldm%lds", d, h, m, r);
  else if (h > 0) std::snprintf(buf, sizeof buf, "%ldh%ldm%lds", h, m, r);
  else if (m > 0) std::snprintf(buf, sizeof buf, "%ldm%lds", m, r);
  else std::snprintf(buf, sizeof buf, "%lds", r);
  return buf;
}

}  // namespace podpilot
