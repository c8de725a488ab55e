#include "policy/predictive/holt_winters.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace podpilot::predictive {
namespace {

// Below this a level is treated as zero in the multiplicative model (ratios to it are noise).
constexpr double kTinyLevel = 1e-9;

Status CheckRange(const char* field, double v, double lo, double hi, bool lo_open) {
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
  if (ok) return Status::Ok();
  return InvalidArgumentError(
      fmt::format("holt-winters: {}={} out of range {}{}, {}]", field, v, lo_open ? "(" : "[", lo, hi));
}

}  // namespace

Status ValidateHoltWintersOptions(const HoltWintersOptions& o) {
  if (o.season_length < 0) {
    return InvalidArgumentError(fmt::format("holt-winters: season_length={} must be >= 0", o.season_length));
  }
  PP_RETURN_IF_ERROR(CheckRange("alpha", o.alpha, 0, 1, true));
  PP_RETURN_IF_ERROR(CheckRange("beta", o.beta, 0, 1, false));
  PP_RETURN_IF_ERROR(CheckRange("gamma", o.gamma, 0, 1, false));
  PP_RETURN_IF_ERROR(CheckRange("phi", o.phi, 0, 1, true));
  return Status::Ok();
}

HoltWinters::HoltWinters(const HoltWintersOptions& options) : options_(options) { Reset(); }

void HoltWinters::Reset() {
  samples_ = 0;
  level_ = trend_ = 0;
  seasonal_ = false;
  season_.clear();
  if (options_.season_length > 1) season_.reserve(static_cast<size_t>(options_.season_length));
}

double HoltWinters::DampedSum(int h) const {
  if (options_.phi >= 1.0) return h;
  double sum = 0, p = 1;
  for (int k = 0; k < h; ++k) {
    p *= options_.phi;
    sum += p;
  }
  return sum;
}

void HoltWinters::InitialiseSeason() {
  // The first season's mean is the level at its middle; using it as the level now lags a trending
  // series by m/2 samples, which alpha corrects within a few samples. The trend restarts at 0
  // because Holt's trend during the warm-up mostly followed the seasonal swing, not a real trend.
  double mean = 0;
  for (double y : season_) mean += y;
  mean /= static_cast<double>(season_.size());
  for (double& s : season_) {
    if (options_.mode == SeasonalMode::kAdditive) {
      s -= mean;
    } else {
      s = mean > kTinyLevel ? s / mean : 1.0;
    }
  }
  level_ = mean;
  trend_ = 0;
  seasonal_ = true;
}

void HoltWinters::Update(double y) {
  if (!std::isfinite(y) || y < 0) y = 0;
  const double a = options_.alpha, b = options_.beta, g = options_.gamma, phi = options_.phi;
  const int m = options_.season_length;
  if (samples_ == 0) {
    level_ = y;
    trend_ = 0;
  } else if (!seasonal_) {
    const double prev = level_;
    level_ = a * y + (1 - a) * (level_ + phi * trend_);
    trend_ = b * (level_ - prev) + (1 - b) * phi * trend_;
    level_ = std::max(level_, 0.0);  // a falling trend must not carry a rate's level below zero
  } else {
    double& s = season_[static_cast<size_t>(samples_ % m)];
    const double prev = level_;
    if (options_.mode == SeasonalMode::kAdditive) {
      level_ = a * (y - s) + (1 - a) * (level_ + phi * trend_);
      trend_ = b * (level_ - prev) + (1 - b) * phi * trend_;
      level_ = std::max(level_, 0.0);
      s = g * (y - level_) + (1 - g) * s;
    } else {
      const double deseasoned = s > kTinyLevel ? y / s : y;
      level_ = a * deseasoned + (1 - a) * (level_ + phi * trend_);
      trend_ = b * (level_ - prev) + (1 - b) * phi * trend_;
      level_ = std::max(level_, 0.0);
      if (level_ > kTinyLevel) s = g * (y / level_) + (1 - g) * s;
    }
  }
  if (!seasonal_ && m > 1) {
    season_.push_back(y);
    if (static_cast<int>(season_.size()) == m) InitialiseSeason();
  }
  ++samples_;
}

double HoltWinters::Forecast(int h) const {
  if (samples_ == 0) return 0;
  h = std::max(h, 1);
  const double base = level_ + DampedSum(h) * trend_;
  double f = base;
  if (seasonal_) {
    // The last sample was number samples_ - 1; h after it sits at (samples_ - 1 + h) mod m.
    const int m = options_.season_length;
    const double s = season_[static_cast<size_t>((samples_ - 1 + h) % m)];
    f = options_.mode == SeasonalMode::kAdditive ? base + s : base * s;
  }
  return std::max(f, 0.0);
}

double HoltWinters::MaxForecast(int h) const {
  double best = 0;
  for (int k = 1; k <= std::max(h, 1); ++k) best = std::max(best, Forecast(k));
  return best;
}

StatusOr<SeasonalMode> ParseSeasonalMode(const std::string& text) {
  if (text == "additive" || text == "add") return SeasonalMode::kAdditive;
  if (text == "multiplicative" || text == "mul") return SeasonalMode::kMultiplicative;
  return InvalidArgumentError("holt-winters: seasonal mode '" + text + "' is not additive or multiplicative");
}

const char* SeasonalModeName(SeasonalMode mode) {
  return mode == SeasonalMode::kAdditive ? "additive" : "multiplicative";
}

}  // namespace podpilot::predictive
