#include "k8s/api_status.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace podpilot::k8s {

namespace {

constexpr const char* kRetryMarker = "retry after ";

std::string Shorten(const std::string& s, size_t n = 200) {
  std::string out = s.size() > n ? s.substr(0, n) + "..." : s;
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

StatusCode CodeFor(long http, const std::string& reason) {
  if (reason == "NotFound") return StatusCode::kNotFound;
  if (reason == "AlreadyExists") return StatusCode::kAlreadyExists;
  if (reason == "Conflict") return StatusCode::kAborted;
  if (reason == "Gone" || reason == "Expired") return StatusCode::kOutOfRange;
  if (reason == "Forbidden" || reason == "Unauthorized") return StatusCode::kPermissionDenied;
  if (reason == "Invalid" || reason == "BadRequest" || reason == "UnsupportedMediaType" ||
      reason == "RequestEntityTooLarge" || reason == "NotAcceptable" || reason == "MethodNotAllowed") {
    return StatusCode::kInvalidArgument;
  }
  if (reason == "TooManyRequests" || reason == "ServiceUnavailable" || reason == "Timeout" ||
      reason == "ServerTimeout" || reason == "InternalError") {
    return StatusCode::kUnavailable;
  }
  switch (http) {
    case 400: case 405: case 406: case 413: case 415: case 422: return StatusCode::kInvalidArgument;
    case 401: case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kAborted;
    case 410: return StatusCode::kOutOfRange;
    case 429: return StatusCode::kUnavailable;
    default: break;
  }
  if (http >= 500 && http <= 599) return StatusCode::kUnavailable;
  return StatusCode::kInternal;
}

}  // namespace

std::optional<std::chrono::seconds> ParseRetryAfter(const std::string& value) {
  size_t i = 0;
  while (i < value.size() && value[i] == ' ') ++i;
  long long secs = 0;
  size_t digits = 0;
  for (; i < value.size() && value[i] >= '0' && value[i] <= '9' && digits < 9; ++i, ++digits) secs = secs * 10 + (value[i] - '0');
  while (i < value.size() && (value[i] == ' ' || value[i] == '\r' || value[i] == '\n')) ++i;
  if (digits == 0 || i != value.size()) return std::nullopt;
  return std::chrono::seconds(secs);
}

std::optional<std::chrono::seconds> RetryAfterHint(const Status& status) {
  if (status.code() != StatusCode::kUnavailable) return std::nullopt;
  const auto pos = status.message().rfind(kRetryMarker);
  if (pos == std::string::npos) return std::nullopt;
  const std::string rest = status.message().substr(pos + std::string(kRetryMarker).size());
  const auto s = rest.find('s');
  if (s == std::string::npos) return std::nullopt;
  return ParseRetryAfter(rest.substr(0, s));
}

Status ApiErrorStatus(long http_code, const std::string& body, const std::string& where,
                      std::optional<std::chrono::seconds> retry_after) {
  std::string reason;
  std::string message;
  std::string causes;
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.value("kind", "") == "Status") {
    reason = j.value("reason", "");
    message = j.value("message", "");
    if (j.contains("details") && j["details"].is_object() && j["details"].contains("causes") &&
        j["details"]["causes"].is_array()) {
      for (const auto& c : j["details"]["causes"]) {
        if (!c.is_object()) continue;
        const std::string field = c.value("field", "");
        const std::string what = c.value("message", c.value("reason", ""));
        causes += fmt::format("; {}{}", field.empty() ? "" : field + ": ", what);
      }
    }
  } else {
    message = body.empty() ? "(empty body)" : Shorten(body);
  }
  const StatusCode code = CodeFor(http_code, reason);
  std::string text = fmt::format("{}: HTTP {}{}: {}", where, http_code, reason.empty() ? "" : " " + reason, message);
  // A 422's message already summarises the causes, but only the first few; list them all.
  if (code == StatusCode::kInvalidArgument && !causes.empty()) text += " (causes" + causes.substr(1) + ")";
  if (code == StatusCode::kUnavailable && retry_after) text += fmt::format(" ({}{}s)", kRetryMarker, retry_after->count());
  return Status(code, text);
}

}  // namespace podpilot::k8s
