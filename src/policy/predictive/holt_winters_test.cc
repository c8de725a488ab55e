#include "policy/predictive/holt_winters.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace podpilot::predictive {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A day of `m` samples: a smooth daily curve with a second harmonic (a morning and an evening
// bump) around `mean`, plus Gaussian noise of sd `noise`.
std::vector<double> Diurnal(int m, int days, double mean, double noise, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, noise);
  std::vector<double> y;
  for (int t = 0; t < m * days; ++t) {
    const double phase = 2 * kPi * t / m;
    y.push_back(mean + 0.5 * mean * std::sin(phase) + 0.15 * mean * std::sin(2 * phase + 1) + n(rng));
  }
  return y;
}

struct Errors {
  double model = 0, naive = 0;
};

// Mean absolute h-step-ahead error over the samples from `from` on: the model's forecast vs the
// naive forecast (the last value), each made before the target sample was seen.
Errors ForecastErrors(HoltWinters& hw, const std::vector<double>& y, size_t from, int h) {
  Errors e;
  int count = 0;
  for (size_t t = 0; t < y.size(); ++t) {
    if (t >= from && t + h < y.size()) {
      e.model += std::abs(hw.Forecast(h) - y[t + h - 1]);
      e.naive += std::abs(y[t - 1] - y[t + h - 1]);
      ++count;
    }
    hw.Update(y[t]);
  }
  e.model /= count;
  e.naive /= count;
  return e;
}

TEST(HoltWintersTest, LearnsTheSeasonWithinTwoSeasons) {
  const int m = 96;  // 15-minute samples over a day
  const int h = 4;   // one hour ahead
  const std::vector<double> y = Diurnal(m, 4, 100, 2, 7);
  for (SeasonalMode mode : {SeasonalMode::kAdditive, SeasonalMode::kMultiplicative}) {
    SCOPED_TRACE(SeasonalModeName(mode));
    HoltWinters hw({m, 0.2, 0.01, 0.3, 1.0, mode});
    // Score the third and fourth seasons only: two seasons to learn from.
    const Errors e = ForecastErrors(hw, y, 2 * m, h);
    EXPECT_TRUE(hw.seasonal());
    EXPECT_GT(e.naive, 8);              // an hour ahead the curve moves a lot
    EXPECT_LT(e.model, 0.3 * e.naive);  // the season is learned
    EXPECT_LT(e.model, 5);              // within about twice the noise sd
    std::printf("%s: mean abs error %.2f (naive %.2f)\n", SeasonalModeName(mode), e.model, e.naive);
  }
}

TEST(HoltWintersTest, WithoutASeasonTheSameSeriesIsForecastFarWorse) {
  // The control for the test above: Holt's method alone cannot anticipate the turn of the curve.
  const int m = 96, h = 4;
  const std::vector<double> y = Diurnal(m, 4, 100, 2, 7);
  HoltWinters seasonal({m, 0.2, 0.01, 0.3, 1.0, SeasonalMode::kAdditive});
  HoltWinters holt({0, 0.2, 0.01, 0.3, 1.0, SeasonalMode::kAdditive});
  const Errors with = ForecastErrors(seasonal, y, 2 * m, h);
  const Errors without = ForecastErrors(holt, y, 2 * m, h);
  EXPECT_FALSE(holt.seasonal());
  EXPECT_LT(2 * with.model, without.model);
}

TEST(HoltWintersTest, FallsBackToHoltBeforeOneSeason) {
  HoltWinters hw({1000, 0.5, 0.3, 0.1, 1.0, SeasonalMode::kAdditive});
  EXPECT_EQ(hw.Forecast(1), 0);  // nothing seen yet
  double last = 0;
  for (int t = 0; t < 200; ++t) hw.Update(last = 10 + 2 * t);
  EXPECT_FALSE(hw.seasonal());
  EXPECT_EQ(hw.samples(), 200);
  // A linear ramp: level + h x trend continues it.
  EXPECT_NEAR(hw.trend(), 2, 0.01);
  EXPECT_NEAR(hw.Forecast(1), last + 2, 0.1);
  EXPECT_NEAR(hw.Forecast(10), last + 20, 0.2);
  EXPECT_NEAR(hw.MaxForecast(10), hw.Forecast(10), 1e-12);  // rising: the last step is the max
}

