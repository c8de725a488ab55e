// Typed results of the Prometheus HTTP API's query endpoints (/api/v1/query and
// /api/v1/query_range), and helpers that reduce a result to the one number a policy consumes.
//
// Prometheus answers a query with one of four result types
// (https://prometheus.io/docs/prometheus/latest/querying/api/#expression-query-result-formats):
//   vector  one sample per series, all at the evaluation time   (instant query of a selector)
//   matrix  several samples per series                           (range query, or a range selector)
//   scalar  one number without labels                            (e.g. "1+1", "scalar(up)")
//   string  one string                                           (e.g. "\"hello\"")
// QueryResult holds exactly one of them (the one named by `type`; the others stay empty).
//
// Values are doubles and may be NaN or +/-Inf (Prometheus writes "NaN", "+Inf", "-Inf"); e.g.
// a ratio whose denominator is 0 is NaN. Nothing here filters them: the caller decides.
//
// Thread-safety: plain values and free functions; no shared state.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace podpilot::prom {

enum class ResultType { kVector, kMatrix, kScalar, kString };

// "vector", "matrix", "scalar", "string": the names Prometheus uses on the wire.
const char* ResultTypeName(ResultType type);

// A series' label set, including __name__ when Prometheus returns it. Ordered, so that printing
// it is deterministic.
using Labels = std::map<std::string, std::string>;

// {__name__="up", job="prometheus"}; "{}" for the empty set. Values are escaped as in PromQL.
std::string FormatLabels(const Labels& labels);

struct Sample {
  double timestamp = 0;  // seconds since the Unix epoch (Prometheus' resolution: milliseconds)
  double value = 0;      // may be NaN or +/-Inf
};

// One series of an instant vector: its labels and its sample at the evaluation time.
struct VectorSample {
  Labels labels;
  Sample sample;
};

// One series of a range matrix: its labels and its samples in increasing time order.
struct MatrixSeries {
  Labels labels;
  std::vector<Sample> samples;
};

struct QueryResult {
  ResultType type = ResultType::kVector;
  std::vector<VectorSample> vector;  // type == kVector (may be empty: no series matched)
  std::vector<MatrixSeries> matrix;  // type == kMatrix
  Sample scalar;                     // type == kScalar
  double string_timestamp = 0;       // type == kString
  std::string string_value;          // type == kString

  // Warnings Prometheus attached to a successful answer (e.g. a PromQL function applied to a
  // metric that does not look like a counter); empty when there were none.
  std::vector<std::string> warnings;

  // The PromQL that produced this result (set by PrometheusClient), so that helpers below can
  // name it in their errors.
  std::string query;
};

// The one sample of a result that should hold exactly one number: an instant vector with exactly
// one series, or a scalar. This is what feeds a policy's metric (write the query so that it
// aggregates to one series, e.g. sum(rate(...[1m]))).
// Errors (each names the query):
//   NotFound         an empty vector: no series matched (metric not scraped yet, labels wrong)
//   InvalidArgument  a vector with several series (lists the first few label sets), or a matrix
//                    or string result
// NaN and Inf are returned as they are, not treated as errors.
StatusOr<Sample> SingleSample(const QueryResult& result);

// SingleSample(result)->value.
StatusOr<double> SingleValue(const QueryResult& result);

}  // namespace podpilot::prom
