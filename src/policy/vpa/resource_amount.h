// ResourceAmount: the VPA recommender's integer resource unit (baselines.md 2.2).
//
// CPU is held in millicores and memory in bytes, as upstream's model.ResourceAmount (an int64).
// Every float -> amount conversion clamps to [0, 1e14] and then truncates toward zero, and every
// estimator stage returns an amount, so truncation happens at each stage exactly as upstream.
// Pure inline functions; thread-safe.
#pragma once

#include <cmath>
#include <cstdint>

namespace podpilot::vpa {

using ResourceAmount = int64_t;

// Upper clamp of every conversion (model/types.go MaxResourceAmount).
inline constexpr ResourceAmount kMaxResourceAmount = 100'000'000'000'000;  // 1e14

// Clamps negatives to 0 and values above 1e14 to 1e14, then truncates. NaN maps to 0: upstream's
// int64(NaN) is platform-defined, and every path that can produce NaN (0 x Inf confidence
// multiplier on an empty histogram) is followed by a max() with the minimum resources, which
// gives the same result for 0 as for Go's amd64 value (INT64_MIN).
inline ResourceAmount ResourceAmountFromFloat(double amount) {
  if (std::isnan(amount) || amount < 0) return 0;
  if (amount > static_cast<double>(kMaxResourceAmount)) return kMaxResourceAmount;
  return static_cast<ResourceAmount>(amount);
}

inline ResourceAmount CpuAmountFromCores(double cores) { return ResourceAmountFromFloat(cores * 1000.0); }
inline double CoresFromCpuAmount(ResourceAmount millicores) { return static_cast<double>(millicores) / 1000.0; }
inline ResourceAmount MemoryAmountFromBytes(double bytes) { return ResourceAmountFromFloat(bytes); }
inline double BytesFromMemoryAmount(ResourceAmount bytes) { return static_cast<double>(bytes); }
inline ResourceAmount ScaleResource(ResourceAmount amount, double factor) {
  return ResourceAmountFromFloat(static_cast<double>(amount) * factor);
}

// A CPU + memory pair of amounts (millicores, bytes).
struct ResourcePair {
  ResourceAmount cpu = 0;     // millicores
  ResourceAmount memory = 0;  // bytes
  bool operator==(const ResourcePair&) const = default;
};

}  // namespace podpilot::vpa
