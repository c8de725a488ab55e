#include "eval/sweep.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "eval/eval_runner.h"
#include "eval/policy_set.h"
#include "eval/scorecard.h"
#include "eval/text_table.h"

namespace podpilot {
namespace {

using Json = nlohmann::ordered_json;

Json StatJson(const SampleSummary& s) {
  Json j;
  j["mean"] = s.mean;
  j["ci95_low"] = s.has_interval() ? Json(s.low()) : Json(nullptr);
  j["ci95_high"] = s.has_interval() ? Json(s.high()) : Json(nullptr);
  return j;
}

// A whole target as an integer (HPA files read as they always did), a fractional one as a number.
// Targets are in [0.01, 1000] (IsTarget), so the integer conversion is exact.
Json TargetJson(double v) {
  return std::isfinite(v) && std::fabs(v) < 1e15 && v == std::floor(v) ? Json(static_cast<int64_t>(v)) : Json(v);
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

TunedChoice SelectTunedTarget(const std::vector<SweepPoint>& points, double required) {
  TunedChoice c;
  const SweepPoint* best = nullptr;
  for (const auto& p : points) {
    if (p.slo_attainment.mean < required) continue;
    if (!best || p.cost.mean < best->cost.mean ||
        (p.cost.mean == best->cost.mean && (p.slo_attainment.mean > best->slo_attainment.mean ||
                                            (p.slo_attainment.mean == best->slo_attainment.mean && p.target > best->target)))) {
      best = &p;
    }
  }
  if (best) {
    c.target = best->target;
    c.met = true;
    c.note = "cheapest target with mean SLO attainment " + Fixed(best->slo_attainment.mean, 4) + " >= " +
             Fixed(required, 4);
    return c;
  }
  for (const auto& p : points) {
    if (!best || p.slo_attainment.mean > best->slo_attainment.mean ||
        (p.slo_attainment.mean == best->slo_attainment.mean && p.cost.mean < best->cost.mean)) {
      best = &p;
    }
  }
  c.target = best->target;
  c.met = false;
  c.note = "no target reaches the required attainment " + Fixed(required, 4) +
           "; chose the highest mean attainment, " + Fixed(best->slo_attainment.mean, 4);
  return c;
}

const char* SweepPolicyName(SweepPolicy kind) {
  switch (kind) {
    case SweepPolicy::kKpa: return "kpa";
    case SweepPolicy::kKeda: return "keda";
    case SweepPolicy::kHpa: break;
  }
  return "hpa";
}

StatusOr<SweepPolicy> ParseSweepPolicy(const std::string& name) {
  if (name == "hpa") return SweepPolicy::kHpa;
  if (name == "kpa") return SweepPolicy::kKpa;
  if (name == "keda") return SweepPolicy::kKeda;
  return InvalidArgumentError("'" + name + "': unknown (known: hpa, kpa, keda)");
}

std::string FormatTarget(double target) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", target);
  return buf;
}

std::string SpecForTarget(SweepPolicy kind, double target) {
  switch (kind) {
    case SweepPolicy::kKpa: return "kpa:target=" + FormatTarget(target);
    // KEDA's Prometheus trigger on each target's request rate, AverageValue per pod. min=1, as
    // every other baseline keeps a pod: scale-to-zero would cost the first request its SLO.
    case SweepPolicy::kKeda: return "keda:metric=request_rate,threshold=" + FormatTarget(target) + ",min=1";
    case SweepPolicy::kHpa: break;
  }
  return "hpa:cpu=" + FormatTarget(target);
}

std::string DefaultTargets(SweepPolicy kind) {
  switch (kind) {
    case SweepPolicy::kKpa: return "0.2,0.3,0.4,0.5,0.7,1,1.5,2,3,5,10,30,100";
    case SweepPolicy::kKeda: return "0.5,1,2,3,5,7,10,15,20,30,50,70,100,150,200,300,500";
    case SweepPolicy::kHpa: break;
  }
  return "30,40,...,190";
}

namespace {

constexpr size_t kMaxTargets = 1000;  // a sweep runs every one on every train workload x seed

// Whether `v` has at most `decimals` decimal places (up to binary rounding).
bool HasDecimals(double v, int decimals) {
  const double scaled = v * std::pow(10.0, decimals);
  return std::fabs(scaled - std::round(scaled)) < 1e-6;
}

// The HPA's CPU target is a whole percent; Knative's concurrency target and KEDA's threshold any
// number >= 0.01, here to hundredths (so that "%g" prints every target exactly and no two print alike).
bool IsTarget(SweepPolicy kind, double v) {
  if (!(v >= (kind == SweepPolicy::kHpa ? 1 : 0.01) && v <= 1000)) return false;
  return HasDecimals(v, kind == SweepPolicy::kHpa ? 0 : 2);
}

std::string TargetRange(SweepPolicy kind) {
  return kind == SweepPolicy::kHpa ? "an integer target in [1, 1000]"
                                   : "a number target in [0.01, 1000] with at most two decimals";
}

}  // namespace

StatusOr<std::vector<double>> ParseTargets(SweepPolicy kind, const std::string& text) {
  std::vector<std::string> items = SplitList(text, ',');
  std::vector<double> out;
  auto bad = [&](const std::string& why) { return InvalidArgumentError("--targets '" + text + "': " + why); };
  // Hundredths, exactly as printed: 0.1 + 0.2 is kept as 0.3.
  auto tidy = [](double v) { return std::round(v * 100) / 100; };
  auto parse = [&](const std::string& item) -> StatusOr<double> {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !IsTarget(kind, v)) return bad("'" + item + "' is not " + TargetRange(kind));
    return tidy(v);
  };
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i] == "...") {
      // a, b, ..., z: continue the step b - a up to z.
      if (out.size() < 2 || i + 1 >= items.size() || items[i + 1] == "...") {
        return bad("'...' needs two targets before it and one after (e.g. 30,40,...,90)");
      }
      PP_ASSIGN_OR_RETURN(const double last, parse(items[i + 1]));
      const double from = out.back(), step = tidy(from - out[out.size() - 2]);
      const double steps = (last - from) / step;
      const long n = std::lround(steps);
      if (n < 1 || std::fabs(steps - static_cast<double>(n)) > 1e-6) {
        return bad("'" + items[i + 1] + "' is not reachable from " + FormatTarget(from) + " in steps of " +
                   FormatTarget(step));
      }
      if (out.size() + static_cast<size_t>(n) > kMaxTargets) {
        return bad("more than " + std::to_string(kMaxTargets) + " targets");
      }
      for (long k = 1; k < n; ++k) out.push_back(tidy(from + static_cast<double>(k) * step));
      continue;
    }
    PP_ASSIGN_OR_RETURN(const double v, parse(items[i]));
    if (!out.empty() && v <= out.back()) return bad("targets must be strictly increasing");
    if (out.size() == kMaxTargets) return bad("more than " + std::to_string(kMaxTargets) + " targets");
    out.push_back(v);
  }
  if (out.empty()) return bad("no targets");
  return out;
}

