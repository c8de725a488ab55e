#include "eval/series_downsample.h"

#include <algorithm>
#include <cmath>

namespace podpilot {

TimeSeries DownsampleSeries(const TimeSeries& in, double step_s) {
  TimeSeries out;
  out.target_names = in.target_names;
  out.class_names = in.class_names;
  if (in.rows.size() < 2 || !(step_s > in.rows[1].time_s - in.rows[0].time_s)) {
    out.rows = in.rows;
    return out;
  }
  size_t i = 0;
  while (i < in.rows.size()) {
    // Bucket k holds rows with time in ((k-1) step, k step]: a row's time is its interval's end.
    const double bucket = std::ceil(in.rows[i].time_s / step_s);
    size_t j = i;
    while (j < in.rows.size() && std::ceil(in.rows[j].time_s / step_s) == bucket) ++j;
    const double n = static_cast<double>(j - i);
    TimeSeries::Row row = in.rows[j - 1];  // state, reason and time at the bucket's end
    row.request_rate = row.error_rate = row.cost_rate = row.p95_ms = 0;
    std::fill(row.cpu_util.begin(), row.cpu_util.end(), 0.0);
    std::fill(row.target_p95_ms.begin(), row.target_p95_ms.end(), 0.0);
    std::fill(row.class_p95_ms.begin(), row.class_p95_ms.end(), 0.0);
    double ok = 0, weight = 0, plain_att = 0;
    for (size_t k = i; k < j; ++k) {
      const TimeSeries::Row& r = in.rows[k];
      row.request_rate += r.request_rate / n;
      row.error_rate += r.error_rate / n;
      row.cost_rate += r.cost_rate / n;
      row.p95_ms = std::max(row.p95_ms, r.p95_ms);
      for (size_t t = 0; t < row.cpu_util.size() && t < r.cpu_util.size(); ++t) {
        row.cpu_util[t] += r.cpu_util[t] / n;
        row.target_p95_ms[t] = std::max(row.target_p95_ms[t], r.target_p95_ms[t]);
      }
      for (size_t c = 0; c < row.class_p95_ms.size() && c < r.class_p95_ms.size(); ++c) {
        row.class_p95_ms[c] = std::max(row.class_p95_ms[c], r.class_p95_ms[c]);
      }
      ok += r.slo_attainment * r.request_rate;
      weight += r.request_rate;
      plain_att += r.slo_attainment / n;
    }
    // With no traffic in the bucket there is nothing to weight by; the plain mean is the answer.
    row.slo_attainment = weight > 0 ? ok / weight : plain_att;
    out.rows.push_back(std::move(row));
    i = j;
  }
  return out;
}

}  // namespace podpilot
