// GenerateWorkload: common options (scale, time_scale, offset, noise, vary_*), dispatch to a shape or a
// trace reader, and the final range check.
#include <cmath>

#include "common/units.h"
#include "workload/params.h"
#include "workload/shapes.h"
#include "workload/text_util.h"
#include "workload/trace.h"
#include "workload/variation.h"
#include "workload/workload.h"

namespace podpilot {

using workload_internal::FormatNumber;
using workload_internal::kMaxDurationS;
using workload_internal::kMaxRps;
using workload_internal::MakeShape;
using workload_internal::ParamReader;
using workload_internal::ReadAzureTrace;
using workload_internal::ReadClfTrace;
using workload_internal::ReadCsvTrace;
using workload_internal::ResampleMean;
using workload_internal::Trace;

namespace {

constexpr double kWeekS = 7 * 86400.0;

// Reads the trace a "trace:" spec names. Exactly one of csv=, azure=, clf=.
StatusOr<Trace> LoadTrace(const ParamReader& p) {
  int sources = p.Has("csv") + p.Has("azure") + p.Has("clf");
  if (sources != 1) {
    return p.SpecError(std::string(sources == 0 ? "no" : "more than one") +
                       " trace source: give exactly one of csv=PATH, azure=PATH, clf=PATH");
  }
  if (p.Has("function") && !p.Has("azure")) return p.Error("function", "only applies to azure= traces");
  if (p.Has("max_gap") && p.Has("azure")) return p.Error("max_gap", "applies to csv= and clf= traces only");
  std::optional<double> max_gap;
  if (p.Has("max_gap")) {
    PP_ASSIGN_OR_RETURN(double g, p.Duration("max_gap", 0, 0, kMaxDurationS, /*lo_exclusive=*/true));
    max_gap = g;
  }
  StatusOr<Trace> trace = p.Has("csv")     ? ReadCsvTrace(p.Text("csv"), max_gap)
                          : p.Has("azure") ? ReadAzureTrace(p.Text("azure"), p.Text("function"))
                                           : ReadClfTrace(p.Text("clf"), max_gap);
  if (!trace.ok()) return trace.status().WithPrefix("workload '" + p.spec().text + "'");
  return trace;
}

}  // namespace

StatusOr<WorkloadSeries> GenerateWorkload(const WorkloadSpec& spec, double duration_s, uint64_t seed) {
  const ParamReader p(spec);
  PP_RETURN_IF_ERROR(p.CheckKeys());
  if (!std::isfinite(duration_s) || duration_s <= 0 || duration_s > kMaxDurationS) {
    return p.SpecError("run duration " + FormatNumber(duration_s) + " s is not in (0, " +
                       FormatDuration(kMaxDurationS) + "]");
  }
  PP_ASSIGN_OR_RETURN(const double scale, p.Number("scale", 1.0, 0.0, 1e6));
  PP_ASSIGN_OR_RETURN(const double written_time_scale, p.Number("time_scale", 1.0, 1e-3, 1e3));
  PP_ASSIGN_OR_RETURN(const double written_offset, p.Duration("offset", 0.0, 0.0, kMaxDurationS));
  PP_ASSIGN_OR_RETURN(const workload_internal::Variation variation, workload_internal::DrawVariation(p, seed));
  const double time_scale = written_time_scale * variation.tempo;
  const double offset = written_offset + variation.extra_offset;
  const std::string noise = p.Text("noise", "poisson");
  if (noise != "poisson" && noise != "none") return p.Error("noise", "want poisson or none");

  WorkloadSeries out;
  out.name = p.spec().text;
  out.poisson_noise = noise == "poisson";
  // A fractional last second still gets its own entry.
  const size_t n = static_cast<size_t>(std::ceil(duration_s - 1e-9));
  out.rps.resize(n);
  // Largest shape time the run reaches.
  const double horizon = offset + static_cast<double>(n) / time_scale;
  double clock = offset;

  if (spec.kind == "trace") {
    PP_ASSIGN_OR_RETURN(Trace trace, LoadTrace(p));
    const double length = trace.rate.length_s();
    if (length < horizon - 1e-6) {
      const std::string file = p.Text("csv", p.Text("azure", p.Text("clf")));
      return p.SpecError("trace " + file + " is " + FormatDuration(length) + " (" + FormatNumber(length) +
                         " s) long but the run needs " + FormatDuration(horizon) + " (" + FormatNumber(horizon) +
                         " s) of it: duration " + FormatDuration(duration_s) + " at time_scale=" +
                         FormatNumber(time_scale) + " from offset=" + FormatDuration(offset) +
                         "; traces are never looped or padded");
    }
    ResampleMean(trace.rate, offset, time_scale, n, out.rps.data());
    clock += trace.clock_start_s;
    out.warnings = std::move(trace.warnings);
  } else {
    PP_ASSIGN_OR_RETURN(auto shape, MakeShape(p, horizon, seed));
    // Midpoint of each second: exact for the linear pieces (ramps), unbiased for the rest.
    for (size_t i = 0; i < n; ++i) out.rps[i] = shape->RateAt(offset + (static_cast<double>(i) + 0.5) / time_scale);
  }

  workload_internal::ApplyVariation(variation, &out.rps);
  for (size_t i = 0; i < n; ++i) {
    out.rps[i] *= scale;
    if (out.rps[i] > kMaxRps) {
      return p.Error("scale", "the rate reaches " + FormatNumber(out.rps[i]) + " rps at t=" + std::to_string(i) +
                                  " s, above the limit " + FormatNumber(kMaxRps));
    }
  }

  double c = std::fmod(clock, kWeekS);
  if (c < 0) c += kWeekS;
  out.start_day_of_week = std::min(6, static_cast<int>(c / 86400.0));
  out.start_time_of_day_s = c - 86400.0 * out.start_day_of_week;
  return out;
}

StatusOr<WorkloadSeries> MakeWorkload(const std::string& text, double duration_s, uint64_t seed) {
  PP_ASSIGN_OR_RETURN(WorkloadSpec spec, ParseWorkloadSpec(text));
  return GenerateWorkload(spec, duration_s, seed);
}

std::vector<std::string> WorkloadKinds() {
  return {"step", "sinusoidal", "low_high", "spike", "diurnal", "random_walk", "constant", "trace"};
}

}  // namespace podpilot
