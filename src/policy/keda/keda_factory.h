// Builds a KedaPolicy from a spec such as
//   "keda:metric=request_rate,threshold=50,activation=5,cooldown=300s,min=0".
//
// Keys (defaults are KEDA's, baselines.md 4.1):
//   metric              request_rate | in_flight | latency_p95_ms | error_rate | entry_request_rate
//                       (see TriggerSource in keda_policy.h)                              [request_rate]
//   threshold           trigger target, > 0 (per pod with AverageValue); required
//   activation          activation threshold: active when value > it, >= 0               [0]
//   metric_type         AverageValue | Value                                              [AverageValue]
//   polling             pollingInterval, [1s, 1h]                                         [30s]
//   cooldown            cooldownPeriod before scaling to zero / idle, [0s, 1d]            [300s]
//   initial_cooldown    initialCooldownPeriod from creation, [0s, 1d]                     [0s]
//   min                 minReplicaCount, [0, 10000]                                       [0]
//   max                 maxReplicaCount, [1, 10000] (unset: the target's max_replicas, else 100)
//   idle                idleReplicaCount, [0, min) (unset: none)
//   fallback_replicas   fallback.replicas, [0, 10000] (unset: no fallback)
//   fallback_failures   fallback.failureThreshold, [0, 1000]                              [3]
//   fallback_behavior   static | currentReplicas | currentReplicasIfHigher | currentReplicasIfLower [static]
//   hpa_sync            the generated HPA's sync period, [1s, 1h]                         [15s]
//   hpa                 core (src/policy/hpa controller) | plain (formula cross-check)    [core]
// Unknown keys and out-of-range or inconsistent values (min > max, idle >= min, a missing
// threshold) are errors naming the key and value.
#pragma once

#include <memory>

#include "common/status.h"
#include "policy/policy.h"
#include "policy/policy_spec.h"

namespace podpilot {

StatusOr<std::unique_ptr<Policy>> MakeKedaPolicy(PolicyParams& params);

}  // namespace podpilot
