#include <algorithm>

#include "workload/trace.h"

namespace podpilot::workload_internal {

void ResampleMean(const PiecewiseRate& r, double offset, double time_scale, size_t n, double* out) {
  const size_t pieces = r.rate.size();
  if (pieces == 0) {
    std::fill(out, out + n, 0.0);
    return;
  }
  const double end = r.length_s();
  // Piece holding `a`: advanced monotonically, so the whole pass is O(n + pieces).
  size_t k = static_cast<size_t>(std::upper_bound(r.bounds.begin(), r.bounds.end(), offset) - r.bounds.begin());
  k = k == 0 ? 0 : k - 1;
  for (size_t i = 0; i < n; ++i) {
    // Computed afresh each step (not accumulated) so long runs do not drift.
    const double a = offset + static_cast<double>(i) / time_scale;
    const double b = std::min(end, offset + static_cast<double>(i + 1) / time_scale);
    while (k + 1 < pieces && r.bounds[k + 1] <= a) ++k;
    if (!(b > a)) {  // past the end by rounding only
      out[i] = r.rate[std::min(k, pieces - 1)];
      continue;
    }
    double sum = 0.0, x = a;
    for (size_t j = k; j < pieces && x < b; ++j) {
      const double e = std::min(b, r.bounds[j + 1]);
      sum += r.rate[j] * (e - x);
      x = e;
    }
    out[i] = sum / (b - a);
  }
}

}  // namespace podpilot::workload_internal
