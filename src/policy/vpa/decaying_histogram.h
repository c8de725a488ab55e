// DecayingHistogram: a Histogram whose samples lose half their weight every `half_life`
// (upstream util/decaying_histogram.go, baselines.md 2.3).
//
// A sample added at time t gets weight w x 2^((t - reference) / half_life). Only relative weights
// matter, so the reference is moved forward (and all weights scaled down) whenever a sample lands
// more than 100 half-lives after it. The reference is always a whole number of half-lives after
// Go's zero time (0001-01-01T00:00:00Z); it starts there, so the first sample always shifts it
// (scaling the empty weights by 0).
//
// Time: seconds on the Unix axis (simulation time 0 is read as the Unix epoch). With a 24 h
// half-life the reference is then a UTC midnight, as upstream. Value type; not thread-safe.
#pragma once

#include "policy/vpa/histogram.h"

namespace podpilot::vpa {

// Go's zero time on the Unix axis: 0001-01-01T00:00:00Z is 62135596800 s before the epoch.
inline constexpr double kGoZeroTimeUnixSeconds = -62135596800.0;

class DecayingHistogram {
 public:
  DecayingHistogram(std::shared_ptr<const HistogramOptions> options, double half_life_s);

  void AddSample(double value, double weight, double time_s);
  void SubtractSample(double value, double weight, double time_s);
  // Aligns the older reference with the newer one (shifting that histogram), then merges.
  // `other` may be shifted as a side effect, as upstream. Half-lives must match.
  void Merge(DecayingHistogram& other);

  double Percentile(double percentile) const { return histogram_.Percentile(percentile); }
  bool IsEmpty() const { return histogram_.IsEmpty(); }
  bool Equals(const DecayingHistogram& other) const {
    return half_life_s_ == other.half_life_s_ && reference_s_ == other.reference_s_ &&
           histogram_.Equals(other.histogram_);
  }

  double half_life_s() const { return half_life_s_; }
  double reference_s() const { return reference_s_; }
  const Histogram& histogram() const { return histogram_; }

 private:
  // 2^((t - reference) / half_life), renormalising first if t is too far ahead.
  double DecayFactor(double time_s);
  // Rounds `new_reference` to the nearest multiple of the half-life counted from Go's zero time
  // (ties up), scales weights by 2^round((old - new) / half_life) and stores it.
  void ShiftReference(double new_reference_s);

  Histogram histogram_;
  double half_life_s_;
  double reference_s_ = kGoZeroTimeUnixSeconds;
};

}  // namespace podpilot::vpa
