#include "common/rng.h"

#include <gtest/gtest.h>

#include <cmath>

namespace podpilot {
namespace {

TEST(RngTest, SameSeedSameStream) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.NextU64();
    EXPECT_EQ(x, b.NextU64());
    differs = differs || x != c.NextU64();
  }
  EXPECT_TRUE(differs);
}

// Mean and variance within 5 standard errors of the sample moments (fixed seed: deterministic).
void CheckMoments(const std::vector<double>& xs, double mean, double var) {
  double s = 0, s2 = 0;
  for (double x : xs) s += x;
  const double m = s / xs.size();
  for (double x : xs) s2 += (x - m) * (x - m);
  const double v = s2 / (xs.size() - 1);
  const double n = static_cast<double>(xs.size());
  EXPECT_NEAR(m, mean, 5 * std::sqrt(var / n)) << "mean";
  // Standard error of the sample variance ~ var * sqrt(2 / n) for light tails; 10 of them for slack on skew.
  EXPECT_NEAR(v, var, 10 * var * std::sqrt(2.0 / n)) << "variance";
}

TEST(RngTest, PoissonMomentsSmallAndLargeLambda) {
  for (double lambda : {0.5, 7.0, 29.0, 31.0, 250.0, 5000.0}) {
    Rng r(7);
    std::vector<double> xs(200000);
    for (auto& x : xs) x = static_cast<double>(r.Poisson(lambda));
    SCOPED_TRACE(lambda);
    CheckMoments(xs, lambda, lambda);
  }
}

TEST(RngTest, ExponentialAndGammaMoments) {
  Rng r(9);
  std::vector<double> xs(200000);
  for (auto& x : xs) x = r.Exponential(2.0);
  CheckMoments(xs, 2.0, 4.0);
  for (double shape : {0.25, 1.0, 4.0}) {
    for (auto& x : xs) x = r.Gamma(shape, 3.0);
    SCOPED_TRACE(shape);
    CheckMoments(xs, shape * 3.0, shape * 9.0);
  }
}

}  // namespace
}  // namespace podpilot
