// Stage compression (fit, then merge) and the k6 / Locust renderers. See export.h for the contract.
#include "workload/export.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/fisher_f.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/units.h"

namespace podpilot {
namespace {

// A piece that misses the band is cut when either test says its misfit is structure, not noise:
//  - LackOfFitTest: an F-test of the line's squared error against the noise level estimated from the
//    piece's second differences, at significance kLackOfFitAlpha per piece. Decides long pieces.
//  - the best cut into two or three lines removes at least 1 - 1/kCutGain of its squared error.
//    Decides short pieces and single-second bursts, where the noise estimate has no power.
constexpr double kLackOfFitAlpha = 1e-3;
constexpr double kCutGain = 4;

// A fitted piece: the line from (begin, a) to (end, b) on continuous time; second i is read at its
// midpoint i + 0.5, where a line's value equals its mean over [i, i+1).
struct Piece {
  int64_t begin = 0, end = 0;
  double a = 0, b = 0;
  double At(int64_t i) const {
    return a + (b - a) * ((static_cast<double>(i - begin) + 0.5) / static_cast<double>(end - begin));
  }
};

double Band(const CompressOptions& o, double rate) { return o.rel_tolerance * std::abs(rate) + o.abs_tolerance_rps; }

// Least-squares line through y[s..e). A line that would go below 0 at one end is replaced by the
// line from 0 at that end that has the same total (rates are never negative).
Piece FitLine(const std::vector<double>& y, int64_t s, int64_t e) {
  const double n = static_cast<double>(e - s);
  double mean = 0;
  for (int64_t i = s; i < e; ++i) mean += y[i];
  mean /= n;
  if (e - s == 1) return {s, e, mean, mean};
  const double xbar = n / 2;
  double sxy = 0;
  for (int64_t i = s; i < e; ++i) sxy += (static_cast<double>(i - s) + 0.5 - xbar) * (y[i] - mean);
  const double slope = sxy / (n * (n * n - 1) / 12);  // sum of (x - xbar)^2 for n equally spaced x
  Piece p{s, e, mean - slope * xbar, mean + slope * xbar};
  if (p.a < 0) p = {s, e, 0, 2 * mean};
  if (p.b < 0) p = {s, e, 2 * mean, 0};
  return p;
}

bool FitsBand(const Piece& p, const std::vector<double>& y, const CompressOptions& o) {
  for (int64_t i = p.begin; i < p.end; ++i) {
    if (std::abs(p.At(i) - y[i]) > Band(o, y[i])) return false;
  }
  return true;
}

// Whether a cut at time c (between seconds c-1 and c) can be at a corner of the series, judged by
// the second differences D[i] = y[i+1] - 2 y[i] + y[i-1]. A piecewise-linear series read at
// midpoints bends only at its corners: a kink or a jump at time c makes D[c-1] and D[c] non-zero;
// a kink at the midpoint of second c makes D[c] alone non-zero (cutting before or after that
// second is then exact; take before). Cuts restricted to these land on corners rather than beside
// them (a cut beside a corner leaves a short piece across it, which merging cannot join to its
// neighbours). Curves and noise bend everywhere: there any cut is a candidate.
bool CornerCandidate(const std::vector<double>& y, int64_t c) {
  const auto n = static_cast<int64_t>(y.size());
  const auto bent = [&](int64_t i) {  // unknown at the ends of the series: assume bent
    if (i < 1 || i > n - 2) return true;
    return std::abs(y[i + 1] - 2 * y[i] + y[i - 1]) > 1e-9 * (1 + std::abs(y[i]));
  };
  return (bent(c - 1) && bent(c)) || (bent(c) && !bent(c - 1) && !bent(c + 1));
}

// Residual sums of squares of least-squares lines over sub-ranges of one window, from prefix sums
// of the window's values centred on their mean (centring keeps the sums well conditioned), and
// the window's candidate cuts.
class Window {
 public:
  Window(const std::vector<double>& y, int64_t s, int64_t e) : n_(e - s) {
    double mean = 0;
    for (int64_t i = s; i < e; ++i) mean += y[i];
    mean /= static_cast<double>(n_);
    s1_.assign(n_ + 1, 0);
    s2_.assign(n_ + 1, 0);
    sx_.assign(n_ + 1, 0);
    cut_.assign(n_ + 1, false);
    for (int64_t k = 0; k < n_; ++k) {
      const double d = y[s + k] - mean;
      s1_[k + 1] = s1_[k] + d;
      s2_[k + 1] = s2_[k] + d * d;
      sx_[k + 1] = sx_[k] + static_cast<double>(k) * d;
      if (k > 0) cut_[k] = CornerCandidate(y, s + k);
    }
  }
  int64_t size() const { return n_; }
  // SSE of the least-squares line over local indices [u, v).
  double Sse(int64_t u, int64_t v) const {
    const double m = static_cast<double>(v - u);
    if (v - u < 2) return 0;
    const double sy = s1_[v] - s1_[u];
    const double syy = s2_[v] - s2_[u] - sy * sy / m;
    const double sxy = (sx_[v] - sx_[u]) - static_cast<double>(u) * sy - (m - 1) / 2 * sy;
    const double sxx = m * (m * m - 1) / 12;
    return std::max(0.0, syy - sxy * sxy / sxx);
  }
  // The best cut of local range [a, b) into two least-squares lines: {their SSE, local cut};
  // SSE infinity when no candidate cut lies inside.
  std::pair<double, int64_t> BestSplit(int64_t a, int64_t b) const {
    std::pair<double, int64_t> best{std::numeric_limits<double>::infinity(), a + 1};
    for (int64_t k = a + 1; k < b; ++k) {
      if (cut_[k]) best = std::min(best, {Sse(a, k) + Sse(k, b), k});
    }
    return best;
  }

