#include "eval/scorecard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/units.h"
#include "eval/text_table.h"

namespace podpilot {
namespace {

using Json = nlohmann::ordered_json;

// Per seed index, the mean over workloads of f(run), for the runs of one scenario x policy.
std::vector<double> PerSeed(const EvalResults& res, int scenario, int policy,
                            const std::function<double(const RunRecord&)>& f) {
  std::vector<double> sum(res.seeds, 0.0);
  std::vector<int> count(res.seeds, 0);
  for (const auto& r : res.runs) {
    if (r.scenario != scenario || r.policy != policy) continue;
    sum[r.seed_index] += f(r);
    ++count[r.seed_index];
  }
  for (int i = 0; i < res.seeds; ++i) sum[i] = count[i] > 0 ? sum[i] / count[i] : NAN;
  return sum;
}

Json StatJson(const SampleSummary& s) {
  Json j;
  j["mean"] = s.mean;
  j["ci95_low"] = s.has_interval() ? Json(s.low()) : Json(nullptr);
  j["ci95_high"] = s.has_interval() ? Json(s.high()) : Json(nullptr);
  j["stddev"] = s.stddev;
  return j;
}

Json WorkloadsJson(const std::vector<WorkloadRef>& ws) {
  Json a = Json::array();
  for (const auto& w : ws) a.push_back(w.Label());
  return a;
}

std::string Num(double v, const char* fmt) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// "1.234 ± 0.010" (the half-width is left out with one seed).
std::string PlusMinus(const SampleSummary& s, const char* fmt) {
  std::string out = Num(s.mean, fmt);
  if (s.has_interval()) out += " ± " + Num(s.half_width, fmt);
  return out;
}

// Whether the vertical bound was asked for (EvalOptions::vertical_bound).
bool AnyVertical(const EvalResults& res) {
  return std::any_of(res.bounds.begin(), res.bounds.end(), [](const BoundRecord& b) { return b.vertical_requested; });
}

}  // namespace

std::vector<ScoreRow> BuildScorecard(const EvalResults& res) {
  std::vector<ScoreRow> rows;
  for (int s = 0; s < static_cast<int>(res.scenarios.size()); ++s) {
    const int nw = static_cast<int>(res.scenarios[s]->workloads(res.split).size());
    // The bound is per scenario x workload x seed, shared by every policy.
    bool bound_ok = !res.bounds.empty();
    std::string note = res.bounds.empty() ? "not computed" : "";
    for (const auto& b : res.bounds) {
      if (b.scenario != s || b.status.ok()) continue;
      bound_ok = false;
      if (note.empty()) note = b.status.message();
    }
    bool vertical_ok = bound_ok;
    std::string vertical_note = note;
    for (const auto& b : res.bounds) {
      if (b.scenario != s || (b.vertical_requested && b.vertical_status.ok())) continue;
      vertical_ok = false;
      if (vertical_note.empty()) vertical_note = b.vertical_requested ? b.vertical_status.message() : "not computed";
    }
    for (int p = 0; p < static_cast<int>(res.policies.size()); ++p) {
      ScoreRow row;
      row.scenario = s;
      row.policy = p;
      row.seeds = res.seeds;
      row.workloads = nw;
      auto stat = [&](const std::function<double(const RunRecord&)>& f) { return Summarize(PerSeed(res, s, p, f)); };
      row.cost = stat([](const RunRecord& r) { return r.summary.cost; });
      row.node_cost = stat([](const RunRecord& r) { return r.summary.node_cost; });
      row.pod_hours = stat([](const RunRecord& r) { return r.summary.pod_hours; });
      row.slo_attainment = stat([](const RunRecord& r) { return r.summary.slo_attainment; });
      row.interval_slo_attainment = stat([](const RunRecord& r) { return r.summary.interval_slo_attainment; });
      row.p95_ms = stat([](const RunRecord& r) { return r.summary.p95_ms; });
      row.scaling_actions = stat([](const RunRecord& r) { return r.summary.scaling_actions; });
      row.replica_changes = stat([](const RunRecord& r) { return r.summary.replica_changes; });
      row.oom_kills = stat([](const RunRecord& r) { return r.summary.oom_kills; });
      row.cpu_utilization = stat([](const RunRecord& r) { return r.summary.cpu_utilization; });
      row.memory_utilization = stat([](const RunRecord& r) { return r.summary.memory_utilization; });
      row.bound_available = bound_ok;
      row.bound_note = note;
      if (bound_ok) {
        auto bound = [&res](const RunRecord& r) { return res.Bound(r.scenario, r.workload, r.seed_index)->result.cost; };
        row.lower_bound_cost = stat(bound);
        row.cost_ratio = stat([&](const RunRecord& r) { return r.summary.cost / bound(r); });
      }
      row.vertical_available = vertical_ok;
      row.vertical_note = vertical_note;
      if (vertical_ok) {
        auto vbound = [&res](const RunRecord& r) {
          return res.Bound(r.scenario, r.workload, r.seed_index)->vertical.cost;
        };
        row.vertical_lower_bound_cost = stat(vbound);
        row.cost_ratio_vertical = stat([&](const RunRecord& r) { return r.summary.cost / vbound(r); });
      }
      rows.push_back(row);
    }
  }
  return rows;
}

std::string ScorecardJson(const Suite& suite, const EvalResults& res, const std::vector<ScoreRow>& rows) {
  Json j;
  j["suite"] = {{"name", suite.name}, {"path", suite.path}, {"required_attainment", suite.required_attainment}};
  j["split"] = SplitName(res.split);
  j["seeds"] = res.seeds;
  j["statistics"] = "per seed index: mean over the split's workloads; then mean and 95% Student-t interval over seeds";
  Json scenarios = Json::array();
  for (const Scenario* s : res.scenarios) {
    Json js;
    js["name"] = s->name;
    js["app"] = s->model->name;
    js["duration_s"] = s->duration_s;
    js["slo_ms"] = s->model->slo_ms;
    js["cluster_override"] = s->cluster_override;
    js["metrics_lag_s"] = s->metrics_lag_s;
    js["workloads"] = WorkloadsJson(s->workloads(res.split));
    js["train_workloads"] = WorkloadsJson(s->train);
    js["eval_workloads"] = WorkloadsJson(s->eval);
    scenarios.push_back(js);
  }
  j["scenarios"] = scenarios;
  Json policies = Json::array();
  for (const auto& p : res.policies) {
    Json jp;
    jp["label"] = p.label;
    jp["name"] = p.policy_name;
    Json specs;
    for (const Scenario* s : res.scenarios) specs[s->name] = p.SpecFor(s->name);
    jp["specs"] = specs;
    policies.push_back(jp);
  }
  j["policies"] = policies;
  Json lb;
  bool any_missing = false;
  std::string note;
  for (const auto& r : rows) {
    if (!r.bound_available) {
      any_missing = true;
      if (note.empty()) note = r.bound_note;
    }
  }
  lb["available"] = !any_missing;
  lb["note"] = note;
  int infeasible = 0;
  for (const auto& b : res.bounds) {
    if (!b.status.ok()) continue;
    if (lb.find("method") == lb.end()) lb["method"] = b.result.method;
    infeasible += b.result.infeasible_ticks;
  }
  // Ticks no replica count within the services' max could serve: the bound there is priced at max
  // replicas and no policy could have met the SLO either.
  lb["infeasible_ticks"] = infeasible;
  Json vb;
  vb["computed"] = AnyVertical(res);
  vb["available"] = !rows.empty() && std::all_of(rows.begin(), rows.end(), [](const ScoreRow& r) { return r.vertical_available; });
  vb["note"] = "";
  for (const auto& r : rows) {
    if (!r.vertical_available) {
      vb["note"] = r.vertical_note;
      break;
    }
  }
  int v_infeasible = 0;
  for (const auto& b : res.bounds) {
    if (!b.vertical_requested || !b.vertical_status.ok()) continue;
    if (vb.find("method") == vb.end()) vb["method"] = b.vertical.method;
    v_infeasible += b.vertical.infeasible_ticks;
  }
  vb["infeasible_ticks"] = v_infeasible;
  lb["vertical"] = vb;
  j["lower_bound"] = lb;
  Json jrows = Json::array();
  for (const auto& r : rows) {
    Json jr;
    jr["scenario"] = res.scenarios[r.scenario]->name;
    jr["policy"] = res.policies[r.policy].label;
    jr["seeds"] = r.seeds;
    jr["workloads"] = r.workloads;
    jr["cost"] = StatJson(r.cost);
    jr["lower_bound_cost"] = r.bound_available ? StatJson(r.lower_bound_cost) : Json(nullptr);
    jr["cost_ratio"] = r.bound_available ? StatJson(r.cost_ratio) : Json(nullptr);
    jr["vertical_lower_bound_cost"] = r.vertical_available ? StatJson(r.vertical_lower_bound_cost) : Json(nullptr);
    jr["cost_ratio_vertical"] = r.vertical_available ? StatJson(r.cost_ratio_vertical) : Json(nullptr);
    jr["node_cost"] = StatJson(r.node_cost);
    jr["pod_hours"] = StatJson(r.pod_hours);
    jr["slo_attainment"] = StatJson(r.slo_attainment);
    jr["interval_slo_attainment"] = StatJson(r.interval_slo_attainment);
    jr["p95_ms"] = StatJson(r.p95_ms);
    jr["scaling_actions"] = StatJson(r.scaling_actions);
    jr["replica_changes"] = StatJson(r.replica_changes);
    jr["oom_kills"] = StatJson(r.oom_kills);
    jr["cpu_utilization"] = StatJson(r.cpu_utilization);
    jr["memory_utilization"] = StatJson(r.memory_utilization);
    jrows.push_back(jr);
  }
  j["results"] = jrows;
  Json runs = Json::array();
  for (const auto& r : res.runs) {
    const Scenario& sc = *res.scenarios[r.scenario];
    const RunSummary& s = r.summary;
    const BoundRecord* b = res.Bound(r.scenario, r.workload, r.seed_index);
    const bool has_bound = b && b->status.ok();
    Json jr;
    jr["scenario"] = sc.name;
    jr["policy"] = res.policies[r.policy].label;
    jr["policy_spec"] = r.policy_spec;
    jr["policy_name"] = s.policy;
    jr["workload"] = sc.workloads(res.split)[r.workload].Label();
    jr["workload_index"] = r.workload;
    jr["seed_index"] = r.seed_index;
    jr["seed"] = r.seed;
    jr["cost"] = s.cost;
    jr["lower_bound_cost"] = has_bound ? Json(b->result.cost) : Json(nullptr);
    jr["cost_ratio"] = has_bound && b->result.cost > 0 ? Json(s.cost / b->result.cost) : Json(nullptr);
    jr["lower_bound_infeasible_ticks"] = has_bound ? Json(b->result.infeasible_ticks) : Json(nullptr);
    const bool has_vertical = has_bound && b->vertical_requested && b->vertical_status.ok();
    jr["vertical_lower_bound_cost"] = has_vertical ? Json(b->vertical.cost) : Json(nullptr);
    jr["cost_ratio_vertical"] = has_vertical && b->vertical.cost > 0 ? Json(s.cost / b->vertical.cost) : Json(nullptr);
    jr["node_cost"] = s.node_cost;
    jr["pod_hours"] = s.pod_hours;
    jr["slo_attainment"] = s.slo_attainment;
    jr["interval_slo_attainment"] = s.interval_slo_attainment;
    jr["p50_ms"] = s.p50_ms;
    jr["p95_ms"] = s.p95_ms;
    jr["p99_ms"] = s.p99_ms;
    jr["requests"] = s.requests;
    jr["errors"] = s.errors;
    jr["scaling_actions"] = s.scaling_actions;
    jr["replica_changes"] = s.replica_changes;
    jr["resource_changes"] = s.resource_changes;
    jr["oom_kills"] = s.oom_kills;
    jr["decisions"] = s.steps;
    jr["fallback_decisions"] = s.fallback_decisions;
    jr["first_fallback"] = s.first_fallback.empty() ? Json(nullptr) : Json(s.first_fallback);
    jr["cpu_utilization"] = s.cpu_utilization;
    jr["memory_utilization"] = s.memory_utilization;
    jr["sim_seconds"] = s.sim_seconds;
    jr["series"] = r.series_file.empty() ? Json(nullptr) : Json(r.series_file);
    runs.push_back(jr);
  }
  j["runs"] = runs;
  Json bounds = Json::array();
  for (const auto& b : res.bounds) {
    const Scenario& sc = *res.scenarios[b.scenario];
    Json jb;
    jb["scenario"] = sc.name;
    jb["workload"] = sc.workloads(res.split)[b.workload].Label();
    jb["workload_index"] = b.workload;
    jb["seed_index"] = b.seed_index;
    jb["seed"] = b.seed;
    jb["available"] = b.status.ok();
    jb["cost"] = b.status.ok() ? Json(b.result.cost) : Json(nullptr);
    jb["pod_hours"] = b.status.ok() ? Json(b.result.pod_hours) : Json(nullptr);
    jb["infeasible_ticks"] = b.status.ok() ? Json(b.result.infeasible_ticks) : Json(nullptr);
    jb["note"] = b.status.ok() ? "" : b.status.message();
    const bool vertical = b.vertical_requested && b.vertical_status.ok();
    jb["vertical_cost"] = vertical ? Json(b.vertical.cost) : Json(nullptr);
    jb["vertical_pod_hours"] = vertical ? Json(b.vertical.pod_hours) : Json(nullptr);
    jb["vertical_infeasible_ticks"] = vertical ? Json(b.vertical.infeasible_ticks) : Json(nullptr);
    jb["vertical_note"] = vertical ? "" : (b.vertical_requested ? b.vertical_status.message() : "not computed");
    jb["series"] = b.series_file.empty() ? Json(nullptr) : Json(b.series_file);
    bounds.push_back(jb);
  }
  j["bounds"] = bounds;
  return j.dump(2) + "\n";
}

std::string ScorecardCsv(const EvalResults& res, const std::vector<ScoreRow>& rows) {
  // One table of columns so the header and the values cannot drift apart.
  enum Source { kRun, kBound, kVertical };
  struct Column {
    const char* name;
    SampleSummary ScoreRow::*field;
    Source source;
  };
  // New columns go last so that existing column positions stay put.
  static const Column kColumns[] = {
      {"cost", &ScoreRow::cost, kRun},
      {"lower_bound_cost", &ScoreRow::lower_bound_cost, kBound},
      {"cost_ratio", &ScoreRow::cost_ratio, kBound},
      {"node_cost", &ScoreRow::node_cost, kRun},
      {"pod_hours", &ScoreRow::pod_hours, kRun},
      {"slo_attainment", &ScoreRow::slo_attainment, kRun},
      {"interval_slo_attainment", &ScoreRow::interval_slo_attainment, kRun},
      {"p95_ms", &ScoreRow::p95_ms, kRun},
      {"scaling_actions", &ScoreRow::scaling_actions, kRun},
      {"replica_changes", &ScoreRow::replica_changes, kRun},
      {"oom_kills", &ScoreRow::oom_kills, kRun},
      {"cpu_utilization", &ScoreRow::cpu_utilization, kRun},
      {"vertical_lower_bound_cost", &ScoreRow::vertical_lower_bound_cost, kVertical},
      {"cost_ratio_vertical", &ScoreRow::cost_ratio_vertical, kVertical},
      {"memory_utilization", &ScoreRow::memory_utilization, kRun},
  };
  std::string out = "scenario,policy,split,seeds,workloads";
  for (const Column& c : kColumns) {
    out += std::string(",") + c.name + "_mean," + c.name + "_ci95_low," + c.name + "_ci95_high";
  }
  out += "\n";
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  for (const auto& r : rows) {
    out += quote(res.scenarios[r.scenario]->name) + "," + quote(res.policies[r.policy].label) + "," +
           SplitName(res.split) + "," + std::to_string(r.seeds) + "," + std::to_string(r.workloads);
    for (const Column& c : kColumns) {
      const SampleSummary& s = r.*c.field;
      const bool na = (c.source == kBound && !r.bound_available) || (c.source == kVertical && !r.vertical_available);
      const bool ci = !na && s.has_interval();
      out += "," + (na ? "n/a" : Num(s.mean, "%.10g")) + "," + (ci ? Num(s.low(), "%.10g") : "n/a") + "," +
             (ci ? Num(s.high(), "%.10g") : "n/a");
    }
    out += "\n";
  }
  return out;
}

std::string FormatScorecardTable(const Suite& suite, const EvalResults& res, const std::vector<ScoreRow>& rows) {
  const bool vertical = AnyVertical(res);  // the column appears only when the bound was asked for
  std::vector<std::vector<std::string>> cells = {{"scenario", "policy", "cost $", "cost / bound"}};
  if (vertical) cells[0].push_back("cost / vertical bound");
  for (const char* h : {"SLO attainment", "p95 ms", "actions"}) cells[0].push_back(h);
  for (size_t i = 0; i < rows.size(); ++i) {
    const ScoreRow& r = rows[i];
    if (i > 0 && rows[i - 1].scenario != r.scenario) cells.push_back({});
    std::vector<std::string> line = {res.scenarios[r.scenario]->name, res.policies[r.policy].label,
                                     PlusMinus(r.cost, "%.3f"), r.bound_available ? PlusMinus(r.cost_ratio, "%.2f") : "n/a"};
    if (vertical) line.push_back(r.vertical_available ? PlusMinus(r.cost_ratio_vertical, "%.2f") : "n/a");
    for (std::string v : {PlusMinus(r.slo_attainment, "%.4f"), PlusMinus(r.p95_ms, "%.0f"),
                          PlusMinus(r.scaling_actions, "%.0f")}) {
      line.push_back(std::move(v));
    }
    cells.push_back(std::move(line));
  }
  std::string out = "suite " + suite.name + (suite.path.empty() ? "" : " (" + suite.path + ")") + ", split " +
                    SplitName(res.split) + ", " + std::to_string(res.seeds) +
                    " seeds; mean ± 95% Student-t half-width over seeds (each seed: mean over the split's workloads)\n";
  out += FormatColumns(cells);
  out += "\nworkloads (" + std::string(SplitName(res.split)) + "):\n";
  for (const Scenario* s : res.scenarios) {
    out += "  " + s->name + " [" + s->model->name + ", " + FormatDuration(s->duration_s) +
           (s->metrics_lag_s > 0 ? ", metrics lag " + FormatDuration(s->metrics_lag_s) : "") + "]: ";
    const auto& ws = s->workloads(res.split);
    for (size_t k = 0; k < ws.size(); ++k) out += (k ? "; " : "") + ws[k].Label();
    out += "\n";
  }
  for (const auto& r : rows) {
    if (!r.bound_available) {
      out += "lower bound: n/a (" + r.bound_note + ")\n";
      break;
    }
  }
  if (vertical) {
    for (const auto& r : rows) {
      if (!r.vertical_available) {
        out += "vertical lower bound: n/a (" + r.vertical_note + ")\n";
        break;
      }
    }
  }
  // A policy that fell back did not score itself: say so under the table, once per scenario and
  // policy, with the count and the first reason (run.h RunSummary::fallback_decisions).
  std::map<std::pair<int, int>, FallbackTally> fallbacks;  // by (scenario, policy)
  for (const auto& run : res.runs) {
    fallbacks[{run.scenario, run.policy}].Add(run.summary.fallback_decisions, run.summary.steps,
                                              run.summary.first_fallback);
  }
  for (const auto& [key, f] : fallbacks) {
    if (f.fallback > 0) out += f.Warning(res.policies[key.second].label + " on " + res.scenarios[key.first]->name);
  }
  for (int s = 0; s < static_cast<int>(res.scenarios.size()); ++s) {
    int infeasible = 0;
    for (const auto& b : res.bounds) {
      if (b.scenario == s && b.status.ok()) infeasible += b.result.infeasible_ticks;
    }
    if (infeasible > 0) {
      out += "lower bound of " + res.scenarios[s]->name + ": " + std::to_string(infeasible) +
             " ticks no replica count within max can serve (priced at max; no policy can meet the SLO there)\n";
    }
  }
  return out;
}

Status WriteScorecard(const std::string& dir, const Suite& suite, const EvalResults& results,
                      const std::vector<ScoreRow>& rows) {
  PP_RETURN_IF_ERROR(EnsureDirectory(dir));
  PP_RETURN_IF_ERROR(WriteFileAtomically(dir + "/scorecard.json", ScorecardJson(suite, results, rows)));
  return WriteFileAtomically(dir + "/scorecard.csv", ScorecardCsv(results, rows));
}

}  // namespace podpilot