std::string TunedFileToJson(const TunedFile& t) {
  Json j;
  j["suite"] = t.suite;
  j["split"] = "train";
  j["kind"] = SweepPolicyName(t.kind);
  j["seeds"] = t.seeds;
  j["required_attainment"] = t.required_attainment;
  j["targets"] = Json::array();
  for (double v : t.targets) j["targets"].push_back(TargetJson(v));
  Json scenarios = Json::object();
  for (const auto& [name, s] : t.scenarios) {
    Json js;
    js["target"] = TargetJson(s.choice.target);
    js["policy"] = SpecForTarget(t.kind, s.choice.target);
    js["met"] = s.choice.met;
    js["note"] = s.choice.note;
    js["fingerprint"] = s.fingerprint;
    Json table = Json::array();
    for (const auto& p : s.table) {
      table.push_back({{"target", TargetJson(p.target)},
                       {"cost", StatJson(p.cost)},
                       {"slo_attainment", StatJson(p.slo_attainment)},
                       {"p95_ms", StatJson(p.p95_ms)},
                       {"scaling_actions", StatJson(p.scaling_actions)}});
    }
    js["table"] = table;
    scenarios[name] = js;
  }
  j["scenarios"] = scenarios;
  return j.dump(2) + "\n";
}

StatusOr<TunedFile> ReadTunedFile(const std::string& path) {
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError(path + ": not valid JSON");
  if (!j.is_object() || !j.contains("scenarios") || !j["scenarios"].is_object()) {
    return InvalidArgumentError(path + ": scenarios: missing or not an object (is this a file `podpilot sweep` wrote?)");
  }
  TunedFile t;
  if (j.contains("suite") && j["suite"].is_string()) t.suite = j["suite"].get<std::string>();
  if (j.contains("kind")) {  // absent in files written before the KPA sweep: those are HPA sweeps
    if (!j["kind"].is_string()) return InvalidArgumentError(path + ": kind: not a string");
    auto kind = ParseSweepPolicy(j["kind"].get<std::string>());
    if (!kind.ok()) return kind.status().WithPrefix(path + ": kind");
    t.kind = *kind;
  }
  for (const auto& [name, s] : j["scenarios"].items()) {
    const std::string where = path + ": scenarios." + name;
    if (!s.is_object() || !s.contains("target") || !s["target"].is_number()) {
      return InvalidArgumentError(where + ".target: missing or not a number");
    }
    const double target = s["target"].get<double>();
    if (!IsTarget(t.kind, target)) {
      return InvalidArgumentError(where + ".target: " + FormatTarget(target) + " is not " + TargetRange(t.kind) +
                                  " (" + SweepPolicyName(t.kind) + ")");
    }
    if (!s.contains("fingerprint") || !s["fingerprint"].is_string()) {
      return InvalidArgumentError(where + ".fingerprint: missing or not a string");
    }
    TunedScenario ts;
    ts.choice.target = target;
    ts.choice.met = s.value("met", false);
    ts.choice.note = s.value("note", "");
    ts.fingerprint = s["fingerprint"].get<std::string>();
    t.scenarios[name] = std::move(ts);
  }
  return t;
}

