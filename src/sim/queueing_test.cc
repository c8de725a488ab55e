// Tests of the fast latency model's building blocks (sim/queueing.h): the gamma tables against
// Boost.Math, Clark's max against Monte Carlo, and the PS sojourn formulas at their limits.
#include "sim/queueing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/rng.h"

namespace podpilot {
namespace {

// `n` log-spaced points over [lo, hi], offset by `phase` of a step so that they fall between the
// table's own grid points rather than on them.
std::vector<double> LogPoints(double lo, double hi, int n, double phase) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * (i + phase) / n));
  return out;
}

// Largest |table - exact| of the CDF for SCVs in [scv_lo, scv_hi] and limit/mean in
// [1e-3, 200] (the table's z range).
double MaxCdfError(double scv_lo, double scv_hi) {
  double worst = 0;
  for (double scv : LogPoints(scv_lo, scv_hi, 60, 0.37)) {
    for (double z : LogPoints(1e-3, 200.0, 1500, 0.5)) {
      worst = std::max(worst, std::fabs(GammaWithinProbability(2.0, scv, 2.0 * z) -
                                        GammaWithinProbabilityExact(2.0, scv, 2.0 * z)));
    }
  }
  return worst;
}

// SLO attainment is reported to 0.1 percentage point, so the tabled CDF must be that good where
// latencies are actually random (SCV >= 0.01, i.e. a standard deviation >= 10 % of the mean).
TEST(GammaTableTest, CdfWithinOneThousandthForScvAboveOnePercent) {
  EXPECT_LT(MaxCdfError(0.01, 0.1), 1e-3);
  EXPECT_LT(MaxCdfError(0.1, 1.0), 1e-3);
  EXPECT_LT(MaxCdfError(1.0, 30.0), 1e-3);
}

// Nearly deterministic latencies (SCV < 0.01) have a CDF that rises within a few grid steps of z;
// linear interpolation there is good to about a percent.
TEST(GammaTableTest, CdfWithinOnePercentForNearlyDeterministicLatency) {
  EXPECT_LT(MaxCdfError(1e-3, 0.01), 1e-2);
}

TEST(GammaTableTest, CdfLimitsAndMonotonicity) {
  EXPECT_EQ(GammaWithinProbability(10.0, 1.0, 0.0), 0.0);
  EXPECT_EQ(GammaWithinProbability(10.0, 1.0, -1.0), 0.0);
  EXPECT_EQ(GammaWithinProbability(0.0, 1.0, 5.0), 1.0);  // zero latency is always within
  for (double scv : {0.01, 0.3, 1.0, 4.0}) {
    double prev = 0;
    for (double z : LogPoints(1e-3, 200.0, 400, 0.5)) {
      const double f = GammaWithinProbability(1.0, scv, z);
      EXPECT_GE(f, prev - 1e-7) << "scv " << scv << " z " << z;
      prev = f;
    }
  }
}

// Outside its z range the table is not used: above it the CDF is 1 for the SCVs the model
// produces, below it (limit < 1e-3 x mean, where wide gammas still have mass: exact F(1e-3) is
// 1e-3 at SCV 1, 0.08 at SCV 3, 0.72 at SCV 30) the leading term of the series is used.
TEST(GammaTableTest, CdfOutsideTableRangeMatchesHeaderClaim) {
  for (double scv : LogPoints(1e-3, 30.0, 40, 0.5)) {
    EXPECT_NEAR(GammaWithinProbabilityExact(1.0, scv, 0.9e-3), GammaWithinProbability(1.0, scv, 0.9e-3), 1e-6)
        << "scv " << scv;
    EXPECT_NEAR(GammaWithinProbabilityExact(1.0, scv, 250.0), GammaWithinProbability(1.0, scv, 250.0), 1e-6)
        << "scv " << scv;
  }
}

// Above the table (limit > 200 x mean) the tail really is negligible for the SCVs the model
// produces (PS sojourns have SCV cv^2 + 2 rho / (2 - rho) <= cv^2 + 1.9).
TEST(GammaTableTest, CdfAboveTableRangeIsOneForModerateScv) {
  for (double scv : LogPoints(1e-3, 10.0, 40, 0.5)) {
    EXPECT_NEAR(GammaWithinProbabilityExact(1.0, scv, 200.0), 1.0, 1e-6) << "scv " << scv;
    EXPECT_EQ(GammaWithinProbability(1.0, scv, 201.0), 1.0);
  }
}

