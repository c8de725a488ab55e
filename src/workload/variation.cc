#include "workload/variation.h"

#include <cmath>

#include "common/rng.h"

namespace podpilot::workload_internal {
namespace {

// Streams of Rng::Derive for the draws: apart from random_walk's (which uses the seed itself) and
// the simulator's arrival stream.
constexpr uint64_t kVariationStream = 0x7661727956ULL;  // "varyV"
constexpr double kNoiseCorrelationS = 600;

}  // namespace

StatusOr<Variation> DrawVariation(const ParamReader& p, uint64_t seed) {
  Variation v;
  PP_ASSIGN_OR_RETURN(const double f, p.Number("vary_scale", 1.0, 1.0, 10.0));
  PP_ASSIGN_OR_RETURN(const double span, p.Duration("vary_offset", 0.0, 0.0, kMaxDurationS));
  PP_ASSIGN_OR_RETURN(v.noise_sigma, p.Number("vary_noise", 0.0, 0.0, 1.0));
  PP_ASSIGN_OR_RETURN(const double tempo_f, p.Number("vary_tempo", 1.0, 1.0, 10.0));
  if (p.Has("vary_offset") && p.spec().kind == "trace") {
    return p.Error("vary_offset", "applies to shapes only (a trace is played from its own offset=)");
  }
  if (p.Has("vary_tempo") && p.spec().kind == "trace") {
    return p.Error("vary_tempo", "applies to shapes only (a trace played faster would run past its end)");
  }
  Rng rng(Rng::Derive(seed, kVariationStream));
  // Draw all of them every time, so that turning one option on does not shift the others' draws
  // (the tempo's draw comes last: it was added after the others, whose draws it leaves as they were).
  const double u_scale = rng.Uniform(), u_offset = rng.Uniform();
  v.noise_seed = rng.NextU64();
  v.tempo = std::exp((2 * rng.Uniform() - 1) * std::log(tempo_f));
  v.scale = std::exp((2 * u_scale - 1) * std::log(f));
  v.extra_offset = u_offset * span;
  return v;
}

void ApplyVariation(const Variation& v, std::vector<double>* rps) {
  if (v.scale != 1) {
    for (double& r : *rps) r *= v.scale;
  }
  if (v.noise_sigma <= 0 || rps->empty()) return;
  // Exact discretisation of the OU process at 1 s steps, started in its stationary law.
  Rng rng(v.noise_seed);
  const double a = std::exp(-1.0 / kNoiseCorrelationS), s = v.noise_sigma;
  const double innovation = s * std::sqrt(1 - a * a), bias = -0.5 * s * s;
  double x = s * rng.Normal();
  for (double& r : *rps) {
    r *= std::exp(x + bias);
    x = a * x + innovation * rng.Normal();
  }
}

}  // namespace podpilot::workload_internal