StatusOr<TunedFile> RunSweep(const Suite& suite, const std::vector<const Scenario*>& scenarios,
                             const SweepOptions& options) {
  if (options.targets.empty()) return InvalidArgumentError("sweep: no targets");
  std::vector<std::string> specs;
  for (double t : options.targets) specs.push_back(SpecForTarget(options.kind, t));
  PP_ASSIGN_OR_RETURN(std::vector<PolicyEntry> policies, ResolvePolicies(specs, scenarios));
  EvalOptions eo;
  eo.split = Split::kTrain;  // tuning never sees the evaluation workloads
  eo.seeds = options.seeds;
  eo.threads = options.threads;
  eo.lower_bound = false;
  eo.series = SeriesMode::kNone;
  eo.progress = options.progress;
  PP_ASSIGN_OR_RETURN(EvalResults res, RunEvaluation(scenarios, policies, eo));
  const std::vector<ScoreRow> rows = BuildScorecard(res);
  TunedFile tuned;
  tuned.kind = options.kind;
  tuned.suite = suite.name;
  tuned.required_attainment = suite.required_attainment;
  tuned.seeds = options.seeds;
  tuned.targets = options.targets;
  for (int s = 0; s < static_cast<int>(scenarios.size()); ++s) {
    TunedScenario ts;
    ts.fingerprint = scenarios[s]->Fingerprint();
    for (const auto& r : rows) {
      if (r.scenario != s) continue;
      SweepPoint p;
      p.target = options.targets[r.policy];
      p.cost = r.cost;
      p.slo_attainment = r.slo_attainment;
      p.p95_ms = r.p95_ms;
      p.scaling_actions = r.scaling_actions;
      ts.table.push_back(p);
    }
    ts.choice = SelectTunedTarget(ts.table, suite.required_attainment);
    tuned.scenarios[scenarios[s]->name] = std::move(ts);
  }
  return tuned;
}

std::string FormatSweepTable(const TunedFile& tuned, const std::vector<const Scenario*>& scenarios) {
  const char* what = tuned.kind == SweepPolicy::kKpa    ? "KPA concurrency-target"
                     : tuned.kind == SweepPolicy::kKeda ? "KEDA request-rate-threshold"
                                                        : "HPA CPU-target";
  std::string out = std::string(what) + " sweep on the TRAIN workloads, " +
                    std::to_string(tuned.seeds) + " seeds, required SLO attainment " +
                    Fixed(tuned.required_attainment, 4) + "\n";
  for (const Scenario* s : scenarios) {
    auto it = tuned.scenarios.find(s->name);
    if (it == tuned.scenarios.end()) continue;
    out += "\n" + s->name + " (train:";
    for (const auto& w : s->train) out += " " + w.Label();
    out += ")\n";
    auto pm = [](const SampleSummary& v, int d) {
      return Fixed(v.mean, d) + (v.has_interval() ? " ± " + Fixed(v.half_width, d) : "");
    };
    std::vector<std::vector<std::string>> cells = {{"", "target", "cost $", "SLO attainment", "p95 ms", "actions"}};
    for (const auto& p : it->second.table) {
      cells.push_back({p.target == it->second.choice.target ? "*" : "", FormatTarget(p.target), pm(p.cost, 3),
                       pm(p.slo_attainment, 4), pm(p.p95_ms, 0), pm(p.scaling_actions, 0)});
    }
    out += FormatColumns(cells, "  ");
    out += "  -> " + SpecForTarget(tuned.kind, it->second.choice.target) + ": " + it->second.choice.note + "\n";
  }
  return out;
}

}  // namespace podpilot
