// Jittered exponential back-off, with client-go's defaults for a reflector's reconnects
// (k8s.io/apimachinery/pkg/util/wait.Backoff used by client-go's reflector: initial 800 ms,
// factor 2, cap 30 s, jitter 1.0). The n-th delay (n from 0) is
//   base_n = min(initial * factor^n, max)
//   delay_n = base_n + U[0, jitter * base_n)       (jitter 0: exactly base_n)
// so with jitter 1.0 it lies in [base_n, 2 * base_n): many clients that lost the same server do
// not come back in lockstep. Reset() after a success starts again from `initial`.
//
// Thread-safety: none; one Backoff per retry loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace podpilot::k8s {

struct BackoffOptions {
  std::chrono::milliseconds initial{800};
  double factor = 2.0;
  std::chrono::milliseconds max{30'000};
  double jitter = 1.0;
};

class Backoff {
 public:
  // `seed` makes the jitter reproducible in tests; 0 draws one from std::random_device.
  explicit Backoff(BackoffOptions options = {}, uint64_t seed = 0);

  // The delay before the next attempt; advances the exponent (up to the cap).
  std::chrono::milliseconds Next();
  // The un-jittered delay Next() would start from (for logging and tests).
  std::chrono::milliseconds CurrentBase() const;
  // After a success: the next delay is `initial` again.
  void Reset() { steps_ = 0; }
  int steps() const { return steps_; }

 private:
  BackoffOptions options_;
  int steps_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace podpilot::k8s
