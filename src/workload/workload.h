// Workloads: the entry request rate of an application over time.
//
// A workload is described by a spec string (CLI and suite files use the same syntax). The values
// shown are the defaults, so a bare kind ("diurnal") is a complete spec:
//
//   step:low=20,high=200,at=10m               constant `low`, then `high` from `at` (low <= high)
//   sinusoidal:mean=100,amplitude=60,period=1h  mean + amplitude * sin(2 pi t / period); amplitude <= mean
//   low_high:low=20,high=200,period=30m       low for the first half of each period, high for the second
//   spike:base=50,peak=400,at=20m,duration=5m,ramp=30s   flash crowd: linear ramp base->peak over
//                                             [at, at+ramp), peak, linear ramp down ending at at+duration
//                                             (2*ramp <= duration)
//   diurnal:peak=300,trough=30,weekend=0.6    weekday curve with a night low (trough) at 04:00, a
//                                             morning ramp, a midday high, an afternoon dip and the
//                                             daily peak at 20:00; Saturday and Sunday are `weekend`
//                                             times the weekday rate (blended over +-2 h around the
//                                             midnights). Shape time 0 is Monday 00:00.
//   random_walk:start=100,sigma=5,min=10,max=400,step=1m  Gaussian steps of `sigma` every `step`,
//                                             reflected into [min, max], linear in between; seeded
//   constant:rps=100
//   trace:csv=PATH[,max_gap=DUR]              plain CSV "timestamp,rps", sample-and-hold
//   trace:azure=PATH[,function=HASH]          Azure Functions 2019 per-minute invocation counts
//                                             (one function's row(s), or all rows summed)
//   trace:clf=PATH[,max_gap=DUR]              HTTP access log, Common Log Format, per-second counts
//   (See workload/trace.h for each format's exact rules: header, gaps, time zones, clock.)
//
// Common options on every spec: scale=F (multiplies the rate), time_scale=F (F > 1 plays the
// shape F times slower; rates are kept, time is stretched), offset=DUR (start that far into the
// shape or trace, in the shape's own time), noise=poisson|none (default poisson: the simulator
// draws Poisson arrivals around the rate). So rps[i] is scale x the mean rate of the shape over
// shape time [offset + i/F, offset + (i+1)/F); analytic shapes are evaluated at the midpoint of
// that interval (exact for their linear pieces), traces are averaged over it exactly.
// Durations accept common/units.h syntax (30s, 15m, 2h, 1d).
//
// Variation per seed (for training on a distribution of days; workload/variation.h): vary_scale=F
// (the level times a factor log-uniform in [1/F, F]), vary_offset=DUR (a further phase shift
// U[0, DUR), shapes only), vary_noise=S (slow log-normal swings, standard deviation S, mean kept),
// vary_tempo=F (time_scale times a factor log-uniform in [1/F, F], shapes only).
//
// Limits: every rate, before and after scale, is within [0, 1e7] rps; durations (at, period,
// offset, the run) are at most 366 days; time_scale is in [0.001, 1000], scale in [0, 1e6].
//
// Bad specs and bad trace files are refused with an error naming the spec key and value, or the
// file and line (InvalidArgument; NotFound for a missing file or function).
// Thread-safety: free functions, no shared state. Traces are re-read on every call.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace podpilot {

struct WorkloadSpec {
  std::string kind;                          // "step", "diurnal", "trace", ...
  std::map<std::string, std::string> params; // raw key=value pairs (validated by Generate)
  std::string text;                          // the spec as written, for reports
};

// A mean request rate per second for each second of the run, starting at t = 0.
struct WorkloadSeries {
  std::string name;                          // the spec text
  std::vector<double> rps;                   // rps[i] = mean rate during [i, i+1) seconds
  bool poisson_noise = true;                 // whether the simulator draws Poisson arrivals
  // Wall-clock position of t = 0 (for time-of-day features): shapes start on Monday 00:00 plus
  // offset; traces at their own clock (CLF: local time of the first request; CSV: Unix time when
  // the timestamps are Unix times; Azure: 00:00 of an unknown weekday, reported as Monday) plus offset.
  double start_time_of_day_s = 0;            // seconds since midnight, in [0, 86400)
  int start_day_of_week = 0;                 // 0 = Monday
  std::vector<std::string> warnings;         // tolerated input problems (e.g. skipped log lines), for reports
  double duration_s() const { return static_cast<double>(rps.size()); }
};

// Parses "kind:key=value,key=value" (spaces around items are ignored; values may contain ':' and
// '=' but not ','). Refuses an unknown kind, an unknown key for the kind, a repeated key and an
// item that is not key=value; values are checked by GenerateWorkload. Does not read files.
StatusOr<WorkloadSpec> ParseWorkloadSpec(const std::string& text);

// Produces `duration_s` seconds of mean rate (ceil(duration_s) entries; duration_s in (0, 366d]).
// Validates every value of `spec`, which may also be built in code. Shapes are deterministic
// given `seed` (only random_walk uses it). Traces shorter than `duration_s` (after offset and time scaling) are an error naming
// the trace's length: podpilot never silently loops or pads a trace.
StatusOr<WorkloadSeries> GenerateWorkload(const WorkloadSpec& spec, double duration_s, uint64_t seed);

// Convenience: parse then generate.
StatusOr<WorkloadSeries> MakeWorkload(const std::string& text, double duration_s, uint64_t seed);

// Draws integer arrivals per second around the series' mean (Poisson when poisson_noise,
// otherwise the mean rounded stochastically so totals stay unbiased). Deterministic in `seed`;
// draws from its own stream (Rng::Derive), so it does not correlate with a random_walk of the
// same seed. Returns one count per entry of series.rps.
std::vector<double> SampleArrivals(const WorkloadSeries& series, uint64_t seed);

// Names of the shape kinds, for --help.
std::vector<std::string> WorkloadKinds();

// True for the common options that apply to shapes only and are refused on traces (vary_offset,
// vary_tempo: a trace's days are not interchangeable and it is never played past its end).
bool IsShapeOnlyOption(const std::string& key);

}  // namespace podpilot