 private:
  int64_t n_;
  std::vector<double> s1_, s2_, sx_;
  std::vector<bool> cut_;  // cut_[k]: a cut before local second k may be a corner
};

// Whether the least-squares line over y[u..v), which leaves `sse`, misses structure rather than
// noise. Pure error comes from the second differences D: for independent noise of variance s^2,
// E[D^2] = 6 s^2, and sum(D^2) over m = n - 2 of them is about s^2 / 6 times a chi-square with
// 18 m / 35 degrees of freedom (D's neighbours are correlated: covariances -4 s^2 and s^2). A
// line leaves s^2 times a chi-square with m. So sse / m over sum(D^2) / 6m is about F(m, 18m/35)
// on noise, and far above its upper quantile on a corner (a piecewise-linear series bends only
// at its corners, so its D are mostly 0). Quantiles are cached per piece length.
class LackOfFitTest {
 public:
  bool operator()(const std::vector<double>& y, int64_t u, int64_t v, double sse) {
    const int64_t m = v - u - 2;
    if (m < 1) return false;
    double d2 = 0;
    for (int64_t i = u + 1; i + 1 < v; ++i) {
      const double d = y[i + 1] - 2 * y[i] + y[i - 1];
      d2 += d * d;
    }
    auto [it, fresh] = quantile_.try_emplace(m, 0.0);
    if (fresh) {
      const boost::math::fisher_f f(static_cast<double>(m), 18.0 * static_cast<double>(m) / 35);
      it->second = boost::math::quantile(boost::math::complement(f, kLackOfFitAlpha));
    }
    return sse / static_cast<double>(m) > it->second * d2 / (6 * static_cast<double>(m));
  }