TEST(GammaTableTest, QuantilesWithinOneThousandthRelative) {
  // p95 and p99 are what policies and the scorecard read; the median is reported too.
  for (double p : {0.95, 0.99}) {
    for (double scv : LogPoints(1e-3, 30.0, 700, 0.37)) {
      const double exact = GammaQuantileExact(3.0, scv, p);
      EXPECT_NEAR(GammaQuantile(3.0, scv, p) / exact, 1.0, 1e-3) << "p " << p << " scv " << scv;
    }
  }
  for (double scv : LogPoints(1e-3, 3.0, 600, 0.37)) {
    const double exact = GammaQuantileExact(3.0, scv, 0.5);
    EXPECT_NEAR(GammaQuantile(3.0, scv, 0.5) / exact, 1.0, 1e-3) << "scv " << scv;
  }
}

TEST(GammaTableTest, QuantilesScaleWithTheMean) {
  for (double p : {0.5, 0.95, 0.99}) {
    EXPECT_NEAR(GammaQuantile(250.0, 0.7, p), 250.0 * GammaQuantile(1.0, 0.7, p), 1e-9);
  }
  EXPECT_EQ(GammaQuantile(0.0, 1.0, 0.95), 0.0);
}

// The 20 points stand in for the distribution in the run-level log-binned histogram (70 bins
// per decade, ~3.3 % wide), so a point is good enough when it lands in the right or a
// neighbouring bin: 1 % relative.
TEST(GammaTableTest, QuantilePointsWithinOnePercentForScvUpToOne) {
  double pts[kQuantilePoints];
  for (double scv : LogPoints(1e-3, 1.0, 400, 0.37)) {
    GammaQuantilePoints(2.0, scv, pts);
    for (int i = 0; i < kQuantilePoints; ++i) {
      const double exact = GammaQuantileExact(2.0, scv, kQuantilePointP[i]);
      EXPECT_NEAR(pts[i] / exact, 1.0, 1e-2) << "scv " << scv << " point " << i;
    }
  }
}

// Above SCV 1 the lowest points of a gamma shrink by orders of magnitude between neighbouring
// table rows; linear interpolation of their values was far off (8 % at SCV 3, > 100 % at SCV 10),
// so the table interpolates log(quantile). PS sojourns with cv >= 1 have SCV in [1, 3].
TEST(GammaTableTest, QuantilePointsWithinOnePercentForScvOneToThree) {
  double pts[kQuantilePoints];
  for (double scv : LogPoints(1.0, 3.0, 200, 0.37)) {
    GammaQuantilePoints(2.0, scv, pts);
    for (int i = 0; i < kQuantilePoints; ++i) {
      const double exact = GammaQuantileExact(2.0, scv, kQuantilePointP[i]);
      EXPECT_NEAR(pts[i] / exact, 1.0, 1e-2) << "scv " << scv << " point " << i;
    }
  }
}

TEST(GammaTableTest, QuantilePointsAreIncreasingAndScale) {
  double a[kQuantilePoints], b[kQuantilePoints];
  GammaQuantilePoints(1.0, 0.8, a);
  GammaQuantilePoints(40.0, 0.8, b);
  for (int i = 0; i < kQuantilePoints; ++i) {
    if (i > 0) {
      EXPECT_GT(a[i], a[i - 1]);
    }
    EXPECT_NEAR(b[i], 40.0 * a[i], 1e-9);
  }
}

// Monte Carlo mean and variance of max(X, Y) for independent normals.
Moments MonteCarloMax(const Moments& x, const Moments& y, int n, uint64_t seed) {
  Rng rng(seed);
  const double sx = std::sqrt(x.var), sy = std::sqrt(y.var);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double m = std::max(x.mean + sx * rng.Normal(), y.mean + sy * rng.Normal());
    sum += m;
    sum2 += m * m;
  }
  const double mean = sum / n;
  return {mean, sum2 / n - mean * mean};
}

