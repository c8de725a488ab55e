// SignalReader: reads one observation's PromQL signals in turn (target_observer.cc), recording
// each failure in a SignalErrors, and stops sending queries once Prometheus is found
// unreachable: an observation reads up to 3 + 4 x targets queries, and a hung Prometheus would
// otherwise hold the reconcile worker for that many client timeouts.
//
// Thread safety: none; one reader per observation, on the reconciling thread.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "prom/prometheus_client.h"

namespace podpilot::op {

// What an observation's PromQL signals came to (part of ObservationResult, target_observer.h).
struct SignalErrors {
  bool prometheus_ok = true;            // false: a configured query failed
  std::set<std::string> failed_fields;  // the spec fields whose query failed
  std::vector<std::string> messages;    // one per failed query: "<field or what>: <why>"
};

class SignalReader {
 public:
  // `prom` may be null (no Prometheus configured: every configured query fails saying so). Neither
  // is owned; both must outlive the reader.
  SignalReader(const prom::PrometheusClient* prom, SignalErrors* errors) : prom_(prom), errors_(errors) {}

  // The single finite value `query` returns; nullopt if the query is empty (not configured) or
  // failed, which is recorded under `field`, with `what` (default: the field) in the message.
  // After a query found Prometheus unreachable (no connection, or no answer within the client's
  // timeout: PrometheusClient::InstantQuery's `no_answer`), later ones are not sent and fail as
  // "not queried". A query Prometheus answers with an error (bad PromQL, its own query timeout,
  // an HTTP 5xx) or whose answer is not one finite number fails alone.
  std::optional<double> Read(const std::string& field, const std::string& query, const std::string& what = "");

 private:
  const prom::PrometheusClient* prom_;
  SignalErrors* errors_;
  std::string unreachable_;  // non-empty once Prometheus was found unreachable: which query found it
};

}  // namespace podpilot::op