 private:
  std::unordered_map<int64_t, double> quantile_;
};

// Pass 1: the pieces of one window [s, e), in time order.
void FitWindow(const std::vector<double>& y, int64_t s, int64_t e, const CompressOptions& o,
               LackOfFitTest& lacks_fit, std::vector<Piece>* out) {
  // Explicit stack instead of recursion: a window of a day could otherwise nest 86400 deep.
  std::vector<std::pair<int64_t, int64_t>> todo{{s, e}};
  while (!todo.empty()) {
    const auto [u, v] = todo.back();
    todo.pop_back();
    const Piece p = FitLine(y, u, v);
    if (v - u < 2 || FitsBand(p, y, o)) {
      out->push_back(p);
      continue;
    }
    // The best two-part cut; failing that, the best three-part one made of it plus the best cut
    // of one of its sides (greedy, so linear in the piece), which isolates a bump.
    const Window w(y, u, v);
    const int64_t n = w.size();
    const double whole = w.Sse(0, n);
    const auto [two, k] = w.BestSplit(0, n);
    std::vector<int64_t> cuts;
    if (!std::isfinite(two)) {
      // No corner inside: the line is the best this piece gets.
    } else if (two * kCutGain <= whole || lacks_fit(y, u, v, whole)) {
      cuts = {k};
    } else {
      const auto [left, k0] = w.BestSplit(0, k);
      const auto [right, k1] = w.BestSplit(k, n);
      const double three_left = left + w.Sse(k, n), three_right = w.Sse(0, k) + right;
      if (std::min(three_left, three_right) * kCutGain <= whole) {
        cuts = three_left <= three_right ? std::vector<int64_t>{k0, k} : std::vector<int64_t>{k, k1};
      }
    }
    if (cuts.empty()) {
      out->push_back(p);  // noise, or structure below its level: keep the line
      continue;
    }
    // Pushed last to first, so they are popped (and emitted) in time order.
    int64_t end = v;
    for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
      todo.push_back({u + *it, end});
      end = u + *it;
    }
    todo.push_back({u, end});
  }
}

// Slope of the least-squares line through the anchor (t0, v0) over seconds [t0, t1) of y.
double AnchoredSlope(const std::vector<double>& y, int64_t t0, double v0, int64_t t1) {
  double sxy = 0, sxx = 0;
  for (int64_t i = t0; i < t1; ++i) {
    const double x = static_cast<double>(i - t0) + 0.5;
    sxy += x * (y[i] - v0);
    sxx += x * x;
  }
  return sxy / sxx;
}

// Pass 2: one stage per run of pieces a single line can follow (export.h, "Merge").
StagePlan MergePieces(const std::vector<Piece>& pieces, const std::vector<double>& y, const CompressOptions& o) {
  StagePlan plan;
  plan.start_rps = pieces.front().a;
  int64_t t0 = 0;
  double v0 = plan.start_rps;
  size_t k = 0;
  while (k < pieces.size()) {
    // Slopes from the anchor (t0, v0) that keep the line within the band of pieces k..j-1. The
    // anchor is within the band of piece k's start by construction, so j > k.
    double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
    size_t j = k;
    for (; j < pieces.size(); ++j) {
      double new_lo = lo, new_hi = hi;
      for (const auto& [t, v] : {std::pair{pieces[j].begin, pieces[j].a}, std::pair{pieces[j].end, pieces[j].b}}) {
        if (t == t0) continue;
        const double dt = static_cast<double>(t - t0);
        new_lo = std::max(new_lo, (v - Band(o, v) - v0) / dt);
        new_hi = std::min(new_hi, (v + Band(o, v) - v0) / dt);
      }
      if (new_lo > new_hi && j > k) break;
      lo = new_lo, hi = new_hi;
    }
    if (lo > hi) lo = hi = (lo + hi) / 2;  // a zero-width band can cross by an ulp
    const int64_t t1 = pieces[j - 1].end;
    const double dt = static_cast<double>(t1 - t0);
    const double reach_lo = v0 + lo * dt, reach_hi = v0 + hi * dt;
    bool jump = false;
    double v1;
    if (j < pieces.size() && pieces[j].a >= reach_lo - Band(o, pieces[j].a) &&
        pieces[j].a <= reach_hi + Band(o, pieces[j].a)) {
      v1 = std::clamp(pieces[j].a, reach_lo, reach_hi);  // continue without a jump
    } else {
      jump = j < pieces.size();
      v1 = v0 + std::clamp(AnchoredSlope(y, t0, v0, t1), lo, hi) * dt;
    }
    v1 = std::max(0.0, v1);
    plan.stages.push_back({dt, v1});
    t0 = t1;
    v0 = v1;
    if (jump) {
      v0 = pieces[j].a;
      plan.stages.push_back({0, v0});
    }
    k = j;
  }
  return plan;
}

// ---- rendering ------------------------------------------------------------------------------

// A number for JS and Python source: at most 1e-6 req/s of rounding, shortest form ("50", "12.5").
std::string Num(double v) {
  const double r = std::round(v * 1e6) / 1e6;
  return fmt::format("{}", r == 0 ? 0.0 : r);
}

// A string literal valid in both JavaScript and Python (JSON escaping, invalid UTF-8 replaced).
std::string Quote(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Go/k6 duration text: "20m", "1h30m", "45s", "0s"; fractions as "2.500s".
std::string K6Duration(double s) {
  if (std::abs(s - std::round(s)) > 1e-9) return fmt::format("{:.3f}s", s);
  const long total = std::lround(s);
  if (total == 0) return "0s";
  std::string out;
  if (total >= 3600) out += fmt::format("{}h", total / 3600);
  if (total % 3600 >= 60) out += fmt::format("{}m", total % 3600 / 60);
  if (total % 60) out += fmt::format("{}s", total % 60);
  return out;
}

// Splits an http(s) URL into "scheme://authority" and the rest ("/" when empty).
Status SplitUrl(const std::string& url, std::string* host, std::string* path) {
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  const size_t auth_begin = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const size_t auth_end = std::min(url.find_first_of("/?#", auth_begin), url.size());
  const bool bad_char = std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
  if ((scheme != "http" && scheme != "https") || auth_end == auth_begin || bad_char) {
    return InvalidArgumentError("target URL: want http://HOST[:PORT][/PATH] or https://..., without spaces, got '" +
                                url + "'");
  }
  *host = url.substr(0, auth_end);
  *path = url.substr(auth_end);
  if (path->empty() || (*path)[0] != '/') *path = "/" + *path;
  return Status::Ok();
}

Status CheckScriptInputs(const StagePlan& plan, const ScriptOptions& o) {
  if (plan.stages.empty() || !(plan.duration_s() > 0)) {
    return InvalidArgumentError("stage plan: empty (no stage of positive duration)");
  }
  if (!std::isfinite(plan.start_rps) || plan.start_rps < 0) {
    return InvalidArgumentError("stage plan: start_rps must be finite and >= 0, got " + Num(plan.start_rps));
  }
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    const Stage& s = plan.stages[i];
    if (!std::isfinite(s.duration_s) || s.duration_s < 0 || !std::isfinite(s.target_rps) || s.target_rps < 0) {
      return InvalidArgumentError(fmt::format("stage plan: stages[{}] must have finite duration_s and target_rps "
                                              ">= 0, got {} s, {} req/s", i, s.duration_s, s.target_rps));
    }
  }
  std::string host, path;
  PP_RETURN_IF_ERROR(SplitUrl(o.target_url, &host, &path));
  if (!(o.assumed_latency_s > 0) || !std::isfinite(o.assumed_latency_s)) {
    return InvalidArgumentError("assumed latency: must be > 0 s, got " + Num(o.assumed_latency_s));
  }
  if (!(o.vu_headroom >= 1) || !std::isfinite(o.vu_headroom)) {
    return InvalidArgumentError("VU headroom: must be >= 1, got " + Num(o.vu_headroom));
  }
  if (!(o.user_rps > 0) || !std::isfinite(o.user_rps)) {
    return InvalidArgumentError("user rps: must be > 0, got " + Num(o.user_rps));
  }
  return Status::Ok();
}

// Control characters out of free text that lands in a comment line.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < ' ') c = ' ';
  }
  return s;
}

}  // namespace

