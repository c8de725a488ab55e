#include "prom/api_response.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

namespace podpilot::prom {

using nlohmann::json;

StatusOr<double> ParsePromFloat(std::string_view text) {
  // Go's FormatFloat writes these three spellings; std::from_chars would accept "nan"/"inf" but
  // not a leading '+', so they are handled first.
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (!text.empty() && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return InvalidArgumentError(fmt::format("\"{}\" is not a Prometheus sample value", text));
  }
  return value;
}

StatusCode CodeForApiError(std::string_view error_type, long http_status) {
  if (error_type == "bad_data" || error_type == "execution") return StatusCode::kInvalidArgument;
  if (error_type == "timeout") return StatusCode::kDeadlineExceeded;
  if (error_type == "canceled" || error_type == "unavailable") return StatusCode::kUnavailable;
  if (error_type == "not_found") return StatusCode::kNotFound;
  if (error_type == "internal") return StatusCode::kInternal;
  if (http_status == 401 || http_status == 403) return StatusCode::kFailedPrecondition;
  if (http_status == 404) return StatusCode::kNotFound;
  if (http_status == 408 || http_status == 504) return StatusCode::kDeadlineExceeded;
  if (http_status >= 400 && http_status < 500) return StatusCode::kInvalidArgument;
  if (http_status >= 500 && http_status < 600) return StatusCode::kUnavailable;
  return StatusCode::kDataLoss;
}

std::string QueryForMessage(std::string_view text) {
  constexpr size_t kMax = 200;
  std::string out(text.substr(0, kMax));
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  if (text.size() > kMax) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

namespace {

Status Malformed(const std::string& path, const std::string& what) {
  return DataLossError(fmt::format("malformed response: {}: {}", path, what));
}

// [<unix seconds as a JSON number>, "<value>"], the pair Prometheus uses for every sample.
StatusOr<Sample> ParseSample(const json& j, const std::string& path) {
  if (!j.is_array() || j.size() != 2) return Malformed(path, "want [timestamp, \"value\"], got " + QueryForMessage(j.dump()));
  if (!j[0].is_number()) return Malformed(path + "[0]", "timestamp is not a number: " + j[0].dump());
  if (!j[1].is_string()) return Malformed(path + "[1]", "value is not a string: " + j[1].dump());
  auto value = ParsePromFloat(j[1].get_ref<const std::string&>());
  if (!value.ok()) return Malformed(path + "[1]", value.status().message());
  return Sample{j[0].get<double>(), *value};
}

StatusOr<Labels> ParseLabels(const json& j, const std::string& path) {
  if (!j.is_object()) return Malformed(path, "labels are not a JSON object: " + QueryForMessage(j.dump()));
  Labels labels;
  for (const auto& [name, value] : j.items()) {
    if (!value.is_string()) return Malformed(path + "." + name, "label value is not a string: " + value.dump());
    labels.emplace(name, value.get<std::string>());
  }
  return labels;
}

// Native histograms (experimental in Prometheus 2.40+) come as "histogram"/"histograms" instead
// of "value"/"values". A policy needs a number, so they are refused with a hint.
Status RefuseHistogram(const json& series, const char* field, const std::string& path) {
  if (series.contains(field)) {
    return InvalidArgumentError(fmt::format(
        "{}.{}: native histogram samples are not supported; query a float expression such as "
        "histogram_quantile(...) instead",
        path, field));
  }
  return Status::Ok();
}

Status ParseVector(const json& result, QueryResult* out) {
  for (size_t i = 0; i < result.size(); ++i) {
    const std::string path = fmt::format("data.result[{}]", i);
    const json& series = result[i];
    if (!series.is_object()) return Malformed(path, "series is not a JSON object");
    PP_RETURN_IF_ERROR(RefuseHistogram(series, "histogram", path));
    if (!series.contains("value")) return Malformed(path, "missing \"value\"");
    VectorSample vs;
    if (series.contains("metric")) {
      PP_ASSIGN_OR_RETURN(vs.labels, ParseLabels(series["metric"], path + ".metric"));
    }
    PP_ASSIGN_OR_RETURN(vs.sample, ParseSample(series["value"], path + ".value"));
    out->vector.push_back(std::move(vs));
  }
  return Status::Ok();
}

Status ParseMatrix(const json& result, QueryResult* out) {
  for (size_t i = 0; i < result.size(); ++i) {
    const std::string path = fmt::format("data.result[{}]", i);
    const json& series = result[i];
    if (!series.is_object()) return Malformed(path, "series is not a JSON object");
    PP_RETURN_IF_ERROR(RefuseHistogram(series, "histograms", path));
    if (!series.contains("values") || !series["values"].is_array()) {
      return Malformed(path, "missing \"values\" array");
    }
    MatrixSeries ms;
    if (series.contains("metric")) {
      PP_ASSIGN_OR_RETURN(ms.labels, ParseLabels(series["metric"], path + ".metric"));
    }
    const json& values = series["values"];
    ms.samples.reserve(values.size());
    for (size_t k = 0; k < values.size(); ++k) {
      PP_ASSIGN_OR_RETURN(Sample s, ParseSample(values[k], fmt::format("{}.values[{}]", path, k)));
      ms.samples.push_back(s);
    }
    out->matrix.push_back(std::move(ms));
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> ParseWarnings(const json& envelope) {
  std::vector<std::string> warnings;
  if (!envelope.contains("warnings") || envelope["warnings"].is_null()) return warnings;
  const json& w = envelope["warnings"];
  if (!w.is_array()) return Malformed("warnings", "not an array");
  for (const json& item : w) {
    if (!item.is_string()) return Malformed("warnings", "entry is not a string: " + item.dump());
    warnings.push_back(item.get<std::string>());
  }
  return warnings;
}

std::string StringField(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

StatusOr<QueryResult> ParseQueryResponse(std::string_view body, long http_status) {
  const bool http_ok = http_status >= 200 && http_status < 300;
  json envelope = json::parse(body, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (envelope.is_discarded() || !envelope.is_object()) {
    std::string_view trimmed = body;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.remove_suffix(1);
    const std::string start = trimmed.empty() ? "(empty body)" : "body: " + QueryForMessage(trimmed);
    if (!http_ok) {
      return Status(CodeForApiError("", http_status),
                    fmt::format("HTTP {} with a non-JSON {}", http_status, start));
    }
    return DataLossError(fmt::format("malformed response: HTTP {} but not a JSON object; {}", http_status, start));
  }

  const std::string status = StringField(envelope, "status");
  if (status == "error" || (!http_ok && status != "success")) {
    const std::string error_type = StringField(envelope, "errorType");
    const std::string error = StringField(envelope, "error");
    return Status(CodeForApiError(error_type, http_status),
                  fmt::format("HTTP {} {}: {}", http_status, error_type.empty() ? "error" : error_type,
                              error.empty() ? QueryForMessage(body) : error));
  }
  if (status != "success") return Malformed("status", "want \"success\" or \"error\", got " + QueryForMessage(body));

  QueryResult out;
  PP_ASSIGN_OR_RETURN(out.warnings, ParseWarnings(envelope));
  auto data_it = envelope.find("data");
  if (data_it == envelope.end() || !data_it->is_object()) return Malformed("data", "missing or not an object");
  const json& data = *data_it;
  const std::string type = StringField(data, "resultType");
  auto result_it = data.find("result");
  if (result_it == data.end()) return Malformed("data.result", "missing");
  const json& result = *result_it;

  if (type == "vector" || type == "matrix") {
    // Prometheus writes an empty vector as [], but a null costs nothing to accept.
    if (!result.is_array() && !result.is_null()) return Malformed("data.result", "a " + type + " result is not an array");
    if (type == "vector") {
      out.type = ResultType::kVector;
      if (result.is_array()) PP_RETURN_IF_ERROR(ParseVector(result, &out));
    } else {
      out.type = ResultType::kMatrix;
      if (result.is_array()) PP_RETURN_IF_ERROR(ParseMatrix(result, &out));
    }
  } else if (type == "scalar") {
    out.type = ResultType::kScalar;
    PP_ASSIGN_OR_RETURN(out.scalar, ParseSample(result, "data.result"));
  } else if (type == "string") {
    out.type = ResultType::kString;
    if (!result.is_array() || result.size() != 2 || !result[0].is_number() || !result[1].is_string()) {
      return Malformed("data.result", "a string result is not [timestamp, \"text\"]: " + QueryForMessage(result.dump()));
    }
    out.string_timestamp = result[0].get<double>();
    out.string_value = result[1].get<std::string>();
  } else {
    return Malformed("data.resultType", fmt::format("unknown result type \"{}\"", type));
  }
  return out;
}

}  // namespace podpilot::prom
