// Builds a VpaPolicy from a spec such as "vpa", "vpa:mode=Recreate" or
// "vpa:mode=Off,half_life=12h,max_allowed_memory=2Gi".
//
// Keys (defaults are the upstream flag defaults, baselines.md 2.1 and 2.6):
//   mode                  Off | Initial | Recreate | Auto (= Recreate) | InPlaceOrRecreate  [Recreate]
//   recommender_interval  recommender loop period, duration in [1s, 1d]                   [1m]
//   updater_interval      updater loop period, duration in [1s, 1d]                       [1m]
//   half_life             CPU and memory histogram decay half-life, [1m, 365d]            [24h]
//   memory_interval       memory peak aggregation interval, [1m, 30d]                     [24h]
//   confidence_interval   history length that counts as confidence 1, [1m, 365d]          [24h]
//   cpu_percentile        target percentile of CPU usage, (0, 1]                          [0.9]
//   memory_percentile     target percentile of memory peaks, (0, 1]                       [0.9]
//   lower_percentile      lower-bound percentile, (0, 1]                                  [0.5]
//   upper_percentile      upper-bound percentile, (0, 1]                                  [0.95]
//   margin                safety margin fraction, [0, 10]                                 [0.15]
//   pod_min_cpu           minimum CPU per pod (quantity, "25m"), [0, 1000 cores]          [25m]
//   pod_min_memory        minimum memory per pod (quantity, "250Mi"), [0, 1Ti]            [250Mi]
//   min_allowed_cpu / max_allowed_cpu          container policy bounds (quantity; 0 = none) [0]
//   min_allowed_memory / max_allowed_memory    container policy bounds (quantity; 0 = none) [0]
//   controlled_values     RequestsAndLimits | RequestsOnly                              [RequestsAndLimits]
//   controlled_resources  both | cpu | memory                                             [both]
//   min_replicas          live pods a Deployment needs before any eviction, [1, 1000]     [2]
//   eviction_tolerance    fraction of replicas that may be evicted per loop, [0, 1]       [0.5]
//   eviction_rate         evictions per second (<= 0 disables), [-1, 1000]                [-1]
//   eviction_burst        token-bucket burst, [1, 1000]                                   [1]
//   update_threshold      minimum resource diff for long-lived pods, [0, 100]             [0.1]
//   lifetime_threshold    age after which in-bounds pods may be updated, [0s, 30d]        [12h]
//   oom_threshold         run time under which an OOM counts as quick, [0s, 1d]           [10m]
//   oom_bump_ratio        OOM memory bump ratio, [1, 10]                                  [1.2]
//   oom_min_bump          minimum OOM bump (quantity), [0, 1Ti]                           [100Mi]
//   cpu_weight            constant (VPA >= 1.4.0) | request (older: max(request, 0.1))    [constant]
// Unknown keys and out-of-range or inconsistent values (min_allowed > max_allowed, lower >
// target > upper percentile) are errors naming the key and value.
#pragma once

#include <memory>

#include "common/status.h"
#include "policy/policy.h"
#include "policy/policy_spec.h"

namespace podpilot {

StatusOr<std::unique_ptr<Policy>> MakeVpaPolicy(PolicyParams& params);

}  // namespace podpilot
