#include "policy/vpa/capping.h"

#include <algorithm>
#include <limits>

namespace podpilot::vpa {
namespace {

ResourceAmount Cap(ResourceAmount v, ResourceAmount min_allowed, ResourceAmount max_allowed) {
  if (min_allowed != 0 && v < min_allowed) v = min_allowed;
  if (max_allowed != 0 && v > max_allowed) v = max_allowed;
  return v;
}

ResourcePair CapPair(const ResourcePair& p, const ContainerResourcePolicy& policy) {
  return {Cap(p.cpu, policy.min_allowed.cpu, policy.max_allowed.cpu),
          Cap(p.memory, policy.min_allowed.memory, policy.max_allowed.memory)};
}

}  // namespace

RecommendedContainerResources ApplyContainerPolicy(const RecommendedContainerResources& rec,
                                                   const ContainerResourcePolicy& policy) {
  return {CapPair(rec.target, policy), CapPair(rec.lower_bound, policy), CapPair(rec.upper_bound, policy)};
}

std::optional<int64_t> ProportionalLimitMilli(int64_t original_limit_milli, int64_t original_request_milli,
                                              int64_t recommended_request_milli, bool* capped) {
  if (capped) *capped = false;
  if (original_limit_milli == 0) return std::nullopt;
  if (original_request_milli == 0 || original_request_milli == original_limit_milli) {
    return recommended_request_milli;
  }
  // big.Int Mul then Div (Euclidean; all operands are non-negative here, so it is the floor).
  __int128 scaled = static_cast<__int128>(original_limit_milli) * recommended_request_milli;
  scaled /= original_request_milli;
  if (scaled > std::numeric_limits<int64_t>::max() || scaled < std::numeric_limits<int64_t>::min()) {
    if (capped) *capped = true;
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(scaled);
}

}  // namespace podpilot::vpa
