// Post-processing of a recommendation: the container resource policy's minAllowed / maxAllowed
// (upstream utils/vpa ApplyVPAPolicy, baselines.md 2.5 step 2) and the proportional limit the
// admission controller and updater write next to the new request (utils/vpa
// limit_and_request_scaling.go GetProportionalLimit).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "policy/vpa/estimator.h"

namespace podpilot::vpa {

// Zero means "no bound" for that resource, as upstream (an absent or zero quantity).
struct ContainerResourcePolicy {
  ResourcePair min_allowed;
  ResourcePair max_allowed;
};

// Raises each of target / lower / upper to min_allowed, then lowers it to max_allowed.
RecommendedContainerResources ApplyContainerPolicy(const RecommendedContainerResources& rec,
                                                   const ContainerResourcePolicy& policy);

// The limit that keeps original_limit : original_request for a new request, in milli-units
// (CPU millicores x 1, memory bytes x 1000 — Kubernetes MilliValue()). Returns nullopt when no
// limit is set (original_limit_milli == 0): the container stays without a limit. Equal request and
// limit, or no original request, give limit = recommended request. The product is computed
// exactly (128-bit) and floored; results beyond int64 are capped at INT64_MAX (`capped` set).
std::optional<int64_t> ProportionalLimitMilli(int64_t original_limit_milli, int64_t original_request_milli,
                                              int64_t recommended_request_milli, bool* capped = nullptr);

}  // namespace podpilot::vpa
