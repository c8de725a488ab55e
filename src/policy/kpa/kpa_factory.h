// Builds a KpaPolicy from a spec such as "kpa", "kpa:target=100,metric=concurrency" or
// "kpa:metric=rps,target=150,min=1,scale_down_delay=2m".
//
// Keys (defaults are Knative's config-autoscaler defaults, baselines.md 3.1):
//   metric                 concurrency | rps                                                [concurrency]
//   target                 per-pod target before utilization (the `target` annotation), > 0
//                          [container_concurrency if set, else 100 (concurrency) / 200 (rps)]
//   container_concurrency  hard per-pod limit (0 = unlimited); caps `target`, [0, 10000]    [0]
//   target_utilization     fraction of target aimed at, (0, 1]; a value in (1, 100] is read
//                          as a percentage                                                  [0.7]
//   stable_window          [6s, 1h], whole seconds                                          [60s]
//   panic_window_pct       panic window as % of the stable window, [1, 100]                [10]
//   panic_threshold_pct    panic when desired panic pods / ready >= this / 100, [110, 1000] [200]
//   max_scale_up_rate      > 1, at most 1e6                                                 [1000]
//   max_scale_down_rate    > 1, at most 1e6                                                 [2]
//   target_burst_capacity  -1 (activator always in path) or [0, 1e6]                        [211]
//   activation_scale       minimum scale when scaling from zero, [1, 1000]                  [1]
//   scale_to_zero          enable-scale-to-zero, bool                                       [true]
//   grace                  scale-to-zero-grace-period, [0s, 1h]                             [30s]
//   retention              scale-to-zero-pod-retention-period, [0s, 1h]                     [0s]
//   scale_down_delay       [0s, 1h], whole seconds                                          [0s]
//   min / max              min-scale / max-scale (max 0 = the target's max_replicas), [0, 10000] [0 / 0]
//   tick                   decider period, [1s, 60s]                                        [2s]
// Unknown keys and out-of-range or inconsistent values (min > max) are errors naming the key.
#pragma once

#include <memory>

#include "common/status.h"
#include "policy/policy.h"
#include "policy/policy_spec.h"

namespace podpilot {

StatusOr<std::unique_ptr<Policy>> MakeKpaPolicy(PolicyParams& params);

}  // namespace podpilot
