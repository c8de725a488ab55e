// End-to-end behaviour of the public API: common options, series metadata, determinism and the
// arrival sampler's statistics.
#include "workload/workload.h"

#include <cmath>
#include <numeric>

#include "workload/test_util.h"

namespace podpilot {
namespace {

WorkloadSeries Make(const std::string& text, double duration_s, uint64_t seed = 1) {
  auto s = MakeWorkload(text, duration_s, seed);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  return s.ok() ? *s : WorkloadSeries{};
}

TEST(Workload, SeriesMetadata) {
  const WorkloadSeries s = Make("constant:rps=5", 90.5);
  EXPECT_EQ(s.name, "constant:rps=5");
  EXPECT_EQ(s.rps.size(), 91u);  // a partial last second gets its own entry
  EXPECT_EQ(s.duration_s(), 91.0);
  EXPECT_TRUE(s.poisson_noise);
  EXPECT_FALSE(Make("constant:noise=none", 10).poisson_noise);
  EXPECT_TRUE(Make("constant:noise=poisson", 10).poisson_noise);
}

TEST(Workload, MakeEqualsParseThenGenerate) {
  const std::string text = "random_walk:sigma=3,offset=1h";
  auto spec = ParseWorkloadSpec(text);
  ASSERT_TRUE(spec.ok());
  auto g = GenerateWorkload(*spec, 600, 9);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->rps, Make(text, 600, 9).rps);
}

TEST(CommonOptions, ScaleMultipliesTheRate) {
  const auto base = Make("sinusoidal", 3600).rps;
  const auto scaled = Make("sinusoidal:scale=2.5", 3600).rps;
  ASSERT_EQ(base.size(), scaled.size());
  for (size_t i = 0; i < base.size(); ++i) ASSERT_DOUBLE_EQ(scaled[i], 2.5 * base[i]) << i;
  for (double x : Make("step:scale=0", 1200).rps) EXPECT_EQ(x, 0.0);
}

TEST(CommonOptions, TimeScaleStretchesTime) {
  auto r = Make("step:low=1,high=2,at=10m,time_scale=2", 2400).rps;
  EXPECT_EQ(r[1199], 1.0);
  EXPECT_EQ(r[1200], 2.0);
  auto fast = Make("step:low=1,high=2,at=10m,time_scale=0.5", 600).rps;
  EXPECT_EQ(fast[299], 1.0);
  EXPECT_EQ(fast[300], 2.0);
  // A stretched sinusoid has twice the period: slow[i] equals the plain one at half the time
  // (sampled at the same shape instants: plain mid-second i+0.5 <-> slow at 2i+1).
  auto plain = Make("sinusoidal:period=10m", 600).rps;
  auto slow = Make("sinusoidal:period=10m,time_scale=2", 1200).rps;
  for (size_t i = 0; i + 1 < 600; ++i) {
    ASSERT_NEAR(0.5 * (slow[2 * i] + slow[2 * i + 1]), plain[i], 1e-3) << i;
  }
}

TEST(CommonOptions, OffsetStartsIntoTheShape) {
  auto r = Make("step:low=1,high=2,at=10m,offset=5m", 600).rps;
  EXPECT_EQ(r[299], 1.0);
  EXPECT_EQ(r[300], 2.0);
  // offset is in shape time, time_scale stretches what follows it.
  auto both = Make("step:low=1,high=2,at=10m,offset=5m,time_scale=2", 1200).rps;
  EXPECT_EQ(both[599], 1.0);
  EXPECT_EQ(both[600], 2.0);
  // The same seconds of a longer run.
  auto full = Make("sinusoidal", 7200).rps;
  auto tail = Make("sinusoidal:offset=1h", 3600).rps;
  for (size_t i = 0; i < 3600; ++i) ASSERT_NEAR(tail[i], full[3600 + i], 1e-9) << i;
}

TEST(CommonOptions, OffsetPlacesTheClock) {
  const WorkloadSeries s = Make("diurnal:offset=1d8h", 60);
  EXPECT_EQ(s.start_day_of_week, 1);  // Tuesday
  EXPECT_EQ(s.start_time_of_day_s, 8 * 3600.0);
  const WorkloadSeries week = Make("diurnal:offset=9d", 60);
  EXPECT_EQ(week.start_day_of_week, 2);  // wraps the week
  EXPECT_EQ(week.start_time_of_day_s, 0.0);
  // The rate follows the clock: 20:00 on a weekday is the peak.
  EXPECT_NEAR(Make("diurnal:offset=2d20h", 1).rps[0], 300.0, 1e-3);
}

TEST(Workload, ThirtyDaysAtPerSecondResolution) {
  const WorkloadSeries s = Make("diurnal", 30 * 86400.0);
  ASSERT_EQ(s.rps.size(), 2592000u);
  // Day 28 is a Monday again: identical to day 0 apart from the Sunday->Monday blend at midnight.
  for (size_t i = 7200; i < 86400; i += 97) ASSERT_NEAR(s.rps[28 * 86400 + i], s.rps[i], 1e-9) << i;
}

TEST(Workload, SameSeedSameSeriesEverywhere) {
  for (const char* spec : {"random_walk", "diurnal", "spike:at=1m", "low_high:period=2m"}) {
    const WorkloadSeries a = Make(spec, 1800, 5), b = Make(spec, 1800, 5);
    EXPECT_EQ(a.rps, b.rps) << spec;
    EXPECT_EQ(SampleArrivals(a, 17), SampleArrivals(b, 17)) << spec;
  }
}

// ---- SampleArrivals ---------------------------------------------------------------------------

struct Moments {
  double mean, var;
};
Moments Measure(const std::vector<double>& v) {
  const double n = double(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, ss / (n - 1)};
}

// Poisson(lambda): the sample mean has standard error sqrt(lambda/n) and the sample variance
// sqrt((lambda + 2 lambda^2) / n) (from the fourth central moment lambda(1 + 3 lambda)). Five
// standard errors: a correct sampler fails this about once in two million seeds, and the seed is
// fixed anyway.
class PoissonArrivals : public ::testing::TestWithParam<double> {};

TEST_P(PoissonArrivals, MeanAndVarianceMatchLambda) {
  const double lambda = GetParam();
  const size_t n = 200000;
  WorkloadSeries s;
  s.rps.assign(n, lambda);
  const std::vector<double> a = SampleArrivals(s, 2024);
  for (double x : a) ASSERT_EQ(x, std::floor(x));
  const Moments m = Measure(a);
  EXPECT_NEAR(m.mean, lambda, 5 * std::sqrt(lambda / n));
  EXPECT_NEAR(m.var, lambda, 5 * std::sqrt((lambda + 2 * lambda * lambda) / n));
}

// Below and above the sampler's switch from the multiplication method to PTRS at 30.
INSTANTIATE_TEST_SUITE_P(Lambdas, PoissonArrivals, ::testing::Values(0.3, 4.0, 29.5, 30.5, 250.0, 5000.0));

TEST(SampleArrivals, FollowsATimeVaryingRate) {
  WorkloadSeries s = Make("step:low=10,high=1000,at=50000s", 100000);
  const std::vector<double> a = SampleArrivals(s, 3);
  const double lo = std::accumulate(a.begin(), a.begin() + 50000, 0.0) / 50000;
  const double hi = std::accumulate(a.begin() + 50000, a.end(), 0.0) / 50000;
  EXPECT_NEAR(lo, 10, 5 * std::sqrt(10.0 / 50000));
  EXPECT_NEAR(hi, 1000, 5 * std::sqrt(1000.0 / 50000));
}

TEST(SampleArrivals, WithoutNoiseRoundsStochasticallyWithoutBias) {
  WorkloadSeries s;
  s.poisson_noise = false;
  const size_t n = 200000;
  s.rps.assign(n, 7.3);
  const std::vector<double> a = SampleArrivals(s, 8);
  size_t eights = 0;
  for (double x : a) {
    ASSERT_TRUE(x == 7.0 || x == 8.0) << x;
    eights += x == 8.0;
  }
  // Bernoulli(0.3) per second: standard error sqrt(0.3 * 0.7 / n) of the fraction.
  EXPECT_NEAR(double(eights) / n, 0.3, 5 * std::sqrt(0.3 * 0.7 / n));
  // Integer rates are reproduced exactly.
  s.rps.assign(100, 42.0);
  for (double x : SampleArrivals(s, 8)) EXPECT_EQ(x, 42.0);
}

TEST(SampleArrivals, DeterministicInTheSeed) {
  const WorkloadSeries s = Make("constant:rps=50", 5000);
  const auto a = SampleArrivals(s, 1), b = SampleArrivals(s, 1), c = SampleArrivals(s, 2);
  EXPECT_EQ(a, b);
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += a[i] != c[i];
  EXPECT_GT(differ, a.size() / 2);  // P(two Poisson(50) draws agree) is about 4%
}

TEST(SampleArrivals, ZeroRateGivesNoArrivals) {
  WorkloadSeries s;
  s.rps.assign(1000, 0.0);
  for (double x : SampleArrivals(s, 1)) EXPECT_EQ(x, 0.0);
  s.poisson_noise = false;
  for (double x : SampleArrivals(s, 1)) EXPECT_EQ(x, 0.0);
}

}  // namespace
}  // namespace podpilot
