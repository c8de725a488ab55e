#include "workload/variation.h"

#include <cmath>

#include "common/rng.h"
#include "workload/workload.h"

namespace podpilot::workload_internal {
namespace {

// Streams of Rng::Derive for the draws: apart from random_walk's (which uses the seed itself) and
// the simulator's arrival stream.
constexpr uint64_t kVariationStream = 0x7661727956ULL;  // "varyV"
constexpr double kNoiseCorrelationS = 600;
constexpr const char* kShapeOnlyOptions[] = {"vary_offset", "vary_tempo"};

// A factor log-uniform in [1/f, f] from a uniform draw u in [0, 1).
double LogUniformFactor(double u, double f) { return std::exp((2 * u - 1) * std::log(f)); }

}  // namespace

StatusOr<Variation> DrawVariation(const ParamReader& p, uint64_t seed) {
  Variation v;
  PP_ASSIGN_OR_RETURN(const double f, p.Number("vary_scale", 1.0, 1.0, 10.0));
  PP_ASSIGN_OR_RETURN(const double span, p.Duration("vary_offset", 0.0, 0.0, kMaxDurationS));
  PP_ASSIGN_OR_RETURN(v.noise_sigma, p.Number("vary_noise", 0.0, 0.0, 1.0));
  PP_ASSIGN_OR_RETURN(const double tempo_f, p.Number("vary_tempo", 1.0, 1.0, 10.0));
  if (p.spec().kind == "trace") {
    for (const char* key : kShapeOnlyOptions) {
      if (p.Has(key)) {
        return p.Error(key, "applies to shapes only (a trace is played from its own offset= at its own "
                            "time_scale=, never past its end)");
      }
    }
  }
  Rng rng(Rng::Derive(seed, kVariationStream));
  // Draw all of them every time, so that turning one option on does not shift the others' draws
  // (the tempo's draw comes last: it was added after the others, whose draws it leaves as they were).
  const double u_scale = rng.Uniform(), u_offset = rng.Uniform();
  v.noise_seed = rng.NextU64();
  v.tempo = LogUniformFactor(rng.Uniform(), tempo_f);
  v.scale = LogUniformFactor(u_scale, f);
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

namespace podpilot {

bool IsShapeOnlyOption(const std::string& key) {
  for (const char* k : workload_internal::kShapeOnlyOptions) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace podpilot
