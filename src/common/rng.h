// Deterministic random numbers for the simulator and workloads.
//
// Why not <random>'s distributions: their algorithms are implementation-defined, so the same seed
// can give different streams under libstdc++ and libc++. podpilot promises "same seed, same results,
// bit for bit", so the generator (xoshiro256**, seeded through splitmix64) and the few
// distributions we need are written here with fixed algorithms.
//
// Not thread-safe: one Rng per environment / thread.
#pragma once

#include <cmath>
#include <cstdint>

namespace podpilot {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }

  void Seed(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) s = SplitMix64(x);
  }

  // Derives an independent stream for a named purpose (e.g. the workload noise vs. service times),
  // so adding draws in one place does not shift another's sequence.
  static uint64_t Derive(uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0x9E3779B97F4A7C15ULL);
    return SplitMix64(x);
  }

  uint64_t NextU64() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 bits.
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe for log().
  double UniformPositive() { return 1.0 - Uniform(); }

  double Exponential(double mean) { return -mean * std::log(UniformPositive()); }

  // Standard normal by the Marsaglia polar method (no cached spare, so the stream is stateless).
  double Normal() {
    double u, v, s;
    do {
      u = 2.0 * Uniform() - 1.0;
      v = 2.0 * Uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * std::sqrt(-2.0 * std::log(s) / s);
  }

  // Gamma(shape, scale) by Marsaglia-Tsang; shape < 1 by the boost u^(1/shape).
  double Gamma(double shape, double scale) {
    if (shape < 1.0) {
      double u = UniformPositive();
      return Gamma(shape + 1.0, scale) * std::pow(u, 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = Normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      double u = UniformPositive();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v * scale;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v * scale;
    }
  }

  // Poisson(lambda): multiplication method below 30, PTRS (Hörmann 1993) above.
  uint64_t Poisson(double lambda);

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

}  // namespace podpilot
