// Status and StatusOr<T>: error values for I/O and validation paths, in the style of Abseil's
// absl::Status / absl::StatusOr. Hand-written (about a hundred lines) rather than pulling in
// Abseil for two small types; the shape is the same so a later switch is mechanical.
//
// A Status is either OK or carries a code and a human-readable message. Messages name the place
// that failed (file, field, value) so a user can fix the input without reading the source.
// Both types are values: copyable, movable, not thread-safe to mutate concurrently.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace podpilot {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kFailedPrecondition,
  kOutOfRange,
  kIoError,
  kDataLoss,
  kUnavailable,
  kDeadlineExceeded,
  kInternal,
  // Added for the Kubernetes client (src/k8s), whose callers must tell these apart: an object that
  // already exists (HTTP 409 AlreadyExists), a lost optimistic-concurrency race to retry after
  // re-reading (HTTP 409 Conflict, as absl's ABORTED), and an identity the server refuses
  // (HTTP 401/403).
  kAlreadyExists,
  kAborted,
  kPermissionDenied,
};

const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: scenarios/apps/x.yaml: services[2].cpu_per_request: must be > 0, got -1"
  std::string ToString() const;

  // Returns a copy whose message is "prefix: message" (keeps the code). OK stays OK.
  Status WithPrefix(const std::string& prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status OutOfRangeError(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status AbortedError(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }

// StatusOr<T> holds either a T or a non-OK Status. Accessing value() on an error is a programming
// error (asserts in debug builds).
template <typename T>
class StatusOr {
 public:
  StatusOr(const Status& s) : v_(s) { assert(!s.ok() && "StatusOr built from an OK status"); }
  StatusOr(Status&& s) : v_(std::move(s)) { assert(!std::get<Status>(v_).ok()); }
  StatusOr(const T& value) : v_(value) {}
  StatusOr(T&& value) : v_(std::move(value)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T& value() & { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace podpilot

#define PP_CONCAT_INNER(a, b) a##b
#define PP_CONCAT(a, b) PP_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define PP_RETURN_IF_ERROR(expr)                   \
  do {                                             \
    ::podpilot::Status pp_status_ = (expr);        \
    if (!pp_status_.ok()) return pp_status_;       \
  } while (0)

// PP_ASSIGN_OR_RETURN(auto x, MakeX()); returns the error or binds the value.
#define PP_ASSIGN_OR_RETURN(lhs, expr) PP_ASSIGN_OR_RETURN_IMPL(PP_CONCAT(pp_so_, __LINE__), lhs, expr)
#define PP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