TEST(HoltWintersTest, SeasonStartsAfterExactlyOneSeason) {
  const int m = 10;
  HoltWinters hw({m, 0.3, 0.05, 0.1, 1.0, SeasonalMode::kAdditive});
  for (int t = 0; t < m - 1; ++t) hw.Update(t % 2 ? 20 : 10);
  EXPECT_FALSE(hw.seasonal());
  hw.Update(20);
  EXPECT_TRUE(hw.seasonal());
  EXPECT_NEAR(hw.level(), 15, 1e-9);  // the first season's mean
  // The next sample is the first of the next season (a 10): forecast from the indices alone.
  EXPECT_NEAR(hw.Forecast(1), 10, 1e-9);
  EXPECT_NEAR(hw.Forecast(2), 20, 1e-9);
}

TEST(HoltWintersTest, DampedTrendLevelsOff) {
  HoltWinters damped({0, 0.5, 0.3, 0, 0.8, SeasonalMode::kAdditive});
  HoltWinters plain({0, 0.5, 0.3, 0, 1.0, SeasonalMode::kAdditive});
  for (int t = 0; t < 100; ++t) {
    damped.Update(10 + t);
    plain.Update(10 + t);
  }
  // phi / (1 - phi) = 4 steps of trend at most, however far ahead.
  EXPECT_LT(damped.Forecast(100), damped.level() + 4.01 * damped.trend());
  EXPECT_GT(plain.Forecast(100), plain.level() + 99 * plain.trend());
}

TEST(HoltWintersTest, ForecastsAreNeverNegativeAndBadSamplesCountAsZero) {
  HoltWinters hw({0, 0.9, 0.9, 0, 1.0, SeasonalMode::kAdditive});
  for (double y : {100.0, 50.0, 10.0, 0.0}) hw.Update(y);
  EXPECT_EQ(hw.Forecast(20), 0);
  hw.Update(std::nan(""));
  hw.Update(-5);
  EXPECT_GE(hw.level(), 0);
  EXPECT_TRUE(std::isfinite(hw.Forecast(3)));
}

TEST(HoltWintersTest, MultiplicativeSeasonWithAnAllZeroFirstSeasonIsNeutral) {
  HoltWinters hw({4, 0.5, 0.1, 0.1, 1.0, SeasonalMode::kMultiplicative});
  for (int t = 0; t < 4; ++t) hw.Update(0);
  EXPECT_TRUE(hw.seasonal());
  for (int t = 0; t < 8; ++t) hw.Update(10);
  EXPECT_TRUE(std::isfinite(hw.Forecast(1)));
  EXPECT_GT(hw.Forecast(1), 5);
}

TEST(HoltWintersTest, ValidationNamesTheField) {
  HoltWintersOptions o;
  EXPECT_TRUE(ValidateHoltWintersOptions(o).ok());
  o.alpha = 0;
  Status s = ValidateHoltWintersOptions(o);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("alpha=0"), std::string::npos) << s.message();
  o = {};
  o.gamma = 1.5;
  s = ValidateHoltWintersOptions(o);
  EXPECT_NE(s.message().find("gamma=1.5"), std::string::npos) << s.message();
  o = {};
  o.season_length = -1;
  EXPECT_FALSE(ValidateHoltWintersOptions(o).ok());
  EXPECT_FALSE(ParseSeasonalMode("cubic").ok());
  EXPECT_EQ(*ParseSeasonalMode("mul"), SeasonalMode::kMultiplicative);
}

}  // namespace
}  // namespace podpilot::predictive
