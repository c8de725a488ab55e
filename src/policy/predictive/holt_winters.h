// HoltWinters: exponential smoothing with level, (damped) trend and one season, on a regularly
// sampled series (here: a service's request rate, one sample per control interval).
//
//   additive:        y(t+h) = L + (phi + ... + phi^h) T + S[(t+h) mod m]
//   multiplicative:  y(t+h) = (L + (phi + ... + phi^h) T) * S[(t+h) mod m]
//
// Warm-up: until one whole season (m samples) has been seen there is nothing to estimate the
// seasonal indices from, so the model runs as Holt's linear method (level + damped trend) and
// Forecast() extrapolates that. At the m-th sample the first season initialises the indices
// (deviations from, or ratios to, its mean; level = that mean, trend = 0) and the seasonal
// recursions take over. With season_length <= 1 the model stays Holt's method for ever.
//
// Forecasts are clamped at 0 (a rate is never negative). Not thread-safe; a value type (copyable).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace podpilot::predictive {

enum class SeasonalMode { kAdditive, kMultiplicative };

struct HoltWintersOptions {
  int season_length = 0;   // samples per season; <= 1: no season (Holt's method)
  double alpha = 0.3;      // level smoothing, (0, 1]
  double beta = 0.05;      // trend smoothing, [0, 1]
  double gamma = 0.1;      // season smoothing, [0, 1]
  double phi = 1.0;        // trend damping, (0, 1]; 1 = undamped
  SeasonalMode mode = SeasonalMode::kAdditive;
};

// Error naming the field and value when a smoothing constant is outside its range or
// season_length is negative.
Status ValidateHoltWintersOptions(const HoltWintersOptions& options);

class HoltWinters {
 public:
  // `options` must pass ValidateHoltWintersOptions (checked by the caller; values outside the
  // ranges give meaningless forecasts, not crashes).
  explicit HoltWinters(const HoltWintersOptions& options = {});

  // Forgets every sample.
  void Reset();
  // Adds the next sample of the series. Non-finite or negative values are treated as 0.
  void Update(double y);
  // Forecast h >= 1 samples after the last one; 0 before the first sample. h < 1 is taken as 1.
  double Forecast(int h) const;
  // max over k = 1..h of Forecast(k).
  double MaxForecast(int h) const;

  // True once the seasonal indices are initialised (one whole season seen).
  bool seasonal() const { return seasonal_; }
  long samples() const { return samples_; }
  double level() const { return level_; }
  double trend() const { return trend_; }
  const HoltWintersOptions& options() const { return options_; }

 private:
  double DampedSum(int h) const;  // phi + phi^2 + ... + phi^h
  void InitialiseSeason();

  HoltWintersOptions options_;
  long samples_ = 0;
  double level_ = 0, trend_ = 0;
  bool seasonal_ = false;
  std::vector<double> season_;  // first season's raw samples during warm-up, then the indices
};

// "additive" | "multiplicative" (also "add" / "mul").
StatusOr<SeasonalMode> ParseSeasonalMode(const std::string& text);
const char* SeasonalModeName(SeasonalMode mode);

}  // namespace podpilot::predictive
