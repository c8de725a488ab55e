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

// Splits a Kubernetes quantity (resource.Quantity's syntax, k8s.io/apimachinery/pkg/api/resource)
// into its value and unit suffix: a signed decimal number ("+5", "-1.5", ".5", "5."), then either
// a suffix ("Mi", "m", "") or a decimal exponent ("1e3", "1E-2", then suffix ""), never both:
// "1e3k" is not a quantity. Written here because no Debian C++ library parses this syntax.
bool SplitQuantity(std::string_view text, double* number, std::string_view* suffix) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  const auto digit = [&](size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
  size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) ++i;
  const size_t start = i;
  size_t digits = 0;
  while (digit(i)) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (digit(i)) ++i, ++digits;
  }
  if (digits == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + i, *number);
  if (ec != std::errc() || ptr != text.data() + i) return false;
  if (negative) *number = -*number;
  std::string_view rest = text.substr(i);
  // "E" alone is the exa suffix; "E" or "e" followed by a signed integer is an exponent.
  if (rest.size() >= 2 && (rest[0] == 'e' || rest[0] == 'E')) {
    size_t j = 1;
    if (rest[j] == '+' || rest[j] == '-') ++j;
    if (j < rest.size() && rest[j] >= '0' && rest[j] <= '9') {
      int exponent = 0;
      auto [eptr, eec] = std::from_chars(rest.data() + (rest[1] == '+' ? 2 : 1), rest.data() + rest.size(), exponent);
      if (eec != std::errc() || eptr != rest.data() + rest.size()) return false;  // "1e3k", "1e3.5"
      *number *= std::pow(10.0, exponent);
      rest = {};
    }
  }
  if (!std::isfinite(*number)) return false;
  *suffix = rest;
  return true;
}

}  // namespace

StatusOr<double> ParseCpu(std::string_view text) {
  double n;
  std::string_view suffix;
  if (!SplitQuantity(text, &n, &suffix)) {
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
  if (!SplitQuantity(text, &n, &suffix)) {
    return InvalidArgumentError("not a memory quantity: '" + std::string(text) + "' (want e.g. 300Mi or 1Gi)");
  }
  struct Unit { std::string_view name; double factor; };
  static constexpr Unit kUnits[] = {
      {"", 1.0},         {"Ki", 0x1p10}, {"Mi", 0x1p20}, {"Gi", 0x1p30}, {"Ti", 0x1p40}, {"Pi", 0x1p50},
      {"Ei", 0x1p60},    {"n", 1e-9},    {"u", 1e-6},    {"m", 1e-3},    {"k", 1e3},     {"M", 1e6},
      {"G", 1e9},        {"T", 1e12},    {"P", 1e15},    {"E", 1e18}};
  for (const auto& u : kUnits) {
    if (suffix == u.name) return n * u.factor;
  }
  return InvalidArgumentError("unknown memory unit '" + std::string(suffix) + "' in '" + std::string(text) +
                              "' (want Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or none)");
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
