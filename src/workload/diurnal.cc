// The diurnal shape: a weekday curve shaped like the request rate of a consumer web service, and a
// weekend factor. Entirely deterministic: the same parameters give the same curve, so train and
// evaluation runs differ only through offset and the Poisson noise seed.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "workload/shapes.h"
#include "workload/text_util.h"

namespace podpilot::workload_internal {
namespace {

// Knots of the weekday profile (hour of day, level in [0, 1]), shaped after the day curves
// typical of consumer-facing web traffic (as in the Wikipedia and WorldCup98 traces): a night low around
// 04:00, a morning ramp, a midday plateau, an afternoon dip and the daily peak in the evening.
// The minimum (0) and maximum (1) are knots, and the interpolation below is monotone between
// knots, so trough and peak are reached exactly and never overshot.
struct Knot {
  double hour, level;
};
constexpr std::array<Knot, 8> kKnots = {{
    {0.0, 0.30},   // midnight: evening traffic fading
    {4.0, 0.00},   // night low
    {6.5, 0.10},   // early risers
    {9.5, 0.70},   // morning ramp done
    {12.5, 0.85},  // lunch-time high
    {15.5, 0.72},  // afternoon dip
    {20.0, 1.00},  // evening peak
    {22.5, 0.65},  // late evening
}};
constexpr size_t kN = kKnots.size();

// Periodic monotone piecewise-cubic Hermite interpolation (PCHIP, Fritsch-Butland tangents, as in
// SciPy's PchipInterpolator): no overshoot, continuous first derivative, zero slope at extrema.
class Profile {
 public:
  Profile() {
    std::array<double, kN> h{}, d{};  // interval lengths and secant slopes, interval k = [k, k+1)
    for (size_t k = 0; k < kN; ++k) {
      const Knot& a = kKnots[k];
      const Knot& b = kKnots[(k + 1) % kN];
      h[k] = (k + 1 == kN ? b.hour + 24.0 : b.hour) - a.hour;
      d[k] = (b.level - a.level) / h[k];
    }
    for (size_t k = 0; k < kN; ++k) {
      const size_t prev = (k + kN - 1) % kN;
      if (d[prev] * d[k] <= 0.0) {
        m_[k] = 0.0;  // local extremum or flat: keeps the curve within the knot range
      } else {
        const double w1 = 2 * h[k] + h[prev], w2 = h[k] + 2 * h[prev];
        m_[k] = (w1 + w2) / (w1 / d[prev] + w2 / d[k]);
      }
    }
    h_ = h;
  }

  double operator()(double hour) const {
    double x = std::fmod(hour, 24.0);
    if (x < 0) x += 24.0;
    size_t k = kN - 1;
    for (size_t i = 1; i < kN; ++i) {
      if (x < kKnots[i].hour) {
        k = i - 1;
        break;
      }
    }
    const double hk = h_[k];
    const double t = (x - kKnots[k].hour) / hk;
    const double y0 = kKnots[k].level, y1 = kKnots[(k + 1) % kN].level;
    const double t2 = t * t, t3 = t2 * t;
    const double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
    const double v = h00 * y0 + h10 * hk * m_[k] + h01 * y1 + h11 * hk * m_[(k + 1) % kN];
    return std::clamp(v, 0.0, 1.0);  // rounding only; PCHIP stays within [0, 1]
  }

 private:
  std::array<double, kN> m_{}, h_{};
};

const Profile& TheProfile() {
  static const Profile profile;
  return profile;
}

class Diurnal : public Shape {
 public:
  Diurnal(double peak, double trough, double weekend) : peak_(peak), trough_(trough), weekend_(weekend) {}
  double RateAt(double u) const override {
    const double level = TheProfile()(u / 3600.0);
    return (trough_ + (peak_ - trough_) * level) * WeekFactor(u / 86400.0, weekend_);
  }

 private:
  double peak_, trough_, weekend_;
};

// Raised-cosine blend from 0 at s = 0 to 1 at s = 1.
double Smooth(double s) { return 0.5 - 0.5 * std::cos(std::numbers::pi * s); }

}  // namespace

double DiurnalProfile(double hour) { return TheProfile()(hour); }

double WeekFactor(double day, double weekend) {
  // Saturday starts at day 5, Monday again at day 7. Blending over +-2 h (night, when rates are
  // low) avoids an artificial jump that a policy could learn to exploit.
  constexpr double kHalf = 2.0 / 24.0;
  double x = std::fmod(day, 7.0);
  if (x < 0) x += 7.0;
  if (std::fabs(x - 5.0) < kHalf) return 1.0 + (weekend - 1.0) * Smooth((x - 5.0 + kHalf) / (2 * kHalf));
  if (x > 7.0 - kHalf) return weekend + (1.0 - weekend) * Smooth((x - 7.0 + kHalf) / (2 * kHalf));
  if (x < kHalf) return weekend + (1.0 - weekend) * Smooth((x + kHalf) / (2 * kHalf));
  return x >= 5.0 ? weekend : 1.0;
}

StatusOr<std::unique_ptr<Shape>> MakeDiurnal(const ParamReader& p) {
  PP_ASSIGN_OR_RETURN(double peak, p.Rate("peak", 300));
  PP_ASSIGN_OR_RETURN(double trough, p.Rate("trough", 30));
  PP_ASSIGN_OR_RETURN(double weekend, p.Number("weekend", 0.6, 0.0, 10.0));
  if (trough > peak) return p.Error("trough", "must be <= peak=" + FormatNumber(peak));
  if (peak * std::max(1.0, weekend) > kMaxRps) {
    return p.Error("weekend", "peak*weekend exceeds " + FormatNumber(kMaxRps) + " rps");
  }
  return std::unique_ptr<Shape>(new Diurnal(peak, trough, weekend));
}

}  // namespace podpilot::workload_internal
