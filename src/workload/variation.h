// Per-episode variation of a workload, for training on a distribution of days rather than one.
//
// Four common spec options, all off by default and all drawn from the workload's seed (so an
// episode reset with the same seed sees the same variation, and every seed another one):
//
//   vary_scale=F     the whole rate is multiplied by a factor drawn log-uniformly from [1/F, F]
//                    (F in [1, 10]; 1.4 means "anywhere from 71 % to 140 % of the written level")
//   vary_offset=DUR  the shape starts a further U[0, DUR) into itself (a phase shift; shapes only:
//                    a trace's days are not interchangeable)
//   vary_noise=S     the rate is multiplied by exp(x(t) - S^2/2), x a stationary Ornstein-Uhlenbeck
//                    process with standard deviation S (in [0, 1]) and a 10-minute correlation time:
//                    slow, unforecastable swings on top of the shape; the mean is kept
//   vary_tempo=F     the shape is played faster or slower: time_scale multiplied by a factor drawn
//                    log-uniformly from [1/F, F] (F in [1, 10]; shapes only, like vary_offset: a
//                    trace played faster would run past its end). The clock (time of day) still
//                    runs at real time, so on a daily shape it decouples load from the hour
//
// The draws come from their own stream (Rng::Derive), so adding variation to a random_walk does
// not change the walk, and the simulator's Poisson arrivals (drawn from another stream) stay
// independent of it.
//
// Internal to the workload module; thread-safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "workload/params.h"

namespace podpilot::workload_internal {

struct Variation {
  double scale = 1;          // multiplies the rate
  double extra_offset = 0;   // seconds added to the shape's offset
  double noise_sigma = 0;    // standard deviation of the log-rate noise
  uint64_t noise_seed = 0;
  double tempo = 1;          // multiplies time_scale
};

// Reads vary_scale / vary_offset / vary_noise / vary_tempo from `p` and draws this seed's variation.
// InvalidArgument naming the key and value when one is out of range, or vary_offset / vary_tempo on a trace.
StatusOr<Variation> DrawVariation(const ParamReader& p, uint64_t seed);

// Multiplies rps (one entry per second) by the variation's scale and its noise path.
void ApplyVariation(const Variation& v, std::vector<double>* rps);

}  // namespace podpilot::workload_internal
