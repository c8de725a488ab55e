// Summary statistics over seeds: mean and a two-sided 95 % confidence interval for the mean from
// the Student t distribution (the scorecard's "mean and 95 % interval over seeds", design.md §5).
//
// With n samples, the interval is mean +- t_{0.975, n-1} * s / sqrt(n), where s is the sample
// standard deviation (n - 1 in the denominator). It assumes the per-seed values are independent
// draws, which holds because every seed is its own run; it does not assume they are normal beyond
// what the t interval needs, and with 3-5 seeds it is wide on purpose.
//
// Pure functions; thread-safe.
#pragma once

#include <vector>

namespace podpilot {

struct SampleSummary {
  int n = 0;
  double mean = 0;
  double stddev = 0;      // sample standard deviation; 0 when n < 2
  double half_width = 0;  // of the 95 % interval; NaN when n < 2 (no interval from one sample)
  double low() const { return mean - half_width; }
  double high() const { return mean + half_width; }
  bool has_interval() const { return n >= 2; }
};

// The quantile of Student's t distribution with `dof` degrees of freedom (dof >= 1) at
// probability p in (0, 1); e.g. StudentTQuantile(0.975, 4) = 2.776.
double StudentTQuantile(double p, double dof);

// Summarises `values` (any size; an empty input gives n = 0, mean 0, half_width NaN).
SampleSummary Summarize(const std::vector<double>& values);

}  // namespace podpilot
