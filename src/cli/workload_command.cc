// `podpilot workload show|export`: inspect a workload spec, and turn it into a k6 script or a
// Locust locustfile that replays the same mean request rate per second as the simulator sees
// (`simulate` generates the workload with its --seed, so the same --seed gives the same shape).
//
// Every input is checked before anything is written; files are written atomically
// (common/file_util.h), so a failed command leaves no file, or the previous one untouched.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/file_util.h"
#include "common/units.h"
#include "workload/export.h"
#include "workload/workload.h"

namespace podpilot::cli {
namespace {

struct SeriesOptions {
  std::string workload;
  std::string duration = "1d";
  std::string seed = "0";
};

struct ShowOptions : SeriesOptions {
  std::string csv;
};

struct ExportOptions : SeriesOptions {
  std::string format;
  std::string step = "1m";
  std::string tolerance = "0.01";
  std::string out;
  std::string target = "http://localhost:8080/";
  std::string latency = "200ms";
  std::string vu_headroom = "4";
  std::string user_rps = "1";
};

template <typename T>
T OrThrow(StatusOr<T> v, const std::string& what) {
  if (!v.ok()) throw UsageError(what.empty() ? v.status().message() : what + ": " + v.status().message());
  return std::move(v).value();
}

uint64_t ParseSeed(const std::string& text) {
  // Digits only: strtoull would accept "-1" and wrap it.
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw UsageError("--seed: want a non-negative integer, got '" + text + "'");
  }
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) throw UsageError("--seed: out of range, got '" + text + "'");
  return v;
}

double ParseNumber(const std::string& text, const char* option) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) {
    throw UsageError(std::string(option) + ": want a number, got '" + text + "'");
  }
  return v;
}

// Single-quotes `s` for a POSIX shell.
std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

WorkloadSeries MakeSeries(const SeriesOptions& o, const char* command) {
  if (o.workload.empty()) throw UsageError(std::string("workload ") + command + ": missing the WORKLOAD spec argument");
  const double duration = OrThrow(ParseDuration(o.duration), "--duration");
  const uint64_t seed = ParseSeed(o.seed);
  return OrThrow(MakeWorkload(o.workload, duration, seed), "");  // the message quotes the spec
}

// Writes `text` to `path` atomically, or to stdout for "-".
void Emit(const std::string& path, const std::string& text, const char* option) {
  if (path == "-") {
    std::cout << text << std::flush;
    return;
  }
  Status st = WriteFileAtomically(path, text);
  if (!st.ok()) throw UsageError(std::string(option) + ": " + st.message());
}

std::string Rate(double rps) {
  if (std::abs(rps) < 5e-7) rps = 0;  // floating-point dust, not a deviation worth printing
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g req/s", rps);
  return buf;
}

void RunShow(const ShowOptions& o) {
  const WorkloadSeries s = MakeSeries(o, "show");
  std::string csv;
  if (!o.csv.empty()) {
    csv = "t_s,rps\n";
    char buf[64];
    for (size_t i = 0; i < s.rps.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%zu,%.17g\n", i, s.rps[i]);
      csv += buf;
    }
    Emit(o.csv, csv, "--csv");
  }
  size_t peak_at = 0, min_at = 0;
  double total = 0;
  for (size_t i = 0; i < s.rps.size(); ++i) {
    total += s.rps[i];
    if (s.rps[i] > s.rps[peak_at]) peak_at = i;
    if (s.rps[i] < s.rps[min_at]) min_at = i;
  }
  // With the series on stdout, the summary goes to stderr so the CSV stays clean.
  FILE* out = o.csv == "-" ? stderr : stdout;
  std::fprintf(out, "workload %s (seed %s), %s, %s\n", s.name.c_str(), o.seed.c_str(),
               FormatDuration(s.duration_s()).c_str(),
               s.poisson_noise ? "Poisson arrivals around this mean" : "arrivals = this mean, rounded stochastically");
  std::fprintf(out, "  mean   %s\n", Rate(total / s.duration_s()).c_str());
  std::fprintf(out, "  peak   %s at %s\n", Rate(s.rps[peak_at]).c_str(), FormatDuration(double(peak_at)).c_str());
  std::fprintf(out, "  min    %s at %s\n", Rate(s.rps[min_at]).c_str(), FormatDuration(double(min_at)).c_str());
  std::fprintf(out, "  total  %.0f requests\n", total);
  for (const std::string& w : s.warnings) std::fprintf(out, "  warning: %s\n", w.c_str());
  if (!o.csv.empty() && o.csv != "-") std::fprintf(out, "  wrote %s\n", o.csv.c_str());
}

// The command line that regenerates the export, for the script's header.
std::string Regenerate(const ExportOptions& o) {
  std::string cmd = "podpilot workload export --format " + o.format + " --duration " + o.duration + " --seed " +
                    o.seed + " --step " + o.step;
  cmd += " --tolerance " + o.tolerance + " --target " + ShellQuote(o.target);
  cmd += o.format == "k6" ? " --latency " + o.latency + " --vu-headroom " + o.vu_headroom : " --user-rps " + o.user_rps;
  cmd += " " + ShellQuote(o.workload);
  return cmd;
}

