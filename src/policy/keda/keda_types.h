// Value types of the KEDA ScaledObject re-implementation (baselines.md section 4): the parts of
// the ScaledObject spec and status that KEDA's scale loop and its generated HPA read.
//
// Time is seconds on any fixed axis (simulation or Unix seconds); `now` is always a parameter.
// Plain values; copyable; not thread-safe to mutate concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace podpilot::keda {

using Time = double;

// How the HPA reads the external metric (pkg/scalers/scaler.go GetMetricTargetType).
enum class MetricType { kAverageValue, kValue };

// fallback.behavior: which replica count the synthetic fallback metric aims at.
enum class FallbackBehavior { kStatic, kCurrentReplicas, kCurrentReplicasIfHigher, kCurrentReplicasIfLower };

struct FallbackSpec {
  int32_t failure_threshold = 3;
  int32_t replicas = 0;
  FallbackBehavior behavior = FallbackBehavior::kStatic;
};

// One trigger (one scaler) of a ScaledObject.
struct TriggerSpec {
  std::string metric_name;            // e.g. "request_rate"; the HPA sees "s<index>-<name>"
  double threshold = 0;               // target value (per pod for AverageValue)
  double activation_threshold = 0;    // active when value > activation_threshold
  MetricType metric_type = MetricType::kAverageValue;
};

struct ScaledObjectSpec {
  double polling_interval_s = 30;           // pollingInterval
  double cooldown_period_s = 300;           // cooldownPeriod: only for the step down to 0 / idle
  double initial_cooldown_period_s = 0;     // initialCooldownPeriod, counted from creation
  std::optional<int32_t> min_replica_count; // nil is treated as 0
  std::optional<int32_t> max_replica_count; // nil -> the generated HPA gets 100
  std::optional<int32_t> idle_replica_count;
  std::optional<FallbackSpec> fallback;
  bool paused = false;

  // GetHPAMinReplicas: minReplicaCount if > 0, else 1.
  int32_t HpaMinReplicas() const {
    return min_replica_count && *min_replica_count > 0 ? *min_replica_count : 1;
  }
  // GetHPAMaxReplicas: maxReplicaCount, or 100 if unset.
  int32_t HpaMaxReplicas() const { return max_replica_count ? *max_replica_count : 100; }
};

struct ScaledObjectStatus {
  Time creation_time_s = 0;
  std::optional<Time> last_active_time_s;
  int32_t consecutive_failures = 0;  // health NumberOfFailures of the (single) trigger
};

}  // namespace podpilot::keda
