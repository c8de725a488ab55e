// Load shapes: levels, transition times, mean, peak and period, and the diurnal week.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "workload/shapes.h"
#include "workload/test_util.h"
#include "workload/workload.h"

namespace podpilot {
namespace {

using workload_internal::DiurnalProfile;
using workload_internal::WeekFactor;

std::vector<double> Rates(const std::string& text, double duration_s, uint64_t seed = 1) {
  auto s = MakeWorkload(text, duration_s, seed);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  return s.ok() ? s->rps : std::vector<double>();
}

double Mean(const std::vector<double>& v, size_t from, size_t to) {
  return std::accumulate(v.begin() + from, v.begin() + to, 0.0) / double(to - from);
}

TEST(Shapes, ConstantWithDefaults) {
  auto r = Rates("constant", 100);
  ASSERT_EQ(r.size(), 100u);
  for (double x : r) EXPECT_EQ(x, 100.0);
  for (double x : Rates("constant:rps=7.5", 10)) EXPECT_EQ(x, 7.5);
}

TEST(Shapes, StepSwitchesAtTheGivenSecond) {
  auto r = Rates("step:low=20,high=200,at=10m", 1200);
  ASSERT_EQ(r.size(), 1200u);
  for (size_t i = 0; i < 600; ++i) ASSERT_EQ(r[i], 20.0) << i;
  for (size_t i = 600; i < 1200; ++i) ASSERT_EQ(r[i], 200.0) << i;
}

TEST(Shapes, SinusoidalMeanPeakAndPeriod) {
  const double mean = 100, amp = 60, period = 3600;
  auto r = Rates("sinusoidal:mean=100,amplitude=60,period=1h", 3 * 3600);
  EXPECT_NEAR(Mean(r, 0, r.size()), mean, 1e-9);
  const auto [lo, hi] = std::minmax_element(r.begin(), r.end());
  // Sampled at mid-seconds, the extremes are at most half a second of phase off the true ones.
  const double phase_err = amp * (1 - std::cos(M_PI / period));
  EXPECT_NEAR(*hi, mean + amp, phase_err + 1e-9);
  EXPECT_NEAR(*lo, mean - amp, phase_err + 1e-9);
  // In the first period, the peak is a quarter period in and the trough three quarters in: the
  // two mid-second samples around 900 s (2700 s) tie up to rounding.
  const auto first_hi = std::max_element(r.begin(), r.begin() + 3600) - r.begin();
  const auto first_lo = std::min_element(r.begin(), r.begin() + 3600) - r.begin();
  EXPECT_TRUE(first_hi == 899 || first_hi == 900) << first_hi;
  EXPECT_TRUE(first_lo == 2699 || first_lo == 2700) << first_lo;
  for (size_t i = 0; i + 3600 < r.size(); ++i) ASSERT_NEAR(r[i], r[i + 3600], 1e-9) << i;
  // Not periodic at half the period: guards against a doubled frequency.
  EXPECT_GT(std::fabs(r[899] - r[899 + 1800]), 100.0);
}

TEST(Shapes, SinusoidalWithFullAmplitudeNeverGoesNegative) {
  for (double x : Rates("sinusoidal:mean=10,amplitude=10,period=10s", 100)) EXPECT_GE(x, 0.0);
}

TEST(Shapes, LowHighAlternatesHalfPeriods) {
  auto r = Rates("low_high:low=20,high=200,period=30m", 3 * 1800);
  for (size_t i = 0; i < r.size(); ++i) {
    const bool high_half = (i % 1800) >= 900;
    ASSERT_EQ(r[i], high_half ? 200.0 : 20.0) << i;
  }
}

TEST(Shapes, SpikeRampsPeakAndReturns) {
  const double base = 50, peak = 400, ramp = 30;
  auto r = Rates("spike:base=50,peak=400,at=20m,duration=5m,ramp=30s", 1800);
  for (size_t i = 0; i < 1200; ++i) ASSERT_EQ(r[i], base) << i;
  // Ramp up over [1200, 1230): each second's value is the ramp's mean over that second.
  for (size_t k = 0; k < 30; ++k) {
    ASSERT_NEAR(r[1200 + k], base + (peak - base) * (k + 0.5) / ramp, 1e-9) << k;
  }
  for (size_t i = 1230; i < 1470; ++i) ASSERT_EQ(r[i], peak) << i;
  // Ramp down over [1470, 1500), symmetric with the ramp up.
  for (size_t k = 0; k < 30; ++k) ASSERT_NEAR(r[1499 - k], r[1200 + k], 1e-9) << k;
  for (size_t i = 1500; i < 1800; ++i) ASSERT_EQ(r[i], base) << i;
}

TEST(Shapes, SpikeWithoutRampIsASquarePulse) {
  auto r = Rates("spike:base=10,peak=90,at=100s,duration=50s,ramp=0s", 200);
  EXPECT_EQ(r[99], 10.0);
  EXPECT_EQ(r[100], 90.0);
  EXPECT_EQ(r[149], 90.0);
  EXPECT_EQ(r[150], 10.0);
}

TEST(DiurnalProfile, HitsItsExtremesAtNightAndEvening) {
  EXPECT_DOUBLE_EQ(DiurnalProfile(4.0), 0.0);
  EXPECT_DOUBLE_EQ(DiurnalProfile(20.0), 1.0);
  double lo = 1, hi = 0;
  for (int s = 0; s < 86400; ++s) {
    const double v = DiurnalProfile(s / 3600.0);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(lo, 0.0);
  EXPECT_EQ(hi, 1.0);
  EXPECT_NEAR(DiurnalProfile(24.0 + 7.3), DiurnalProfile(7.3), 1e-12);  // periodic
  EXPECT_NEAR(DiurnalProfile(0.0), DiurnalProfile(23.9999999), 1e-6);  // continuous at midnight
}

TEST(DiurnalProfile, MorningRampMiddayHighAfternoonDip) {
  // Hundredths of an hour, as integers so the loop ends exactly on the knots.
  for (int c = 400; c < 1250; ++c) ASSERT_LE(DiurnalProfile(c / 100.0), DiurnalProfile((c + 1) / 100.0)) << c;
  EXPECT_GT(DiurnalProfile(9.5) - DiurnalProfile(6.5), 0.5);  // a real ramp, not a drift
  EXPECT_GT(DiurnalProfile(12.5), DiurnalProfile(11.0));
  EXPECT_GT(DiurnalProfile(12.5), DiurnalProfile(15.5));       // midday is a local high
  EXPECT_LT(DiurnalProfile(15.5), DiurnalProfile(18.0));       // then the evening rise
  for (int c = 2000; c < 2800; ++c) ASSERT_GE(DiurnalProfile(c / 100.0), DiurnalProfile((c + 1) / 100.0)) << c;
}

TEST(WeekFactor, WeekdaysWeekendAndSmoothBlend) {
  EXPECT_EQ(WeekFactor(2.5, 0.6), 1.0);   // Wednesday noon
  EXPECT_EQ(WeekFactor(5.5, 0.6), 0.6);   // Saturday noon
  EXPECT_EQ(WeekFactor(6.5, 0.6), 0.6);   // Sunday noon
  EXPECT_EQ(WeekFactor(7.5, 0.6), 1.0);   // next Monday noon
  EXPECT_NEAR(WeekFactor(5.0, 0.6), 0.8, 1e-12);  // halfway through the Friday->Saturday blend
  EXPECT_NEAR(WeekFactor(7.0, 0.6), 0.8, 1e-12);  // halfway through Sunday->Monday
  EXPECT_EQ(WeekFactor(5.0 - 2.0 / 24, 0.6), 1.0);
  EXPECT_EQ(WeekFactor(5.0 + 2.0 / 24, 0.6), 0.6);
}

TEST(Shapes, DiurnalDefaultsOverAWeek) {
  const double peak = 300, trough = 30, weekend = 0.6;
  auto r = Rates("diurnal", 7 * 86400);
  ASSERT_EQ(r.size(), 7u * 86400);
  auto at = [&](int day, double hour) { return r[size_t(day * 86400 + hour * 3600)]; };
  for (int day : {0, 1, 2, 3}) {  // Monday..Thursday: untouched by the weekend blend
    EXPECT_NEAR(at(day, 20), peak, 1e-3) << day;
    EXPECT_NEAR(at(day, 4), trough, 1e-3) << day;
    const auto [lo, hi] = std::minmax_element(r.begin() + day * 86400 + 7200, r.begin() + (day + 1) * 86400);
    EXPECT_NEAR(*hi, peak, 1e-3);
    EXPECT_NEAR(*lo, trough, 1e-3);
    EXPECT_NEAR(double(hi - r.begin() - day * 86400), 20 * 3600, 1);
  }
  EXPECT_NEAR(at(5, 20), weekend * peak, 1e-3);   // Saturday evening
  EXPECT_NEAR(at(6, 4), weekend * trough, 1e-3);  // Sunday night
  for (int s = 7200; s < 86400 - 7200; ++s) ASSERT_NEAR(r[86400 + s], r[2 * 86400 + s], 1e-9) << s;
  // No jump anywhere, the weekend midnights included: the steepest change (the morning ramp) is
  // well under 0.05 rps per second, while an unblended Friday midnight would jump by ~44 rps.
  double max_step = 0;
  for (size_t i = 1; i < r.size(); ++i) max_step = std::max(max_step, std::fabs(r[i] - r[i - 1]));
  EXPECT_LT(max_step, 0.05);
  // The weekly mean sits between trough and peak and below the weekday mean.
  const double weekday_mean = Mean(r, 86400, 2 * 86400);
  EXPECT_LT(Mean(r, 0, r.size()), weekday_mean);
  EXPECT_GT(weekday_mean, trough);
  EXPECT_LT(weekday_mean, peak);
}

TEST(Shapes, DiurnalParameters) {
  auto r = Rates("diurnal:peak=1000,trough=100,weekend=1.5", 7 * 86400);
  EXPECT_NEAR(r[2 * 86400 + 20 * 3600], 1000, 1e-2);
  EXPECT_NEAR(r[2 * 86400 + 4 * 3600], 100, 1e-2);
  EXPECT_NEAR(r[6 * 86400 + 20 * 3600], 1500, 1e-2);
}

TEST(Shapes, RandomWalkIsBoundedAndContinuous) {
  auto r = Rates("random_walk:start=100,sigma=20,min=50,max=150,step=10s", 86400, 7);
  const auto [lo, hi] = std::minmax_element(r.begin(), r.end());
  EXPECT_GE(*lo, 50.0);
  EXPECT_LE(*hi, 150.0);
  // With sigma 20 per 10 s over a day, the walk reaches both ends of its band.
  EXPECT_LT(*lo, 55.0);
  EXPECT_GT(*hi, 145.0);
  EXPECT_NEAR(r[0], 100.0, 20.0);
  for (size_t i = 1; i < r.size(); ++i) {
    // Linear between knots: one second moves at most a tenth of a (reflected) step.
    ASSERT_LE(std::fabs(r[i] - r[i - 1]), 0.1 * 2 * 100.0) << i;
  }
}

TEST(Shapes, RandomWalkStepsHaveTheRequestedSigma) {
  // A band wide enough that reflection never happens, so the knot increments are N(0, sigma^2).
  const double sigma = 5;
  const int steps = 20000;
  auto r = Rates("random_walk:start=500000,sigma=5,min=0,max=1000000,step=1m", steps * 60.0 + 60, 11);
  // r[60k] is the walk at shape time 60k + 0.5, i.e. (1-f) knot_k + f knot_{k+1} with f = 0.5/60,
  // so consecutive differences have variance ((1-f)^2 + f^2) sigma^2.
  const double f = 0.5 / 60;
  const double want_var = ((1 - f) * (1 - f) + f * f) * sigma * sigma;
  double sum = 0, sum2 = 0;
  for (int k = 0; k < steps; ++k) {
    const double d = r[size_t(k + 1) * 60] - r[size_t(k) * 60];
    sum += d;
    sum2 += d * d;
  }
  const double mean = sum / steps, var = sum2 / steps - mean * mean;
  // Standard errors: sigma/sqrt(n) for the mean, ~sqrt(2/n) relative for the variance; 5 of each.
  EXPECT_NEAR(mean, 0.0, 5 * sigma / std::sqrt(double(steps)));
  EXPECT_NEAR(var / want_var, 1.0, 5 * std::sqrt(2.0 / steps));
}

TEST(Shapes, RandomWalkIsDeterministicInTheSeed) {
  const std::string spec = "random_walk:start=100,sigma=5,min=10,max=400";
  auto a = Rates(spec, 7200, 42), b = Rates(spec, 7200, 42), c = Rates(spec, 7200, 43);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), c.size());
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += a[i] != c[i];
  EXPECT_GT(differ, a.size() / 2);
}

TEST(Shapes, ShapesOtherThanRandomWalkIgnoreTheSeed) {
  for (const char* spec : {"diurnal", "spike", "sinusoidal", "step", "low_high", "constant"}) {
    EXPECT_EQ(Rates(spec, 3600, 1), Rates(spec, 3600, 2)) << spec;
  }
}

}  // namespace
}  // namespace podpilot
