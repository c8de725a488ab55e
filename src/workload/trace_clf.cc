// HTTP access log reader (Common Log Format), see trace.h.
//
//   host ident authuser [dd/Mon/yyyy:HH:MM:SS +zzzz] "request" status bytes
//
// Only the timestamp is used, but the whole line is checked so that truncated or garbled lines
// (the NASA-HTTP logs have a handful) are counted as malformed rather than silently binned.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/file_util.h"
#include "common/units.h"
#include "workload/text_util.h"
#include "workload/trace.h"

namespace podpilot::workload_internal {
namespace {

constexpr double kDefaultMaxGapS = 3600.0;
constexpr int64_t kMaxBackwardS = 60;
constexpr int64_t kWeekS = 7 * 86400;

struct Stamp {
  int64_t utc;    // Unix seconds
  int64_t local;  // Unix seconds of the same wall-clock reading taken as UTC
};

bool Digits(std::string_view s, int* out) {
  int v = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// "01/Jul/1995:00:00:01 -0400"
bool ParseStamp(std::string_view s, Stamp* out) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' ||
      s[20] != ' ' || (s[21] != '+' && s[21] != '-')) {
    return false;
  }
  int day, year, hh, mm, ss, zh, zm;
  if (!Digits(s.substr(0, 2), &day) || !Digits(s.substr(7, 4), &year) || !Digits(s.substr(12, 2), &hh) ||
      !Digits(s.substr(15, 2), &mm) || !Digits(s.substr(18, 2), &ss) || !Digits(s.substr(22, 2), &zh) ||
      !Digits(s.substr(24, 2), &zm)) {
    return false;
  }
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i) {
    std::string_view m = s.substr(3, 3);
    if (std::equal(m.begin(), m.end(), kMonths[i].begin(),
                   [](char a, char b) { return (a | 0x20) == b; })) {  // ASCII case-insensitive
      month = i + 1;
    }
  }
  namespace chr = std::chrono;
  const chr::year_month_day ymd{chr::year{year}, chr::month{month}, chr::day{static_cast<unsigned>(day)}};
  if (month == 0 || !ymd.ok() || hh > 23 || mm > 59 || ss > 60 || zh > 14 || zm > 59) return false;
  const int64_t days = chr::sys_days{ymd}.time_since_epoch().count();
  out->local = days * 86400 + hh * 3600 + mm * 60 + ss;
  const int64_t zone = (s[21] == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  out->utc = out->local - zone;
  return true;
}

// True when `l` is a well-formed CLF (or Combined) line; sets its timestamp.
bool ParseLine(std::string_view l, Stamp* stamp) {
  const size_t lb = l.find(" [");
  if (lb == std::string_view::npos) return false;
  // host, ident and authuser before the bracket.
  int tokens = 0;
  bool in_token = false;
  for (char c : l.substr(0, lb)) {
    if (c != ' ' && !in_token) ++tokens;
    in_token = c != ' ';
  }
  if (tokens < 3) return false;
  const size_t rb = l.find(']', lb);
  if (rb == std::string_view::npos || !ParseStamp(l.substr(lb + 2, rb - lb - 2), stamp)) return false;
  if (l.substr(rb, 3) != "] \"") return false;
  // The request ends at the first quote followed by " <status> <bytes>"; requests themselves
  // occasionally contain quotes.
  for (size_t q = l.find('"', rb + 3); q != std::string_view::npos; q = l.find('"', q + 1)) {
    std::string_view rest = l.substr(q + 1);
    int status;
    if (rest.size() < 6 || rest[0] != ' ' || rest[4] != ' ' || !Digits(rest.substr(1, 3), &status)) continue;
    if (status < 100 || status > 599) continue;
    std::string_view bytes = rest.substr(5);
    bytes = bytes.substr(0, bytes.find(' '));  // Combined format: referer and agent follow
    if (bytes == "-" || (!bytes.empty() && bytes.find_first_not_of("0123456789") == std::string_view::npos)) {
      return true;
    }
  }
  return false;
}

Status LineError(const std::string& origin, int64_t line, const std::string& what) {
  return InvalidArgumentError(origin + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

StatusOr<Trace> ParseClfTrace(std::string_view text, const std::string& origin, std::optional<double> max_gap_s) {
  const double max_gap = max_gap_s.value_or(kDefaultMaxGapS);
  std::vector<int64_t> times;
  int64_t lines = 0, malformed = 0, first_bad_line = 0, latest_line = 0;
  std::string first_bad;
  Stamp earliest{0, 0}, latest{0, 0};
  LineCursor cursor(text);
  std::string_view line;
  int64_t no;
  while (cursor.Next(&line, &no)) {
    std::string_view l = Trim(line);
    if (l.empty()) continue;
    ++lines;
    Stamp s;
    if (!ParseLine(l, &s)) {
      if (malformed++ == 0) {
        first_bad_line = no;
        first_bad = Quote(l);
      }
      continue;
    }
    if (times.empty()) {
      earliest = latest = s;
    } else {
      if (s.utc < latest.utc - kMaxBackwardS) {
        return LineError(origin, no, "time goes backwards by " + FormatDuration(double(latest.utc - s.utc)) +
                                         " from line " + std::to_string(latest_line) + " (more than " +
                                         std::to_string(kMaxBackwardS) + " s out of order)");
      }
      if (double(s.utc - latest.utc) > max_gap) {
        return LineError(origin, no, "gap of " + FormatDuration(double(s.utc - latest.utc)) +
                                         " without requests after line " + std::to_string(latest_line) +
                                         " exceeds max_gap " + FormatDuration(max_gap) +
                                         (max_gap_s ? "" : " (set max_gap= to allow it)"));
      }
      if (s.utc < earliest.utc) earliest = s;
    }
    if (times.empty() || s.utc >= latest.utc) {
      latest = s;
      latest_line = no;
    }
    times.push_back(s.utc);
  }
  if (lines == 0) return InvalidArgumentError(origin + ": empty file (no log lines)");
  if (malformed * 100 > lines) {
    return InvalidArgumentError(origin + ": " + std::to_string(malformed) + " of " + std::to_string(lines) +
                                " lines are malformed, more than the 1% tolerated (first at line " +
                                std::to_string(first_bad_line) + ": " + first_bad + ")");
  }

  Trace trace;
  const size_t n = static_cast<size_t>(latest.utc - earliest.utc + 1);
  trace.rate.rate.assign(n, 0.0);
  for (int64_t t : times) trace.rate.rate[static_cast<size_t>(t - earliest.utc)] += 1.0;
  trace.rate.bounds.resize(n + 1);
  for (size_t i = 0; i <= n; ++i) trace.rate.bounds[i] = static_cast<double>(i);
  // 1970-01-01 was a Thursday: +3 days turns Unix days into days since a Monday.
  trace.clock_start_s = static_cast<double>(((earliest.local + 3 * 86400) % kWeekS + kWeekS) % kWeekS);
  if (malformed > 0) {
    trace.warnings.push_back(origin + ": skipped " + std::to_string(malformed) + " malformed of " +
                             std::to_string(lines) + " lines (first at line " + std::to_string(first_bad_line) +
                             ": " + first_bad + ")");
  }
  return trace;
}

StatusOr<Trace> ReadClfTrace(const std::string& path, std::optional<double> max_gap_s) {
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseClfTrace(text, path, max_gap_s);
}

}  // namespace podpilot::workload_internal
