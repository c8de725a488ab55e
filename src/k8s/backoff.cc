#include "k8s/backoff.h"

#include <algorithm>
#include <cmath>

namespace podpilot::k8s {

Backoff::Backoff(BackoffOptions options, uint64_t seed) : options_(options) {
  if (seed == 0) seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  rng_.seed(seed);
}

std::chrono::milliseconds Backoff::CurrentBase() const {
  const double initial = static_cast<double>(std::max<int64_t>(options_.initial.count(), 0));
  const double cap = static_cast<double>(std::max<int64_t>(options_.max.count(), 0));
  // pow grows past the cap quickly; std::min keeps it finite for any step count.
  const double base = std::min(cap, initial * std::pow(std::max(options_.factor, 1.0), steps_));
  return std::chrono::milliseconds(static_cast<int64_t>(base));
}

std::chrono::milliseconds Backoff::Next() {
  const auto base = CurrentBase();
  // Stop growing the exponent once the cap is reached so it cannot overflow.
  if (base < options_.max) ++steps_;
  if (options_.jitter <= 0.0 || base.count() == 0) return base;
  std::uniform_real_distribution<double> u(0.0, options_.jitter * static_cast<double>(base.count()));
  return base + std::chrono::milliseconds(static_cast<int64_t>(u(rng_)));
}

}  // namespace podpilot::k8s
