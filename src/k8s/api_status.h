// Turning Kubernetes API failures into podpilot Status values.
//
// The API server answers errors with a metav1.Status object
//   {"kind":"Status","status":"Failure","message":"...","reason":"NotFound","code":404,
//    "details":{"name":"web","kind":"deployments","causes":[{"field":"spec.replicas","message":"..."}]}}
// ApiErrorStatus maps it (by reason, else by HTTP code) to:
//   404 NotFound                       -> kNotFound
//   409 AlreadyExists                  -> kAlreadyExists
//   409 Conflict (stale resourceVersion) -> kAborted        (re-read and retry: RetryOnConflict)
//   410 Gone / Expired (resourceVersion too old for a watch or a continue token) -> kOutOfRange
//   401 Unauthorized, 403 Forbidden    -> kPermissionDenied
//   400 BadRequest, 422 Invalid, 415   -> kInvalidArgument (422 lists each cause "field: message")
//   429 TooManyRequests, 5xx           -> kUnavailable     ("retry after Ns" when the server said)
//   504 / reason Timeout               -> kUnavailable too (the server gave up; try again)
//   anything else                      -> kInternal
// The message is "<where>: HTTP <code> <reason>: <API message>".
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/status.h"

namespace podpilot::k8s {

// `body` is the response body (a Status object, or anything else: then the HTTP code and the
// first 200 bytes of the body are used). `retry_after` is the parsed Retry-After header, if any.
Status ApiErrorStatus(long http_code, const std::string& body, const std::string& where,
                      std::optional<std::chrono::seconds> retry_after = std::nullopt);

// Parses a Retry-After header value given in seconds (the only form the API server sends);
// nullopt for anything else.
std::optional<std::chrono::seconds> ParseRetryAfter(const std::string& value);

// The Retry-After hint carried in a kUnavailable status's message by ApiErrorStatus.
std::optional<std::chrono::seconds> RetryAfterHint(const Status& status);

inline bool IsNotFound(const Status& s) { return s.code() == StatusCode::kNotFound; }
inline bool IsAlreadyExists(const Status& s) { return s.code() == StatusCode::kAlreadyExists; }
inline bool IsConflict(const Status& s) { return s.code() == StatusCode::kAborted; }
inline bool IsGone(const Status& s) { return s.code() == StatusCode::kOutOfRange; }
inline bool IsForbidden(const Status& s) { return s.code() == StatusCode::kPermissionDenied; }

// Splits a byte stream into lines as it arrives (a watch response is one JSON object per line,
// in chunks that cut lines anywhere). Not thread-safe.
class LineSplitter {
 public:
  // Appends `data` and calls on_line(line) for each complete line (without '\n'; a trailing '\r'
  // and empty lines are dropped). Returns false, keeping the rest buffered, as soon as on_line
  // returns false. A partial line longer than max_line bytes makes Append return false with
  // overflow() set.
  template <typename F>
  bool Append(const char* data, size_t n, F&& on_line) {
    buffer_.append(data, n);
    size_t start = 0;
    for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
      size_t end = nl;
      if (end > start && buffer_[end - 1] == '\r') --end;
      if (end == start) continue;
      if (!on_line(std::string_view(buffer_).substr(start, end - start))) {
        buffer_.erase(0, nl + 1);
        return false;
      }
    }
    buffer_.erase(0, start);
    if (buffer_.size() > max_line_) {
      overflow_ = true;
      return false;
    }
    return true;
  }
  // Bytes of an unfinished line.
  const std::string& pending() const { return buffer_; }
  bool overflow() const { return overflow_; }
  void set_max_line(size_t n) { max_line_ = n; }

 private:
  std::string buffer_;
  size_t max_line_ = 64u << 20;
  bool overflow_ = false;
};

}  // namespace podpilot::k8s
