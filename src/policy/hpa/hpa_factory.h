// Building an HpaPolicy from a policy spec string ("hpa:cpu=50,behavior=default").
//
// Keys (all optional; unknown keys are rejected; every error names the key and the value):
//
//  Metrics — several may be combined; the HPA scales on the maximum proposal. Without any metric
//  key the API default applies: Resource cpu, Utilization 80 %.
//    cpu=<percent>          Resource cpu, target averageUtilization (integer, 1..1000)
//    memory=<percent>       Resource memory, target averageUtilization (integer, 1..1000)
//    cpu_avg=<cpu>          Resource cpu, target averageValue per pod ("500m", "0.5")
//    memory_avg=<bytes>     Resource memory, target averageValue per pod ("256Mi", "1e9")
//    rps=<req/s>            Pods metric requests_per_second, averageValue per pod (0.001..1e6)
//    latency_ms=<ms>        Pods metric latency_p95_ms, averageValue per pod (0.001..1e6)
//    inflight=<n>           Pods metric in_flight, averageValue per pod (0.001..1e6)
//    ext_rps=<req/s>        External metric request_rate (entry traffic), averageValue per pod
//    ext_rps_total=<req/s>  External metric request_rate, value (total) target
//
//  Replica bounds (default: the target's own min/max from the Observation):
//    min=<n>                minReplicas (1..100000; 0 only with scale_to_zero=true and ext_rps*)
//    max=<n>                maxReplicas (1..100000, >= min)
//
//  Behavior. Without any of these keys spec.behavior is nil and the legacy path applies
//  (5 min scale-down stabilization, scale-up capped at max(2 x current, 4)). behavior=default, or
//  any other key below, sets spec.behavior; the fields not given get the API defaults
//  (up: window 0 s, Max of [4 pods, 100 %] per 15 s; down: window = downscale_stabilization,
//  Max of [100 %] per 15 s).
//    behavior=default|none
//    scale_up_window=<dur>, scale_down_window=<dur>   stabilization windows, whole seconds, 0..3600
//    scale_up_pods=<n>, scale_up_percent=<n>          scale-up policies (the list replaces the
//    scale_down_pods=<n>, scale_down_percent=<n>      default list of that direction), 1..100000
//    period=<dur>                                     period of the policies given (default 15 s)
//    scale_up_period=<dur>, scale_down_period=<dur>   per-direction period, whole seconds, 1..1800
//    scale_up_select=<max|min|disabled>, scale_down_select=<...>   selectPolicy
//    scale_up_tolerance=<x> (0..10), scale_down_tolerance=<x> (0..0.99)   per-direction tolerance
//
//  Controller flags (kube-controller-manager):
//    tolerance=<x>                 --horizontal-pod-autoscaler-tolerance (0..0.99, default 0.1)
//    downscale_stabilization=<dur> legacy scale-down window / default down window (0..1h, 5m)
//    cpu_init_period=<dur>         --horizontal-pod-autoscaler-cpu-initialization-period (0..1h, 5m)
//    readiness_delay=<dur>         --horizontal-pod-autoscaler-initial-readiness-delay (0..1h, 30s)
//    sync_period=<dur>             reconcile period, PreferredControlIntervalSeconds (1s..10m, 15s)
//    scale_to_zero=<bool>          the alpha HPAScaleToZero gate (default false)
//
// Examples: "hpa", "hpa:cpu=50", "hpa:cpu=70,behavior=default", "hpa:memory=60", "hpa:rps=20",
// "hpa:cpu=60,scale_down_window=60s,tolerance=0.05,scale_up_pods=4,scale_up_percent=100,
//  scale_down_percent=100,period=15s", "hpa:cpu=50,min=2,max=20".
#pragma once

#include <memory>

#include "common/status.h"
#include "policy/hpa/hpa_policy.h"
#include "policy/policy.h"
#include "policy/policy_spec.h"

namespace podpilot {

// Reads every key above from `params` (marking them used) into HpaPolicyOptions, then rejects
// unknown keys with params.CheckAllUsed(). Does not build the policy.
StatusOr<hpa::HpaPolicyOptions> ParseHpaOptions(PolicyParams& params);

// ParseHpaOptions + hpa::HpaPolicy::Create. The caller owns the returned policy.
StatusOr<std::unique_ptr<Policy>> MakeHpaPolicy(PolicyParams& params);

}  // namespace podpilot