void RunExport(const ExportOptions& o) {
  if (o.format != "k6" && o.format != "locust") {
    throw UsageError("--format: want k6 or locust, got '" + o.format + "'");
  }
  const WorkloadSeries series = MakeSeries(o, "export");
  CompressOptions copts;
  copts.step_s = OrThrow(ParseDuration(o.step), "--step");
  copts.rel_tolerance = ParseNumber(o.tolerance, "--tolerance");
  const StagePlan plan = OrThrow(CompressSeries(series.rps, copts), "workload export");

  ScriptOptions sopts;
  sopts.workload = series.name;
  sopts.seed = ParseSeed(o.seed);
  sopts.target_url = o.target;
  sopts.assumed_latency_s = OrThrow(ParseDuration(o.latency), "--latency");
  sopts.vu_headroom = ParseNumber(o.vu_headroom, "--vu-headroom");
  sopts.user_rps = ParseNumber(o.user_rps, "--user-rps");
  sopts.regenerate = Regenerate(o);
  const std::string text = OrThrow(o.format == "k6" ? RenderK6Script(plan, sopts) : RenderLocustFile(plan, sopts),
                                   "workload export");
  const std::string out = o.out.empty() ? "-" : o.out;
  Emit(out, text, "--out");

  const StageFit fit = MeasureStageFit(plan, series.rps);
  FILE* info = out == "-" ? stderr : stdout;
  const std::string where = out == "-" ? "on stdout" : "written to " + out;
  std::fprintf(info, "%s %s for %s (seed %s, %s): %zu stages, peak %s\n", o.format == "k6" ? "k6 script" : "locustfile",
               where.c_str(), series.name.c_str(), o.seed.c_str(),
               FormatDuration(series.duration_s()).c_str(), plan.stages.size(), Rate(plan.peak_rps()).c_str());
  const std::string at = Rate(fit.max_abs_error_rps) == Rate(0) ? "" : " at " + FormatDuration(fit.max_error_at_s);
  std::fprintf(info, "  stages vs per-second series: max deviation %s%s; total %.0f vs %.0f requests (%+.3f %%)\n",
               Rate(fit.max_abs_error_rps).c_str(), at.c_str(), fit.plan_requests, fit.series_requests,
               100 * fit.relative_total_error());
}

void AddSeriesOptions(CLI::App* sub, SeriesOptions* o) {
  sub->add_option("WORKLOAD", o->workload,
                  "Workload spec, e.g. diurnal, spike:base=50,peak=400,at=20m, trace:csv=FILE (docs/workloads.md)");
  sub->add_option("--duration", o->duration, "Length of the run, e.g. 90m, 1d (as `simulate --duration`)")
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of seeded shapes such as random_walk (as `simulate --seed`)")
      ->capture_default_str();
}

}  // namespace

void RegisterWorkload(CLI::App& app) {
  CLI::App* wl = app.add_subcommand("workload", "Inspect workload specs and export them to k6 or Locust");
  wl->require_subcommand(1);

  auto show = std::make_shared<ShowOptions>();
  CLI::App* s = wl->add_subcommand("show", "Print a workload's mean, peak, min and total requests");
  AddSeriesOptions(s, show.get());
  s->add_option("--csv", show->csv, "Also write the per-second mean rate as CSV (t_s,rps) to FILE, or - for stdout");
  s->callback([show] { RunShow(*show); });

  auto exp = std::make_shared<ExportOptions>();
  CLI::App* e = wl->add_subcommand("export", "Write a k6 script or a Locust locustfile replaying a workload's rate");
  AddSeriesOptions(e, exp.get());
  e->add_option("--format", exp->format, "Required: k6 (open model, ramping-arrival-rate) or locust (LoadTestShape)");
  e->add_option("--step", exp->step, "Time resolution of the stages (window of the piecewise-linear fit)")
      ->capture_default_str();
  e->add_option("--tolerance", exp->tolerance,
                "Relative deviation allowed when merging stages (plus 0.01 req/s); totals stay within it")
      ->capture_default_str();
  e->add_option("--out", exp->out, "Output file (written atomically); default or - : stdout");
  e->add_option("--target", exp->target, "URL each request GETs (k6: TARGET_URL env overrides it)")
      ->capture_default_str();
  e->add_option("--latency", exp->latency, "k6: assumed response time for sizing VUs (Little's law)")
      ->capture_default_str();
  e->add_option("--vu-headroom", exp->vu_headroom, "k6: maxVUs = this x preAllocatedVUs")->capture_default_str();
  e->add_option("--user-rps", exp->user_rps, "Locust: requests per second of each user (constant_throughput)")
      ->capture_default_str();
  e->callback([exp] { RunExport(*exp); });
}

}  // namespace podpilot::cli