// For independent normals Clark's formulas give the exact first two moments of the max, so the
// Monte Carlo estimate must agree within its own sampling error.
TEST(ClarkMaxTest, MatchesMonteCarloForNormals) {
  const struct { Moments x, y; } cases[] = {
      {{10, 4}, {10, 4}},    // equal: the max is well above both means
      {{10, 4}, {12, 1}},    // overlapping, unequal spread
      {{5, 9}, {20, 0.25}},  // separated: the max is almost Y
      {{3, 0.01}, {3.1, 16}},
  };
  constexpr int kN = 400000;
  for (const auto& c : cases) {
    const Moments clark = MaxOfIndependent(c.x, c.y);
    const Moments mc = MonteCarloMax(c.x, c.y, kN, 17);
    // Standard error of the MC mean is sd / sqrt(n); of the variance about var * sqrt(2 / n)
    // (normal-like); allow 4 of them.
    EXPECT_NEAR(clark.mean, mc.mean, 4 * std::sqrt(clark.var / kN) + 1e-12)
        << c.x.mean << "," << c.x.var << " vs " << c.y.mean << "," << c.y.var;
    EXPECT_NEAR(clark.var, mc.var, 4 * clark.var * std::sqrt(2.0 / kN) + 1e-12)
        << c.x.mean << "," << c.x.var << " vs " << c.y.mean << "," << c.y.var;
  }
}

TEST(ClarkMaxTest, DegenerateAndSymmetric) {
  const Moments a = MaxOfIndependent({5, 0}, {7, 0});
  EXPECT_DOUBLE_EQ(a.mean, 7);
  EXPECT_DOUBLE_EQ(a.var, 0);
  const Moments b = MaxOfIndependent({4, 2}, {6, 3});
  const Moments c = MaxOfIndependent({6, 3}, {4, 2});
  EXPECT_NEAR(b.mean, c.mean, 1e-12);
  EXPECT_NEAR(b.var, c.var, 1e-12);
  // E[max(X, X')] of two i.i.d. N(m, s^2) is m + s / sqrt(pi).
  const Moments d = MaxOfIndependent({10, 4}, {10, 4});
  EXPECT_NEAR(d.mean, 10 + 2 / std::sqrt(M_PI), 1e-12);
}

TEST(PsSojournTest, NoLoadGivesTheServiceTimeAndTheDemandVariability) {
  for (double cv : {0.0, 0.3, 1.0, 2.0}) {
    const Moments m = PsSojourn(0.02, 0.0, cv);
    EXPECT_DOUBLE_EQ(m.mean, 0.02);
    EXPECT_NEAR(m.var / (m.mean * m.mean), cv * cv, 1e-12);
    EXPECT_NEAR(PsSojournScv(0.0, cv), cv * cv, 1e-12);
    // and continuously so: a tiny load changes little.
    const Moments e = PsSojourn(0.02, 1e-6, cv);
    EXPECT_NEAR(e.mean, 0.02, 1e-7);
    EXPECT_NEAR(PsSojournScv(1e-6, cv), cv * cv, 1e-5);
  }
}

TEST(PsSojournTest, MM1ClosedForms) {
  for (double rho : {0.1, 0.5, 0.9}) {
    const Moments m = PsSojourn(0.01, rho, 1.0);
    EXPECT_NEAR(m.mean, 0.01 / (1 - rho), 1e-15);
    EXPECT_NEAR(m.var / (m.mean * m.mean), (2 + rho) / (2 - rho), 1e-12);
  }
}

TEST(PsSojournTest, UtilisationIsClampedBelowSaturation) {
  const Moments at = PsSojourn(0.01, kMaxStationaryRho, 1.0);
  for (double rho : {0.99, 1.0, 3.0}) {
    const Moments over = PsSojourn(0.01, rho, 1.0);
    EXPECT_DOUBLE_EQ(over.mean, at.mean);
    EXPECT_DOUBLE_EQ(over.var, at.var);
  }
  EXPECT_DOUBLE_EQ(PsSojourn(0.01, -0.5, 1.0).mean, 0.01);
}

}  // namespace
}  // namespace podpilot
