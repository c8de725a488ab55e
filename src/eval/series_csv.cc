#include "eval/series_csv.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace podpilot {
namespace {

constexpr const char* kFixed[] = {"time_s", "request_rate", "slo_attainment", "p95_ms", "error_rate", "cost_per_hour"};
constexpr int kNumFixed = 6;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Splits the numeric part of a line. Numeric fields never contain commas or quotes, so the
// first `n` fields are plain; whatever follows (the quoted reason, RFC 4180) is returned whole.
bool SplitFields(const std::string& line, size_t n, std::vector<std::string>* fields, std::string* rest) {
  fields->clear();
  size_t pos = 0;
  while (fields->size() < n) {
    size_t comma = line.find(',', pos);
    if (comma == std::string::npos) {
      if (fields->size() + 1 != n) return false;
      fields->push_back(line.substr(pos));
      rest->clear();
      return true;
    }
    fields->push_back(line.substr(pos, comma - pos));
    pos = comma + 1;
  }
  *rest = line.substr(pos);
  return true;
}

std::string Unquote(const std::string& field) {
  if (field.size() < 2 || field.front() != '"' || field.back() != '"') return field;
  std::string out;
  for (size_t i = 1; i + 1 < field.size(); ++i) {
    out += field[i];
    if (field[i] == '"' && i + 2 < field.size() && field[i + 1] == '"') ++i;
  }
  return out;
}

}  // namespace

StatusOr<TimeSeries> TimeSeriesFromCsv(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  std::string header;
  if (!std::getline(in, header)) return InvalidArgumentError(source + ": empty time series file");
  std::vector<std::string> cols;
  {
    std::stringstream hs(header);
    std::string c;
    while (std::getline(hs, c, ',')) cols.push_back(c);
  }
  if (cols.empty() || cols.back() != "reason") {
    return InvalidArgumentError(source + ":1: header must end with the column 'reason'");
  }
  cols.pop_back();
  if (cols.size() < kNumFixed) return InvalidArgumentError(source + ":1: header has too few columns");
  for (int i = 0; i < kNumFixed; ++i) {
    if (cols[i] != kFixed[i]) {
      return InvalidArgumentError(source + ":1: column " + std::to_string(i + 1) + " is '" + cols[i] +
                                     "', expected '" + kFixed[i] + "'");
    }
  }
  TimeSeries ts;
  size_t c = kNumFixed;
  while (c + 3 < cols.size() && EndsWith(cols[c], "_replicas")) {
    const std::string name = cols[c].substr(0, cols[c].size() - 9);
    if (cols[c + 1] != name + "_ready" || cols[c + 2] != name + "_cpu_util" || cols[c + 3] != name + "_p95_ms") {
      return InvalidArgumentError(source + ":1: columns after '" + cols[c] + "' are not " + name +
                                     "_ready, _cpu_util, _p95_ms");
    }
    ts.target_names.push_back(name);
    c += 4;
  }
  for (; c < cols.size(); ++c) {
    if (cols[c].rfind("class_", 0) != 0 || !EndsWith(cols[c], "_p95_ms")) {
      return InvalidArgumentError(source + ":1: unexpected column '" + cols[c] + "'");
    }
    ts.class_names.push_back(cols[c].substr(6, cols[c].size() - 6 - 7));
  }
  const size_t T = ts.target_names.size(), K = ts.class_names.size();
  std::string line, rest;
  std::vector<std::string> f;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const std::string where = source + ":" + std::to_string(line_no);
    if (!SplitFields(line, cols.size(), &f, &rest)) {
      return InvalidArgumentError(where + ": expected " + std::to_string(cols.size() + 1) + " fields");
    }
    std::vector<double> v(f.size());
    for (size_t i = 0; i < f.size(); ++i) {
      char* end = nullptr;
      errno = 0;
      v[i] = std::strtod(f[i].c_str(), &end);
      if (f[i].empty() || *end != '\0' || errno == ERANGE) {
        return InvalidArgumentError(where + ": column '" + cols[i] + "' is not a number: '" + f[i] + "'");
      }
    }
    TimeSeries::Row r;
    r.time_s = v[0];
    r.request_rate = v[1];
    r.slo_attainment = v[2];
    r.p95_ms = v[3];
    r.error_rate = v[4];
    r.cost_rate = v[5];
    for (size_t t = 0; t < T; ++t) {
      r.replicas.push_back(static_cast<int>(v[kNumFixed + 4 * t]));
      r.ready.push_back(static_cast<int>(v[kNumFixed + 4 * t + 1]));
      r.cpu_util.push_back(v[kNumFixed + 4 * t + 2]);
      r.target_p95_ms.push_back(v[kNumFixed + 4 * t + 3]);
    }
    for (size_t k = 0; k < K; ++k) r.class_p95_ms.push_back(v[kNumFixed + 4 * T + k]);
    r.reason = Unquote(rest);
    ts.rows.push_back(std::move(r));
  }
  return ts;
}

}  // namespace podpilot