double StagePlan::duration_s() const {
  double d = 0;
  for (const Stage& s : stages) d += s.duration_s;
  return d;
}

double StagePlan::peak_rps() const {
  double p = start_rps;
  for (const Stage& s : stages) p = std::max(p, s.target_rps);
  return p;
}

std::vector<double> StagePlan::PerSecond() const {
  const double total = duration_s();
  std::vector<double> out(static_cast<size_t>(std::ceil(total - 1e-9)), 0.0);
  double t = 0, rate = start_rps;
  for (const Stage& s : stages) {
    if (s.duration_s > 0) {
      const double slope = (s.target_rps - rate) / s.duration_s;
      const double t_end = t + s.duration_s;
      // Add the integral of this linear piece over each second it overlaps.
      for (auto i = static_cast<size_t>(std::floor(t)); i < out.size() && static_cast<double>(i) < t_end; ++i) {
        const double lo = std::max(t, static_cast<double>(i)), hi = std::min(t_end, static_cast<double>(i) + 1);
        if (hi > lo) out[i] += (hi - lo) * (rate + slope * ((lo + hi) / 2 - t));
      }
      t = t_end;
    }
    rate = s.target_rps;
  }
  return out;
}

StatusOr<StagePlan> CompressSeries(const std::vector<double>& rps, const CompressOptions& o) {
  if (rps.empty()) return InvalidArgumentError("workload series: empty (no second to export)");
  for (size_t i = 0; i < rps.size(); ++i) {
    if (!std::isfinite(rps[i]) || rps[i] < 0) {
      return InvalidArgumentError(fmt::format("workload series: rps[{}] must be finite and >= 0, got {}", i, rps[i]));
    }
  }
  if (!(o.step_s >= 1) || o.step_s != std::floor(o.step_s) || o.step_s > 366 * 86400.0) {
    return InvalidArgumentError("step: must be a whole number of seconds in [1s, 366d], got " + Num(o.step_s) + " s");
  }
  if (!(o.rel_tolerance >= 0 && o.rel_tolerance <= 0.5)) {
    return InvalidArgumentError("tolerance: must be in [0, 0.5], got " + Num(o.rel_tolerance));
  }
  if (!(o.abs_tolerance_rps >= 0) || !std::isfinite(o.abs_tolerance_rps)) {
    return InvalidArgumentError("absolute tolerance: must be >= 0 req/s, got " + Num(o.abs_tolerance_rps));
  }
  const auto n = static_cast<int64_t>(rps.size());
  const auto step = static_cast<int64_t>(o.step_s);
  std::vector<Piece> pieces;
  LackOfFitTest lacks_fit;
  for (int64_t s = 0; s < n; s += step) FitWindow(rps, s, std::min(n, s + step), o, lacks_fit, &pieces);
  return MergePieces(pieces, rps, o);
}

