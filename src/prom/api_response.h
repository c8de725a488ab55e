// Decoding of the Prometheus HTTP API's JSON envelope for query endpoints
// (https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview):
//
//   {"status": "success" | "error",
//    "data": {"resultType": "vector" | "matrix" | "scalar" | "string", "result": ...},
//    "errorType": "bad_data" | "timeout" | ...,   (only when status is "error")
//    "error": "<text>",                           (only when status is "error")
//    "warnings": ["<text>", ...]}                 (optional)
//
// Separate from the HTTP transport (prometheus_client.h) so that it is a pure function of the
// bytes received: the client adds where the bytes came from (URL, query) to any error.
//
// Thread-safety: free functions on values; no shared state.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "prom/query_result.h"

namespace podpilot::prom {

// Parses a sample value in Prometheus' string form: a decimal or exponent float as Go's
// strconv.FormatFloat writes it, or "NaN", "+Inf", "-Inf" ("Inf" is accepted too).
// InvalidArgument naming the text for anything else (including trailing bytes).
StatusOr<double> ParsePromFloat(std::string_view text);

// The Status code for a Prometheus API error: from errorType when it is one Prometheus defines,
// otherwise from the HTTP status.
//   bad_data, execution -> InvalidArgument (the query as written cannot be answered)
//   timeout             -> DeadlineExceeded
//   canceled, unavailable -> Unavailable
//   not_found           -> NotFound
//   internal            -> Internal
//   other: HTTP 401/403 -> FailedPrecondition (credentials), 404 -> NotFound (wrong base URL),
//          408/504      -> DeadlineExceeded, other 4xx -> InvalidArgument,
//          5xx          -> Unavailable, anything else -> DataLoss
StatusCode CodeForApiError(std::string_view error_type, long http_status);

// Decodes one response of /api/v1/query or /api/v1/query_range given its HTTP status and body.
// On success, `query` of the result is left empty (the caller knows it).
// Errors (messages say what was wrong, without the URL, which the caller prefixes):
//   status "error"          -> CodeForApiError(errorType, http_status), message
//                              "HTTP <code> <errorType>: <error>"
//   a body that is not JSON -> for a non-2xx status CodeForApiError("", status) with the start
//                              of the body (a proxy's HTML page, say); otherwise DataLoss
//   JSON of the wrong shape -> DataLoss naming the field path (e.g. "data.result[2].value[1]")
//   native histogram samples -> InvalidArgument (not supported; query a float expression)
StatusOr<QueryResult> ParseQueryResponse(std::string_view body, long http_status);

// `text` as one line (newlines replaced by spaces), cut after 200 bytes with the full length
// noted, for quoting PromQL or response bodies in error messages.
std::string QueryForMessage(std::string_view text);

}  // namespace podpilot::prom
