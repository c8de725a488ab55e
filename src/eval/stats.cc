#include "eval/stats.h"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

namespace podpilot {

double StudentTQuantile(double p, double dof) {
  // Boost's inverse incomplete beta is accurate to a few ulps, far tighter than a table.
  boost::math::students_t dist(dof);
  return boost::math::quantile(dist, p);
}

SampleSummary Summarize(const std::vector<double>& values) {
  SampleSummary s;
  s.n = static_cast<int>(values.size());
  s.half_width = std::numeric_limits<double>::quiet_NaN();
  if (s.n == 0) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / s.n;
  if (s.n < 2) return s;
  // Two-pass variance: the values are close together (costs of one policy over seeds), where the
  // one-pass formula loses digits.
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.stddev = std::sqrt(ss / (s.n - 1));
  s.half_width = StudentTQuantile(0.975, s.n - 1) * s.stddev / std::sqrt(static_cast<double>(s.n));
  return s;
}

}  // namespace podpilot
