// SampleArrivals: integer arrivals per second around a WorkloadSeries' mean rate.
#include <cmath>

#include "common/rng.h"
#include "workload/workload.h"

namespace podpilot {
namespace {
// Stream id for Rng::Derive: arrivals do not share draws with other users of the run seed.
constexpr uint64_t kArrivalStream = 0x61727276;  // "arrv"
}  // namespace

std::vector<double> SampleArrivals(const WorkloadSeries& series, uint64_t seed) {
  Rng rng(Rng::Derive(seed, kArrivalStream));
  std::vector<double> out(series.rps.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const double mean = series.rps[i];
    if (series.poisson_noise) {
      out[i] = static_cast<double>(rng.Poisson(mean));
    } else {
      // Stochastic rounding: floor(mean) + Bernoulli(frac), so E[out] == mean and a constant
      // 0.3 rps still delivers 3 requests per 10 s on average instead of none.
      const double whole = std::floor(mean);
      out[i] = whole + (rng.Uniform() < mean - whole ? 1.0 : 0.0);
    }
  }
  return out;
}

}  // namespace podpilot
