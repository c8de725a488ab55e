// The spec of a PodPilotAutoscaler (deploy/crd/podpilotautoscalers.yaml), parsed from its JSON
// into what the reconciler needs: targets with their bounds, the policy as a podpilot policy spec
// string, the HPA rule it is compared with (Shadow) and falls back to, and the safety rails.
//
// The CRD schema already rejects most malformed objects at the API server; this parser checks
// again (objects may predate a schema change, or come from a server without the CRD's validation)
// and refuses what the operator cannot act on, naming the field path and the value:
//   "spec.metrics[1].resource.target.type: 'AverageValue' is not supported for memory ..."
//
// Pure functions, thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "operator/zone_clock.h"

namespace podpilot::op {

struct TargetRef {
  std::string kind = "Deployment";
  std::string name;
  int min_replicas = 1;
  int max_replicas = 1;
};

enum class Mode { kActive, kShadow };
enum class PolicyType { kHpa, kPredictive, kLearned };

struct RateLimits {
  int max_scale_up_per_minute = 0;    // 0: no limit beyond the policy's own behavior
  int max_scale_down_per_minute = 0;
};

struct SloSpec {
  double latency_ms = 0;              // 0: no SLO configured
  double percentile = 95;
  std::string query;                  // PromQL giving the latency in ms; "" = not observed
  // PromQL giving the fraction of requests within latency_ms over the last period, in [0, 1];
  // "" = derived from `query` (1 if its latency is within latency_ms, else 0).
  std::string attainment_query;
};

// PromQL templates read once per target (spec.signals.perTarget): "$target" is replaced by the
// target's name and "$namespace" by the autoscaler's namespace (ExpandTargetQuery). Each fills the
// TargetObservation field the simulator fills for every target, so that a learned model reads
// the per-target features it was trained on and the HPA rule can scale a group on Pods metrics.
// "" = not observed.
struct PerTargetQueries {
  std::string request_rate;    // requests/s reaching the target          -> request_rate
  std::string latency_p95_ms;  // p95 at the target incl. its downstream   -> latency_p95_ms
  std::string error_rate;      // failed requests/s                        -> error_rate
  std::string in_flight;       // requests in flight per ready pod         -> in_flight
};

// `query` with every "$target" replaced by `target` and every "$namespace" by `ns`.
std::string ExpandTargetQuery(const std::string& query, const std::string& target, const std::string& ns);

struct AutoscalerSpec {
  std::string namespace_;
  std::string name;
  std::string uid;
  int64_t generation = 0;
  std::vector<TargetRef> targets;     // one for scaleTargetRef, several for a group
  Mode mode = Mode::kShadow;
  PolicyType policy_type = PolicyType::kHpa;
  // The configured policy as a podpilot policy spec ("hpa:cpu=60,behavior=default",
  // "predictive:cpu=70", "learned:model=/models/x.safetensors,fallback=hpa").
  std::string policy_spec;
  // The HPA rule built from spec.metrics and spec.behavior alone: what the upstream HPA would do
  // with the same fields. Proposed beside the policy and used as the fallback.
  std::string hpa_spec;
  // Model reference of a Learned policy ("" otherwise); model_path is resolved (see ParseSpec).
  std::string model_path;
  std::string model_config_map;       // configMapRef name/key, when the model lives in a ConfigMap
                                      // (in the operator's namespace: ReconcilerOptions::model_namespace)
  std::string model_config_map_key;
  RateLimits rate_limits;
  SloSpec slo;
  std::string request_rate_query;     // optional PromQL (annotation podpilot.dev/request-rate-query)
  PerTargetQueries per_target;        // optional (spec.signals.perTarget)
  // The spec fields whose PromQL the HPA rule's Pods and External metrics read (e.g.
  // "spec.signals.perTarget.requestRate"): while one of them fails, the rule holds, as the
  // upstream HPA does when it cannot fetch a metric.
  std::set<std::string> hpa_prometheus_fields;
  // spec.timeZone: the IANA zone whose local clock gives observations their time of day and
  // weekday, as the simulator's workload-local clock does for a learned model (zone_clock.h).
  // UTC when absent; ParseAutoscalerSpec resolves it once (its zone file loaded) and refuses a
  // zone the tz database does not have.
  ZoneClock time_zone = ZoneClock::Utc();
};

struct ParseOptions {
  // Where `policy.model.path` is resolved when relative (the operator's --model-dir).
  std::string model_dir;
};

// Parses a PodPilotAutoscaler object. InvalidArgument naming "spec.<path>" and the value for
// anything the operator cannot act on.
StatusOr<AutoscalerSpec> ParseAutoscalerSpec(const nlohmann::json& object, const ParseOptions& options = {});

// The HPA policy keys (src/policy/hpa/hpa_factory.h) equivalent to autoscaling/v2 `metrics` and
// `behavior`; "hpa" with the API default (cpu 80 %) when metrics are absent. InvalidArgument naming
// the field ("spec.metrics[1].pods.target.averageValue: ...") for what the HPA rule would refuse:
// an unsupported metric, a value outside its limits, two metrics of one kind; "spec: ..." for a
// combination only the whole rule refuses.
StatusOr<std::string> HpaSpecFromV2(const nlohmann::json& metrics, const nlohmann::json& behavior);

}  // namespace podpilot::op
