// The plain HPA scaling rule, for reuse outside the full controller (the operator's safety
// fallback "fall back to the HPA rule when metrics or the model are missing", quick estimates):
//
//   ratio   = usage / target
//   desired = current                       if (1 - tol.down) <= ratio <= (1 + tol.up)
//           = ceil(current * ratio)         otherwise
//
// `usage` and `target` are in the same unit (e.g. average CPU utilization 0.72 vs 0.5, or
// requests/s per pod). This is the documented HPA formula; unlike the controller it knows nothing
// of unready or missing pods, stabilization or rate limits. Pure; thread-safe.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "policy/hpa/hpa_types.h"

namespace podpilot::hpa {

// Errors (InvalidArgument, naming the value) when current < 0, target <= 0 or not finite, or
// usage < 0 or not finite. current == 0 yields 0 (the HPA does not act on a target at zero).
// The result saturates at INT32_MAX.
StatusOr<int32_t> PlainHpaRule(int32_t current_replicas, double usage, double target,
                               const Tolerances& tolerances = Tolerances{});

}  // namespace podpilot::hpa
