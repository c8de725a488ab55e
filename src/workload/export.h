// Exporting a workload to load generators: the per-second mean rate of a WorkloadSeries compressed
// into piecewise-linear stages, and those stages rendered as a k6 script or a Locust locustfile,
// so a real load test replays the shape the simulator sees.
//
// Stage semantics are k6's `ramping-arrival-rate` ones: the rate starts at `start_rps`; each stage
// moves it linearly from the previous stage's target to its own `target_rps` over `duration_s`
// seconds; a stage of duration 0 is an instant jump. The plan covers [0, sum of durations).
//
// Compression (CompressSeries), in two passes. The tolerance band at rate r is
// `rel_tolerance * r + abs_tolerance_rps`.
//  1. Fit. The series is cut into windows of `step_s` seconds (the resolution); each window gets
//     its least-squares line (which keeps the window's request total exactly; a line that would
//     dip below 0 is pinned at 0 with the same total). A piece whose line leaves the band is cut,
//     recursively, at the candidate corner (a second where the series bends) that minimises the
//     two lines' squared error, or into three lines to isolate a bump, when the misfit is
//     structure rather than noise: the squared error is far above the noise level estimated from
//     the piece's second differences, or the cut removes 3/4 of it. So jumps, kinks and bumps (a
//     step, the corners of a spike's ramps, one busy second) are found to the second, a curve is
//     cut until each piece is within the band, and per-second noise keeps one line per window.
//  2. Merge. Consecutive pieces become one stage while a single line stays within the band of
//     every piece it covers (a "slope cone": the same slope within the tolerance), so a step
//     workload gives three stages and a smooth curve one stage per bend. Between stages the rate
//     is continuous when the next piece starts within its band of where the stage ends;
//     otherwise a 0-duration jump stage is inserted.
// Guarantee: in each second i, |plan mean over [i, i+1) - rps[i]| <= fit error of i's piece + the
// band. The fit error is 0 on pieces cut at exact corners (steps, spikes, low_high, traces on the
// step grid), at most the band on other deterministic shapes (a piece within the band is not cut
// further), and the noise itself on noisy traces. Structure finer than the step that looks like
// noise to the test (a square wave of a few seconds' period) is averaged per window: a smaller
// step resolves it. A corner inside a second becomes a short jump at a whole second. Totals: fitting keeps each window's total and
// merging moves each second by at most its band, so the plan's total is within rel_tolerance
// (plus abs_tolerance_rps per second) of the series' total.
//
// Thread-safety: pure functions and value types, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace podpilot {

struct Stage {
  double duration_s = 0;  // >= 0; 0 = an instant jump to target_rps
  double target_rps = 0;  // rate at the end of the stage, >= 0
};

struct StagePlan {
  double start_rps = 0;
  std::vector<Stage> stages;

  double duration_s() const;
  // Largest rate the plan reaches (start_rps or a target).
  double peak_rps() const;
  // The plan's mean rate over each whole second [i, i+1), i < ceil(duration_s()).
  std::vector<double> PerSecond() const;
};

struct CompressOptions {
  double step_s = 60;               // window length; a whole number of seconds >= 1
  double rel_tolerance = 0.01;      // in [0, 0.5]
  double abs_tolerance_rps = 0.01;  // >= 0; keeps the band open where the rate is ~0
};

// Compresses `rps` (rps[i] = mean rate during [i, i+1); non-empty, finite, >= 0) into a plan of
// rps.size() seconds whose stage durations are whole seconds, as described above. Errors
// (InvalidArgument) name the option or the offending index and value.
StatusOr<StagePlan> CompressSeries(const std::vector<double>& rps, const CompressOptions& options);

// How closely a plan reproduces a series, for reports and tests.
struct StageFit {
  double max_abs_error_rps = 0;  // max over seconds of |plan mean - rps[i]|
  double max_error_at_s = 0;     // first second reaching it
  double series_requests = 0;    // sum of rps
  double plan_requests = 0;      // the plan's integral over [0, rps.size())
  // (plan - series) / series; 0 when both are 0.
  double relative_total_error() const;
};
StageFit MeasureStageFit(const StagePlan& plan, const std::vector<double>& rps);

// What the scripts say beyond the stages.
struct ScriptOptions {
  std::string workload;                           // spec text, quoted in the header
  uint64_t seed = 0;                              // quoted in the header
  std::string regenerate;                         // command that regenerates the file, for the header
  std::string target_url = "http://localhost:8080/";  // http:// or https:// URL each request GETs
  // k6: VUs are sized by Little's law, preAllocatedVUs = ceil(peak rate x assumed latency) and
  // maxVUs = vu_headroom x that, so the arrival rate holds until responses are that much slower.
  double assumed_latency_s = 0.2;                 // > 0
  double vu_headroom = 4;                         // >= 1
  // Locust: each user paces itself with constant_throughput(user_rps), so users = rate / user_rps.
  double user_rps = 1;                            // > 0
};

// A k6 script (ES module) with one `ramping-arrival-rate` scenario following `plan`. Rates are
// requests per `timeUnit`: '1s' when every rate is a whole number of requests per second,
// otherwise '1m' (k6 takes integer rates, so other rates are rounded to 1/60 req/s). The target
// URL can be overridden at run time with `k6 run -e TARGET_URL=...`. InvalidArgument for bad
// options (named) or an empty plan.
StatusOr<std::string> RenderK6Script(const StagePlan& plan, const ScriptOptions& options);

// A Locust locustfile: an HttpUser paced by constant_throughput(user_rps) and a LoadTestShape
// whose tick() returns round(mean rate over the next second / user_rps) users, with a spawn rate
// that reaches that count within one tick, and stops (returns None) at the end of the plan.
// Locust users are a closed model: the rate holds only while each request finishes within
// 1 / user_rps seconds (the file's header says so). InvalidArgument as for RenderK6Script.
StatusOr<std::string> RenderLocustFile(const StagePlan& plan, const ScriptOptions& options);

}  // namespace podpilot
