// The random_walk shape: a bounded Gaussian random walk, seeded, with linear interpolation between
// steps so the rate is continuous (a real load does not jump every `step`).
#include <algorithm>
#include <cmath>
#include <vector>

#include "common/rng.h"
#include "workload/shapes.h"
#include "workload/text_util.h"

namespace podpilot::workload_internal {
namespace {

// Stream id for Rng::Derive, so the walk and other users of the run seed do not share draws.
constexpr uint64_t kWalkStream = 0x77616c6b;  // "walk"

class RandomWalk : public Shape {
 public:
  RandomWalk(std::vector<double> knots, double step) : knots_(std::move(knots)), step_(step) {}
  double RateAt(double u) const override {
    const double x = u / step_;
    size_t k = static_cast<size_t>(x);
    if (k + 1 >= knots_.size()) return knots_.back();
    const double f = x - static_cast<double>(k);
    return knots_[k] + (knots_[k + 1] - knots_[k]) * f;
  }

 private:
  std::vector<double> knots_;  // knots_[k] = rate at shape time k * step_
  double step_;
};

// Reflects x back into [lo, hi]; repeated reflection handles steps larger than the band.
double Reflect(double x, double lo, double hi) {
  if (hi <= lo) return lo;
  for (int i = 0; i < 64 && (x < lo || x > hi); ++i) {
    x = x < lo ? 2 * lo - x : 2 * hi - x;
  }
  return std::clamp(x, lo, hi);
}

}  // namespace

StatusOr<std::unique_ptr<Shape>> MakeRandomWalk(const ParamReader& p, double horizon_s, uint64_t seed) {
  PP_ASSIGN_OR_RETURN(double start, p.Rate("start", 100));
  PP_ASSIGN_OR_RETURN(double sigma, p.Rate("sigma", 5));
  PP_ASSIGN_OR_RETURN(double lo, p.Rate("min", 10));
  PP_ASSIGN_OR_RETURN(double hi, p.Rate("max", 400));
  PP_ASSIGN_OR_RETURN(double step, p.Duration("step", 60, 1, 86400));
  if (lo > hi) return p.Error("min", "must be <= max=" + FormatNumber(hi));
  if (start < lo || start > hi) {
    return p.Error("start", "must lie in [min, max] = [" + FormatNumber(lo) + ", " + FormatNumber(hi) + "]");
  }
  const size_t n = static_cast<size_t>(std::ceil(horizon_s / step)) + 2;
  std::vector<double> knots(n);
  Rng rng(Rng::Derive(seed, kWalkStream));
  knots[0] = start;
  for (size_t k = 1; k < n; ++k) knots[k] = Reflect(knots[k - 1] + sigma * rng.Normal(), lo, hi);
  return std::unique_ptr<Shape>(new RandomWalk(std::move(knots), step));
}

}  // namespace podpilot::workload_internal
