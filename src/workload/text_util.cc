#include "workload/text_util.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace podpilot::workload_internal {

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

void SplitFields(std::string_view line, char sep, std::vector<std::string_view>* out) {
  out->clear();
  size_t start = 0;
  for (;;) {
    size_t pos = line.find(sep, start);
    if (pos == std::string_view::npos) {
      out->push_back(Trim(line.substr(start)));
      return;
    }
    out->push_back(Trim(line.substr(start, pos - start)));
    start = pos + 1;
  }
}

bool ParseFiniteDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  // from_chars also accepts "nan" and "inf"; both are refused below by the finiteness check.
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(*out);
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string Quote(std::string_view line) {
  constexpr size_t kMax = 80;
  if (line.size() > kMax) return "'" + std::string(line.substr(0, kMax)) + "...'";
  return "'" + std::string(line) + "'";
}

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

LineCursor::LineCursor(std::string_view text) : rest_(text) {
  if (rest_.substr(0, 3) == "\xEF\xBB\xBF") rest_.remove_prefix(3);
}

bool LineCursor::Next(std::string_view* line, int64_t* number) {
  if (rest_.empty()) return false;
  size_t nl = rest_.find('\n');
  std::string_view l = nl == std::string_view::npos ? rest_ : rest_.substr(0, nl);
  rest_ = nl == std::string_view::npos ? std::string_view() : rest_.substr(nl + 1);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  *line = l;
  *number = ++number_;
  return true;
}

}  // namespace podpilot::workload_internal
