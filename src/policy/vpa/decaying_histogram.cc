#include "policy/vpa/decaying_histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace podpilot::vpa {
namespace {

constexpr int kMaxDecayExponent = 100;

// Go's round() helper in decaying_histogram.go: floor(x + 0.5).
double RoundHalfUp(double x) { return std::floor(x + 0.5); }

}  // namespace

DecayingHistogram::DecayingHistogram(std::shared_ptr<const HistogramOptions> options, double half_life_s)
    : histogram_(std::move(options)), half_life_s_(half_life_s) {}

void DecayingHistogram::AddSample(double value, double weight, double time_s) {
  histogram_.AddSample(value, weight * DecayFactor(time_s));
}

void DecayingHistogram::SubtractSample(double value, double weight, double time_s) {
  histogram_.SubtractSample(value, weight * DecayFactor(time_s));
}

void DecayingHistogram::Merge(DecayingHistogram& other) {
  assert(half_life_s_ == other.half_life_s_ && "merging decaying histograms with different half-lives");
  if (reference_s_ < other.reference_s_) {
    ShiftReference(other.reference_s_);
  } else if (other.reference_s_ < reference_s_) {
    other.ShiftReference(reference_s_);
  }
  histogram_.Merge(other.histogram_);
}

double DecayingHistogram::DecayFactor(double time_s) {
  // Strict: time.After(maxAllowed).
  if (time_s > reference_s_ + half_life_s_ * kMaxDecayExponent) ShiftReference(time_s);
  return std::exp2((time_s - reference_s_) / half_life_s_);
}

void DecayingHistogram::ShiftReference(double new_reference_s) {
  // time.Round(halfLife): nearest multiple since the zero time, halfway values round up.
  double since_zero = new_reference_s - kGoZeroTimeUnixSeconds;
  double rounded = kGoZeroTimeUnixSeconds + std::floor(since_zero / half_life_s_ + 0.5) * half_life_s_;
  double exponent = RoundHalfUp((reference_s_ - rounded) / half_life_s_);
  histogram_.Scale(std::ldexp(1.0, static_cast<int>(std::clamp(exponent, -1e5, 1e5))));
  reference_s_ = rounded;
}

}  // namespace podpilot::vpa
