// Coarsens a run's per-control-interval time series for reports: a day at a 2 s KPA period is
// 43,200 rows, far more than a plot needs and megabytes per run on disk.
//
// Rows are grouped into consecutive buckets of `step_s` seconds of simulated time (by row time);
// each bucket becomes one row at the time of its last row, with:
//   * flows averaged: request_rate, error_rate, cost_rate and per-target CPU utilization (plain
//     mean over the bucket's rows, which all cover one control interval);
//   * slo_attainment weighted by request_rate (the bucket's share of requests within the SLO);
//   * tails as the bucket's worst: p95_ms, per-target and per-class p95 (max);
//   * state as sampled at the bucket's end: replicas, ready, and the last decision's reason.
// A step no larger than the rows' spacing returns the series unchanged. Pure; thread-safe.
#pragma once

#include "eval/run.h"

namespace podpilot {

TimeSeries DownsampleSeries(const TimeSeries& in, double step_s);

}  // namespace podpilot
