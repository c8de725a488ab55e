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

const char* SweepPolicyName(SweepPolicy kind) { return kind == SweepPolicy::kKpa ? "kpa" : "hpa"; }

StatusOr<SweepPolicy> ParseSweepPolicy(const std::string& name) {
  if (name == "hpa") return SweepPolicy::kHpa;
  if (name == "kpa") return SweepPolicy::kKpa;
  return InvalidArgumentError("'" + name + "': unknown (known: hpa, kpa)");
}

std::string SpecForTarget(SweepPolicy kind, int target) {
  return (kind == SweepPolicy::kKpa ? "kpa:target=" : "hpa:cpu=") + std::to_string(target);
}

std::string DefaultTargets(SweepPolicy kind) {
  return kind == SweepPolicy::kKpa ? "1,2,3,4,5,6,8,10,15,20,30,50,100" : "30,40,...,90";
}

StatusOr<std::vector<int>> ParseTargets(const std::string& text) {
  std::vector<std::string> items = SplitList(text, ',');
  std::vector<int> out;
  auto bad = [&](const std::string& why) { return InvalidArgumentError("--targets '" + text + "': " + why); };
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i] == "...") {
      // a, b, ..., z: continue the step b - a up to z.
      if (out.size() < 2 || i + 1 >= items.size() || items[i + 1] == "...") {
        return bad("'...' needs two targets before it and one after (e.g. 30,40,...,90)");
      }
      const int step = out.back() - out[out.size() - 2];
      char* end = nullptr;
      const long last = std::strtol(items[i + 1].c_str(), &end, 10);
      if (*end != '\0' || step <= 0 || last <= out.back() || (last - out.back()) % step != 0) {
        return bad("'" + items[i + 1] + "' is not reachable from " + std::to_string(out.back()) + " in steps of " +
                   std::to_string(step));
      }
      for (long v = out.back() + step; v < last; v += step) out.push_back(static_cast<int>(v));
      continue;
    }
    char* end = nullptr;
    const long v = std::strtol(items[i].c_str(), &end, 10);
    if (items[i].empty() || *end != '\0' || v < 1 || v > 1000) {
      return bad("'" + items[i] + "' is not an integer target in [1, 1000]");
    }
    if (!out.empty() && v <= out.back()) return bad("targets must be strictly increasing");
    out.push_back(static_cast<int>(v));
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
  j["targets"] = t.targets;
  Json scenarios = Json::object();
  for (const auto& [name, s] : t.scenarios) {
    Json js;
    js["target"] = s.choice.target;
    js["policy"] = SpecForTarget(t.kind, s.choice.target);
    js["met"] = s.choice.met;
    js["note"] = s.choice.note;
    js["fingerprint"] = s.fingerprint;
    Json table = Json::array();
    for (const auto& p : s.table) {
      table.push_back({{"target", p.target},
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
    if (!s.is_object() || !s.contains("target") || !s["target"].is_number_integer()) {
      return InvalidArgumentError(where + ".target: missing or not an integer");
    }
    const int target = s["target"].get<int>();
    if (target < 1 || target > 1000) {
      return InvalidArgumentError(where + ".target: " + std::to_string(target) + " outside [1, 1000]");
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
  for (int t : options.targets) specs.push_back(SpecForTarget(options.kind, t));
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
  const bool kpa = tuned.kind == SweepPolicy::kKpa;
  std::string out = std::string(kpa ? "KPA concurrency-target" : "HPA CPU-target") + " sweep on the TRAIN workloads, " +
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
      cells.push_back({p.target == it->second.choice.target ? "*" : "", std::to_string(p.target), pm(p.cost, 3),
                       pm(p.slo_attainment, 4), pm(p.p95_ms, 0), pm(p.scaling_actions, 0)});
    }
    out += FormatColumns(cells, "  ");
    out += "  -> " + SpecForTarget(tuned.kind, it->second.choice.target) + ": " + it->second.choice.note + "\n";
  }
  return out;
}

}  // namespace podpilot
