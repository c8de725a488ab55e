// Two reference policies that need no model of the system:
//
//   static[:replicas=N]   holds every target at N replicas (default: leaves the initial replicas)
//   threshold[:cpu=P,low=L,step=K,cooldown=DUR]
//                         a simple CPU threshold rule: when a target's CPU utilisation (of its
//                         request) exceeds P % (default 70) add K replicas (default 1); when it
//                         falls under L % (default 30) remove one; at most one change per
//                         cooldown (default 60 s) per target. The classic rule the HPA improves on.
//
// Thread-compatible (one instance per environment).
#pragma once

#include <memory>

#include "common/status.h"
#include "policy/policy.h"
#include "policy/policy_spec.h"

namespace podpilot {

StatusOr<std::unique_ptr<Policy>> MakeStaticPolicy(PolicyParams& params);
StatusOr<std::unique_ptr<Policy>> MakeThresholdPolicy(PolicyParams& params);

}  // namespace podpilot