double StageFit::relative_total_error() const {
  if (series_requests == 0) return plan_requests == 0 ? 0 : std::numeric_limits<double>::infinity();
  return (plan_requests - series_requests) / series_requests;
}

StageFit MeasureStageFit(const StagePlan& plan, const std::vector<double>& rps) {
  std::vector<double> per = plan.PerSecond();
  per.resize(rps.size(), 0.0);  // a plan shorter than the series sends nothing after its end
  StageFit fit;
  for (size_t i = 0; i < rps.size(); ++i) {
    const double err = std::abs(per[i] - rps[i]);
    if (err > fit.max_abs_error_rps) fit.max_abs_error_rps = err, fit.max_error_at_s = static_cast<double>(i);
    fit.series_requests += rps[i];
    fit.plan_requests += per[i];
  }
  return fit;
}

StatusOr<std::string> RenderK6Script(const StagePlan& plan, const ScriptOptions& o) {
  PP_RETURN_IF_ERROR(CheckScriptInputs(plan, o));
  // k6 rates are integers per timeUnit: per second when that is exact, else per minute.
  bool whole = std::abs(plan.start_rps - std::round(plan.start_rps)) < 1e-6;
  for (const Stage& s : plan.stages) whole = whole && std::abs(s.target_rps - std::round(s.target_rps)) < 1e-6;
  const double per_unit = whole ? 1 : 60;
  const auto rate = [&](double rps) { return std::llround(rps * per_unit); };
  const double peak = plan.peak_rps();
  const auto pre_vus = std::max<long long>(1, static_cast<long long>(std::ceil(peak * o.assumed_latency_s - 1e-9)));
  const auto max_vus = std::max<long long>(pre_vus, static_cast<long long>(std::ceil(pre_vus * o.vu_headroom - 1e-9)));

  std::string js;
  js += "// k6 load test generated by `podpilot workload export --format k6`.\n";
  js += fmt::format("// Workload {} (seed {}), {}, as {} stages.\n", Quote(o.workload), o.seed,
                    FormatDuration(plan.duration_s()), plan.stages.size());
  if (!o.regenerate.empty()) js += "// Regenerate: " + OneLine(o.regenerate) + "\n";
  js += "// The rate follows the workload's mean request rate per second, the rate the simulator draws\n"
        "// its Poisson arrivals around (k6 spaces its arrivals evenly instead).\n";
  js += "//\n"
        "// Open model: the ramping-arrival-rate executor starts one iteration (one GET of TARGET_URL)\n"
        "// at the stages' rate whatever the response times. Each stage moves the rate linearly to its\n"
        "// target over its duration; a '0s' stage is an instant jump.\n";
  js += fmt::format(
      "// VUs: Little's law at an assumed latency of {} s gives preAllocatedVUs = ceil({} req/s x {} s)\n"
      "// = {}; maxVUs = {} x that, so the rate holds until responses are that much slower (beyond,\n"
      "// k6 reports dropped_iterations).\n",
      Num(o.assumed_latency_s), Num(peak), Num(o.assumed_latency_s), pre_vus, Num(o.vu_headroom));
  if (!whole) js += "// Rates are per minute (timeUnit '1m') because k6 takes integer rates: 1/60 req/s resolution.\n";
  js += "// Run: k6 run -e TARGET_URL=http://my-service:8080/path script.js\n";
  js += "import http from 'k6/http';\n\n";
  js += fmt::format("const TARGET_URL = __ENV.TARGET_URL || {};\n\n", Quote(o.target_url));
  js += "export const options = {\n  scenarios: {\n    workload: {\n";
  js += "      executor: 'ramping-arrival-rate',\n";
  js += fmt::format("      startRate: {},\n", rate(plan.start_rps));
  js += fmt::format("      timeUnit: '{}',\n", whole ? "1s" : "1m");
  js += fmt::format("      preAllocatedVUs: {},\n      maxVUs: {},\n", pre_vus, max_vus);
  js += "      stages: [\n";
  double t = 0;
  for (const Stage& s : plan.stages) {
    t += s.duration_s;
    js += fmt::format("        {{ duration: '{}', target: {} }},  // {} req/s at {}\n", K6Duration(s.duration_s),
                      rate(s.target_rps), Num(s.target_rps), FormatDuration(t));
  }
  js += "      ],\n    },\n  },\n};\n\n";
  js += "export default function () {\n  http.get(TARGET_URL);\n}\n";
  return js;
}

