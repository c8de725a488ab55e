#include "policy/keda/keda_factory.h"

#include <cstdio>

#include "policy/keda/keda_policy.h"

namespace podpilot {
namespace {

std::string Where(const PolicyParams& p, const std::string& key) {
  return p.name() + ": parameter " + key + "=" + p.values().at(key);
}

}  // namespace

StatusOr<std::unique_ptr<Policy>> MakeKedaPolicy(PolicyParams& params) {
  keda::KedaPolicyConfig c;
  keda::TriggerSpec& trig = c.trigger;
  keda::ScaledObjectSpec& so = c.scaled_object;

  PP_ASSIGN_OR_RETURN(trig.metric_name, params.GetString("metric", "request_rate"));
  const std::pair<const char*, keda::TriggerSource> sources[] = {
      {"request_rate", keda::TriggerSource::kRequestRate},
      {"in_flight", keda::TriggerSource::kInFlight},
      {"latency_p95_ms", keda::TriggerSource::kLatencyP95Ms},
      {"error_rate", keda::TriggerSource::kErrorRate},
      {"entry_request_rate", keda::TriggerSource::kEntryRequestRate}};
  bool known = false;
  for (const auto& [n, src] : sources) {
    if (trig.metric_name == n) {
      c.source = src;
      known = true;
    }
  }
  if (!known) {
    return InvalidArgumentError(Where(params, "metric") +
                                ": unknown metric (request_rate, in_flight, latency_p95_ms, error_rate, "
                                "entry_request_rate)");
  }
  if (!params.Has("threshold")) return InvalidArgumentError(params.name() + ": parameter threshold is required");
  PP_ASSIGN_OR_RETURN(trig.threshold, params.GetDouble("threshold", 0, 0, 1e12));
  if (trig.threshold <= 0) return InvalidArgumentError(Where(params, "threshold") + ": must be > 0");
  PP_ASSIGN_OR_RETURN(trig.activation_threshold, params.GetDouble("activation", 0, 0, 1e12));
  PP_ASSIGN_OR_RETURN(std::string type, params.GetString("metric_type", "AverageValue"));
  if (type == "AverageValue") {
    trig.metric_type = keda::MetricType::kAverageValue;
  } else if (type == "Value") {
    trig.metric_type = keda::MetricType::kValue;
  } else {
    return InvalidArgumentError(Where(params, "metric_type") +
                                ": expected AverageValue or Value (Utilization is rejected for external metrics)");
  }

  PP_ASSIGN_OR_RETURN(so.polling_interval_s, params.GetDuration("polling", 30, 1, 3600));
  PP_ASSIGN_OR_RETURN(so.cooldown_period_s, params.GetDuration("cooldown", 300, 0, 86400));
  PP_ASSIGN_OR_RETURN(so.initial_cooldown_period_s, params.GetDuration("initial_cooldown", 0, 0, 86400));
  PP_ASSIGN_OR_RETURN(int min, params.GetInt("min", 0, 0, 10000));
  so.min_replica_count = min;
  if (params.Has("max")) {
    PP_ASSIGN_OR_RETURN(int max, params.GetInt("max", 100, 1, 10000));
    if (min > max) {
      return InvalidArgumentError(params.name() + ": min=" + std::to_string(min) + " exceeds max=" + std::to_string(max));
    }
    so.max_replica_count = max;
  }
  if (params.Has("idle")) {
    PP_ASSIGN_OR_RETURN(int idle, params.GetInt("idle", 0, 0, 10000));
    if (idle >= min) {
      return InvalidArgumentError(Where(params, "idle") + ": idleReplicaCount must be lower than min (" +
                                  std::to_string(min) + ")");
    }
    so.idle_replica_count = idle;
  }
  if (params.Has("fallback_replicas")) {
    keda::FallbackSpec fb;
    PP_ASSIGN_OR_RETURN(fb.replicas, params.GetInt("fallback_replicas", 0, 0, 10000));
    PP_ASSIGN_OR_RETURN(fb.failure_threshold, params.GetInt("fallback_failures", 3, 0, 1000));
    PP_ASSIGN_OR_RETURN(std::string behavior, params.GetString("fallback_behavior", "static"));
    if (behavior == "static") {
      fb.behavior = keda::FallbackBehavior::kStatic;
    } else if (behavior == "currentReplicas") {
      fb.behavior = keda::FallbackBehavior::kCurrentReplicas;
    } else if (behavior == "currentReplicasIfHigher") {
      fb.behavior = keda::FallbackBehavior::kCurrentReplicasIfHigher;
    } else if (behavior == "currentReplicasIfLower") {
      fb.behavior = keda::FallbackBehavior::kCurrentReplicasIfLower;
    } else {
      return InvalidArgumentError(Where(params, "fallback_behavior") +
                                  ": expected static, currentReplicas, currentReplicasIfHigher or "
                                  "currentReplicasIfLower");
    }
    so.fallback = fb;
  } else if (params.Has("fallback_failures") || params.Has("fallback_behavior")) {
    return InvalidArgumentError(params.name() + ": fallback_failures / fallback_behavior need fallback_replicas");
  }
  PP_ASSIGN_OR_RETURN(c.hpa_sync_period_s, params.GetDuration("hpa_sync", 15, 1, 3600));
  PP_ASSIGN_OR_RETURN(std::string hpa, params.GetString("hpa", "core"));
  if (hpa != "core" && hpa != "plain") return InvalidArgumentError(Where(params, "hpa") + ": expected core or plain");
  c.plain_hpa = hpa == "plain";
  PP_RETURN_IF_ERROR(params.CheckAllUsed());

  char name[160];
  std::snprintf(name, sizeof name, "keda:metric=%s,threshold=%g,activation=%g,min=%d", trig.metric_name.c_str(),
                trig.threshold, trig.activation_threshold, min);
  return std::unique_ptr<Policy>(std::make_unique<keda::KedaPolicy>(std::move(c), name));
}

}  // namespace podpilot
