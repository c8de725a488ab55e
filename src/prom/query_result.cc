#include "prom/query_result.h"

#include "prom/api_response.h"

#include <fmt/format.h>

#include <algorithm>

namespace podpilot::prom {

const char* ResultTypeName(ResultType type) {
  switch (type) {
    case ResultType::kVector: return "vector";
    case ResultType::kMatrix: return "matrix";
    case ResultType::kScalar: return "scalar";
    case ResultType::kString: return "string";
  }
  return "unknown";
}

std::string FormatLabels(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ", ";
    first = false;
    out += name;
    out += "=\"";
    for (char c : value) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += '}';
  return out;
}

StatusOr<Sample> SingleSample(const QueryResult& result) {
  const std::string where = fmt::format("query \"{}\"", QueryForMessage(result.query));
  switch (result.type) {
    case ResultType::kScalar:
      return result.scalar;
    case ResultType::kVector:
      break;
    case ResultType::kMatrix:
    case ResultType::kString:
      return InvalidArgumentError(fmt::format(
          "{}: returned a {}, want an instant vector with one series or a scalar", where,
          ResultTypeName(result.type)));
  }
  if (result.vector.empty()) {
    return NotFoundError(fmt::format(
        "{}: returned no series (empty vector): is the metric scraped yet, are the labels right?",
        where));
  }
  if (result.vector.size() > 1) {
    constexpr size_t kShown = 3;
    std::string shown;
    for (size_t i = 0; i < std::min(kShown, result.vector.size()); ++i) {
      if (i > 0) shown += ", ";
      shown += FormatLabels(result.vector[i].labels);
    }
    if (result.vector.size() > kShown) shown += ", ...";
    return InvalidArgumentError(fmt::format(
        "{}: returned {} series, want exactly one (aggregate with sum()/max() or narrow the "
        "selector): {}",
        where, result.vector.size(), shown));
  }
  return result.vector.front().sample;
}

StatusOr<double> SingleValue(const QueryResult& result) {
  PP_ASSIGN_OR_RETURN(Sample s, SingleSample(result));
  return s.value;
}

}  // namespace podpilot::prom