StatusOr<std::string> RenderLocustFile(const StagePlan& plan, const ScriptOptions& o) {
  PP_RETURN_IF_ERROR(CheckScriptInputs(plan, o));
  std::string host, path;
  PP_RETURN_IF_ERROR(SplitUrl(o.target_url, &host, &path));
  std::string py;
  py += "# Locust load shape generated by `podpilot workload export --format locust`.\n";
  py += fmt::format("# Workload {} (seed {}), {}, as {} stages.\n", Quote(o.workload), o.seed,
                    FormatDuration(plan.duration_s()), plan.stages.size());
  if (!o.regenerate.empty()) py += "# Regenerate: " + OneLine(o.regenerate) + "\n";
  py += "# The shape follows the workload's mean request rate per second, the rate the simulator draws\n"
        "# its Poisson arrivals around.\n"
        "#\n"
        "# Assumption (check it against your service): each user is paced by\n"
        "# constant_throughput(USER_RPS), i.e. it sends USER_RPS requests per second, so tick() runs\n"
        "# round(rate / USER_RPS) users. This holds only while every request completes within\n"
        "# 1 / USER_RPS seconds: Locust users are a closed model (each waits for its response), so\n"
        "# slower responses lower the rate instead of queueing more requests. For an open model that\n"
        "# keeps arriving under overload use the k6 export. The rate is quantised to USER_RPS (within\n"
        "# USER_RPS / 2 req/s of the shape) and users pace evenly rather than Poisson.\n";
  py += "# Run: locust -f locustfile.py --headless --host http://my-service:8080\n";
  py += "from locust import HttpUser, LoadTestShape, constant_throughput, task\n\n";
  py += fmt::format("WORKLOAD = {}\nUSER_RPS = {}\nPATH = {}\nSTART_RPS = {}\n", Quote(o.workload), Num(o.user_rps),
                    Quote(path), Num(plan.start_rps));
  py += "# (duration_s, target_rps): the rate moves linearly from the previous target (START_RPS first)\n"
        "# to target_rps over duration_s seconds; a duration of 0 is an instant jump (k6's semantics).\n";
  py += "STAGES = [\n";
  for (const Stage& s : plan.stages) py += fmt::format("    ({}, {}),\n", Num(s.duration_s), Num(s.target_rps));
  py += "]\n\n\n";
  py += R"(def _segments():
    """The stages as (t0, t1, rate at t0, rate at t1), zero-length jumps left out."""
    t, rate, out = 0.0, START_RPS, []
    for duration, target in STAGES:
        if duration > 0:
            out.append((t, t + duration, rate, target))
        t, rate = t + duration, target
    return out


SEGMENTS = _segments()
DURATION_S = SEGMENTS[-1][1]


def mean_rate(t0, t1):
    """Mean request rate of the stages over [t0, t1), t1 > t0; 0 outside them."""
    total = 0.0
    for s0, s1, r0, r1 in SEGMENTS:
        lo, hi = max(t0, s0), min(t1, s1)
        if hi > lo:
            total += (hi - lo) * (r0 + (r1 - r0) * ((lo + hi) / 2 - s0) / (s1 - s0))
    return total / (t1 - t0)


class WorkloadUser(HttpUser):
)";
  py += fmt::format("    host = {}\n", Quote(host));
  py += R"(    wait_time = constant_throughput(USER_RPS)

    @task
    def request(self):
        self.client.get(PATH)


class WorkloadShape(LoadTestShape):
    """Runs the users that carry the mean rate of the next second; stops at the end."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._users = 0

    def tick(self):
        t = self.get_run_time()
        if t >= DURATION_S:
            return None
        users = int(round(mean_rate(t, min(t + 1.0, DURATION_S)) / USER_RPS))
        # Locust calls tick() about once a second: spawn fast enough to get there by the next call.
        runner = getattr(self, "runner", None)
        current = runner.user_count if runner is not None else self._users
        spawn_rate = max(1, abs(users - current))
        self._users = users
        return users, spawn_rate
)";
  return py;
}

}  // namespace podpilot
