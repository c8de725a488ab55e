// The simple analytic shapes (step, sinusoidal, low_high, spike, constant) and the dispatcher.
#include "workload/shapes.h"

#include <cmath>
#include <numbers>

#include "workload/text_util.h"

namespace podpilot::workload_internal {
namespace {

class Constant : public Shape {
 public:
  explicit Constant(double rps) : rps_(rps) {}
  double RateAt(double) const override { return rps_; }

 private:
  double rps_;
};

class Step : public Shape {
 public:
  Step(double low, double high, double at) : low_(low), high_(high), at_(at) {}
  double RateAt(double u) const override { return u < at_ ? low_ : high_; }

 private:
  double low_, high_, at_;
};

class Sinusoidal : public Shape {
 public:
  Sinusoidal(double mean, double amplitude, double period)
      : mean_(mean), amplitude_(amplitude), omega_(2.0 * std::numbers::pi / period) {}
  // max() guards against -1e-15 from rounding when amplitude == mean.
  double RateAt(double u) const override { return std::max(0.0, mean_ + amplitude_ * std::sin(omega_ * u)); }

 private:
  double mean_, amplitude_, omega_;
};

// Low for the first half of every period, high for the second half.
class LowHigh : public Shape {
 public:
  LowHigh(double low, double high, double period) : low_(low), high_(high), period_(period) {}
  double RateAt(double u) const override { return std::fmod(u, period_) < period_ / 2 ? low_ : high_; }

 private:
  double low_, high_, period_;
};

// Flash crowd: base, then a linear ramp to peak over [at, at+ramp), the peak until
// at+duration-ramp, a linear ramp back down, and base again from at+duration.
class Spike : public Shape {
 public:
  Spike(double base, double peak, double at, double duration, double ramp)
      : base_(base), peak_(peak), at_(at), end_(at + duration), ramp_(ramp) {}
  double RateAt(double u) const override {
    if (u < at_ || u >= end_) return base_;
    const double up = u - at_, down = end_ - u;
    const double x = std::min(up, down);
    if (x >= ramp_) return peak_;
    return base_ + (peak_ - base_) * (x / ramp_);
  }

 private:
  double base_, peak_, at_, end_, ramp_;
};

Status LowAtMostHigh(const ParamReader& p, double low, double high, const std::string& hint) {
  if (low > high) {
    return p.Error("low", "must be <= high=" + FormatNumber(high) + hint);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Shape>> MakeShape(const ParamReader& p, double horizon_s, uint64_t seed) {
  const std::string& kind = p.spec().kind;
  if (kind == "constant") {
    PP_ASSIGN_OR_RETURN(double rps, p.Rate("rps", 100));
    return std::unique_ptr<Shape>(new Constant(rps));
  }
  if (kind == "step") {
    PP_ASSIGN_OR_RETURN(double low, p.Rate("low", 20));
    PP_ASSIGN_OR_RETURN(double high, p.Rate("high", 200));
    PP_ASSIGN_OR_RETURN(double at, p.Duration("at", 600, 0, kMaxDurationS));
    PP_RETURN_IF_ERROR(LowAtMostHigh(p, low, high, " (for a step down use low_high with offset=period/2)"));
    return std::unique_ptr<Shape>(new Step(low, high, at));
  }
  if (kind == "sinusoidal") {
    PP_ASSIGN_OR_RETURN(double mean, p.Rate("mean", 100));
    PP_ASSIGN_OR_RETURN(double amplitude, p.Rate("amplitude", 60));
    PP_ASSIGN_OR_RETURN(double period, p.Duration("period", 3600, 0, kMaxDurationS, /*lo_exclusive=*/true));
    if (amplitude > mean) {
      return p.Error("amplitude", "must be <= mean=" + FormatNumber(mean) + " (the rate would go negative)");
    }
    return std::unique_ptr<Shape>(new Sinusoidal(mean, amplitude, period));
  }
  if (kind == "low_high") {
    PP_ASSIGN_OR_RETURN(double low, p.Rate("low", 20));
    PP_ASSIGN_OR_RETURN(double high, p.Rate("high", 200));
    PP_ASSIGN_OR_RETURN(double period, p.Duration("period", 1800, 0, kMaxDurationS, /*lo_exclusive=*/true));
    PP_RETURN_IF_ERROR(LowAtMostHigh(p, low, high, " (use offset=period/2 to start high)"));
    return std::unique_ptr<Shape>(new LowHigh(low, high, period));
  }
  if (kind == "spike") {
    PP_ASSIGN_OR_RETURN(double base, p.Rate("base", 50));
    PP_ASSIGN_OR_RETURN(double peak, p.Rate("peak", 400));
    PP_ASSIGN_OR_RETURN(double at, p.Duration("at", 1200, 0, kMaxDurationS));
    PP_ASSIGN_OR_RETURN(double duration, p.Duration("duration", 300, 0, kMaxDurationS, /*lo_exclusive=*/true));
    PP_ASSIGN_OR_RETURN(double ramp, p.Duration("ramp", 30, 0, kMaxDurationS));
    if (peak < base) return p.Error("peak", "must be >= base=" + FormatNumber(base));
    if (2 * ramp > duration) {
      return p.Error("ramp", "ramp up and down must fit in duration=" + p.Text("duration", "5m") +
                                 " (need 2*ramp <= duration)");
    }
    return std::unique_ptr<Shape>(new Spike(base, peak, at, duration, ramp));
  }
  if (kind == "diurnal") return MakeDiurnal(p);
  if (kind == "random_walk") return MakeRandomWalk(p, horizon_s, seed);
  return p.SpecError("'" + kind + "' is not a load shape");
}

}  // namespace podpilot::workload_internal
