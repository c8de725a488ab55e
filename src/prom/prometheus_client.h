// A client for the Prometheus HTTP API's PromQL endpoints, over libcurl:
//   InstantQuery -> POST <base>/api/v1/query        (query, time)
//   RangeQuery   -> POST <base>/api/v1/query_range  (query, start, end, step)
// Parameters are sent form-encoded in the POST body, which Prometheus accepts on both endpoints
// and which keeps long PromQL out of URLs (and out of proxies' URL length limits and access logs).
//
// Example:
//   ClientOptions options;
//   options.base_url = "http://prom:9090";
//   PP_ASSIGN_OR_RETURN(auto client, PrometheusClient::Create(options));
//   PP_ASSIGN_OR_RETURN(auto result, client.InstantQuery("sum(rate(http_requests_total[1m]))"));
//   PP_ASSIGN_OR_RETURN(double rps, SingleValue(result));
//
// Errors say what failed: each message starts with the endpoint URL and the query (cut after 200
// bytes), then what went wrong:
//   transport (libcurl's own text follows):
//     connection refused, DNS failure, connection reset, empty reply  -> Unavailable
//     no answer within `timeout` (or no connection within connect_timeout) -> DeadlineExceeded
//     TLS certificate or CA file problems                              -> FailedPrecondition
//     TLS handshake failure                                             -> Unavailable
//     a response larger than max_response_bytes                        -> OutOfRange
//   Prometheus' answer: "HTTP <status> <errorType>: <error>" with the code from
//     CodeForApiError (api_response.h): bad_data -> InvalidArgument, timeout -> DeadlineExceeded,
//     unavailable -> Unavailable, ...
//   a body that is not the API's JSON -> DataLoss (or by HTTP status, see api_response.h)
// Nothing is retried here: the caller (a reconcile loop) decides when to try again, typically on
// Unavailable and DeadlineExceeded only.
//
// Proxies: libcurl honours http_proxy / https_proxy / no_proxy from the environment, as
// Prometheus' own Go client does.
//
// Thread-safety: a PrometheusClient is immutable after Create; its const methods may be called
// concurrently from any number of threads (each call leases its own libcurl handle from a pool
// shared by copies, net/curl_handle_pool.h, so consecutive calls reuse their connection).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "prom/query_result.h"

namespace podpilot::net {
class CurlHandlePool;  // net/curl_handle_pool.h
}  // namespace podpilot::net

namespace podpilot::prom {

struct ClientOptions {
  // "http://host:9090" or "https://host/some/prefix" (a reverse proxy's path prefix is kept; a
  // trailing '/' is ignored). No query string, fragment or user:password (error messages quote
  // the URL).
  std::string base_url;
  // Sent as "Authorization: Bearer <token>" when non-empty (e.g. a service account token in front
  // of an authenticating proxy). Never included in error messages.
  std::string bearer_token;
  // PEM file of CA certificates to verify an https server with; empty: the system's store.
  std::string ca_file;
  // Skip TLS certificate and host name verification (test clusters with self-signed certs only).
  bool insecure_skip_verify = false;
  // Bound on a whole request (connect, send, Prometheus' evaluation, receive). Must be > 0.
  std::chrono::milliseconds timeout{10'000};
  // Bound on establishing the connection (TCP and TLS). Must be > 0.
  std::chrono::milliseconds connect_timeout{3'000};
  // Answers larger than this are refused (OutOfRange) rather than buffered: a selector that
  // matches far more series than intended should fail loudly, not exhaust memory.
  size_t max_response_bytes = 64u << 20;
};

class PrometheusClient {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // Validates `options` and initialises libcurl (once per process). InvalidArgument naming the
  // field and value if the URL is not http(s)://host[:port][/prefix], a timeout is not positive,
  // or max_response_bytes is 0; NotFound if ca_file does not exist. Does not contact the server.
  static StatusOr<PrometheusClient> Create(ClientOptions options);

  // Evaluates `promql` at `time` (default: Prometheus' "now"). Returns the typed result (any of
  // the four result types) with its warnings and `query` set, or an error as described above.
  // If `no_answer` is given it is set to whether the server gave no answer at all (no connection,
  // TLS failure, no complete response within `timeout`, or a proxy's HTTP 502/504 saying it got
  // none from Prometheus), as opposed to an answer that is an error
  // (Prometheus' own query timeout, an HTTP status, a malformed body): callers that send several
  // queries use it to tell an unreachable server from one bad query.
  StatusOr<QueryResult> InstantQuery(const std::string& promql, std::optional<TimePoint> time = std::nullopt,
                                     bool* no_answer = nullptr) const;

  // Evaluates `promql` at start, start + step, ... up to end (inclusive), giving a matrix.
  // InvalidArgument without contacting the server if step <= 0 or end < start. Prometheus itself
  // refuses more than 11,000 points per series (bad_data -> InvalidArgument).
  StatusOr<QueryResult> RangeQuery(const std::string& promql, TimePoint start, TimePoint end,
                                   std::chrono::milliseconds step) const;

  // The base URL as normalised by Create (no trailing '/').
  const std::string& base_url() const { return options_.base_url; }

 private:
  explicit PrometheusClient(ClientOptions options);

  // POSTs `form` (already encoded) to base_url + path and decodes the answer.
  StatusOr<QueryResult> Post(const std::string& path, const std::string& form, const std::string& promql,
                             bool* no_answer = nullptr) const;

  ClientOptions options_;
  // Idle libcurl handles, so that consecutive queries reuse their connection (an operator asks
  // every period); shared by copies.
  std::shared_ptr<net::CurlHandlePool> pool_;
};

}  // namespace podpilot::prom
