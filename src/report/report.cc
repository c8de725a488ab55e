#include "report/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "eval/series_csv.h"
#include "eval/run.h"
#include "eval/series_downsample.h"
#include "report/report_page.h"

namespace podpilot {
namespace {

using Json = nlohmann::json;

// Four significant digits are plenty for a chart and keep a suite's page to a few megabytes.
double Round4(double v) {
  if (!std::isfinite(v) || v == 0) return std::isfinite(v) ? v : 0;
  const double scale = std::pow(10.0, 3 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return std::round(v * scale) / scale;
}

// Path-aware access to scorecard.json, so an error names the file and the field.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Status Error(const std::string& field, const std::string& what) const {
    return InvalidArgumentError(file_ + ": " + field + ": " + what);
  }
  StatusOr<const Json*> Get(const Json& obj, const std::string& path, const char* key, Json::value_t type) const {
    const std::string field = path.empty() ? key : path + "." + key;
    if (!obj.is_object() || !obj.contains(key)) return Error(field, "missing");
    const Json& v = obj.at(key);
    const bool ok = type == Json::value_t::number_float ? v.is_number() : v.type() == type ||
                    (type == Json::value_t::number_unsigned && v.is_number_integer() && v.get<int64_t>() >= 0);
    if (!ok) return Error(field, std::string("has the wrong type (") + v.type_name() + ")");
    return &v;
  }
  StatusOr<std::string> String(const Json& obj, const std::string& path, const char* key) const {
    PP_ASSIGN_OR_RETURN(const Json* v, Get(obj, path, key, Json::value_t::string));
    return v->get<std::string>();
  }
  StatusOr<double> Number(const Json& obj, const std::string& path, const char* key) const {
    PP_ASSIGN_OR_RETURN(const Json* v, Get(obj, path, key, Json::value_t::number_float));
    return v->get<double>();
  }
  StatusOr<const Json*> Array(const Json& obj, const std::string& path, const char* key) const {
    return Get(obj, path, key, Json::value_t::array);
  }
  // A statistic {"mean","ci95_low","ci95_high"} (null allowed: "n/a") as {"mean","lo","hi"}.
  StatusOr<Json> Stat(const Json& obj, const std::string& path, const char* key) const {
    const std::string field = path + "." + key;
    if (!obj.contains(key)) return Error(field, "missing");
    const Json& s = obj.at(key);
    if (s.is_null()) return Json(nullptr);
    PP_ASSIGN_OR_RETURN(double mean, Number(s, field, "mean"));
    Json out = {{"mean", mean}, {"lo", nullptr}, {"hi", nullptr}};
    if (s.contains("ci95_low") && s["ci95_low"].is_number()) out["lo"] = s["ci95_low"];
    if (s.contains("ci95_high") && s["ci95_high"].is_number()) out["hi"] = s["ci95_high"];
    return out;
  }

 private:
  std::string file_;
};

// One chart group: the series of every policy for one scenario x workload x seed.
struct RunKey {
  std::string scenario;
  int workload = 0, seed_index = 0;
  bool operator<(const RunKey& o) const {
    return std::tie(scenario, workload, seed_index) < std::tie(o.scenario, o.workload, o.seed_index);
  }
};

struct RunSeries {
  std::string workload_label;
  std::vector<std::pair<std::string, std::string>> policy_files;  // (policy label, series file)
};

Json SeriesToJson(const TimeSeries& ts) {
  Json replicas = Json::array(), total = Json::array(), p95 = Json::array(), cost = Json::array(),
       att = Json::array();
  for (size_t s = 0; s < ts.target_names.size(); ++s) replicas.push_back(Json::array());
  for (const auto& r : ts.rows) {
    int sum = 0;
    for (size_t s = 0; s < r.replicas.size(); ++s) {
      replicas[s].push_back(r.replicas[s]);
      sum += r.replicas[s];
    }
    total.push_back(sum);
    p95.push_back(Round4(r.p95_ms));
    cost.push_back(Round4(r.cost_rate));
    att.push_back(Round4(r.slo_attainment));
  }
  return {{"replicas_total", total}, {"replicas", replicas}, {"p95_ms", p95}, {"cost_per_hour", cost},
          {"slo_attainment", att}};
}

StatusOr<Json> BuildModel(const std::string& dir, const ReportOptions& options) {
  const std::string file = dir + "/scorecard.json";
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  Json sc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (sc.is_discarded()) return InvalidArgumentError(file + ": not valid JSON");
  Reader rd(file);

  Json model;
  PP_ASSIGN_OR_RETURN(const Json* suite, rd.Get(sc, "", "suite", Json::value_t::object));
  PP_ASSIGN_OR_RETURN(std::string suite_name, rd.String(*suite, "suite", "name"));
  PP_ASSIGN_OR_RETURN(double required, rd.Number(*suite, "suite", "required_attainment"));
  PP_ASSIGN_OR_RETURN(std::string split, rd.String(sc, "", "split"));
  PP_ASSIGN_OR_RETURN(double seeds, rd.Number(sc, "", "seeds"));
  model["suite"] = suite_name;
  model["split"] = split;
  model["seeds"] = static_cast<int>(seeds);
  model["required_attainment"] = required;
  model["title"] = options.title.empty() ? "podpilot report: " + suite_name + " (" + split + " workloads)"
                                         : options.title;
  model["has_vertical"] = false;
  model["bound_available"] = false;
  model["bound_method"] = "";
  if (sc.contains("lower_bound") && sc["lower_bound"].is_object()) {
    const Json& lb = sc["lower_bound"];
    model["bound_available"] = lb.value("available", false);
    model["bound_method"] = lb.value("method", std::string());
  }

  PP_ASSIGN_OR_RETURN(const Json* policies, rd.Array(sc, "", "policies"));
  Json labels = Json::array();
  for (size_t i = 0; i < policies->size(); ++i) {
    PP_ASSIGN_OR_RETURN(std::string label, rd.String((*policies)[i], "policies[" + std::to_string(i) + "]", "label"));
    labels.push_back(label);
  }
  model["policies"] = labels;

  PP_ASSIGN_OR_RETURN(const Json* scenarios, rd.Array(sc, "", "scenarios"));
  std::map<std::string, size_t> scenario_index;
  Json jscenarios = Json::array();
  for (size_t i = 0; i < scenarios->size(); ++i) {
    const std::string path = "scenarios[" + std::to_string(i) + "]";
    const Json& s = (*scenarios)[i];
    Json js;
    PP_ASSIGN_OR_RETURN(std::string name, rd.String(s, path, "name"));
    PP_ASSIGN_OR_RETURN(std::string app, rd.String(s, path, "app"));
    PP_ASSIGN_OR_RETURN(double slo, rd.Number(s, path, "slo_ms"));
    PP_ASSIGN_OR_RETURN(double duration, rd.Number(s, path, "duration_s"));
    js = {{"name", name}, {"app", app}, {"slo_ms", slo}, {"duration_s", duration}, {"rows", Json::array()},
          {"runs", Json::array()}};
    scenario_index[name] = i;
    jscenarios.push_back(js);
  }

  PP_ASSIGN_OR_RETURN(const Json* results, rd.Array(sc, "", "results"));
  for (size_t i = 0; i < results->size(); ++i) {
    const std::string path = "results[" + std::to_string(i) + "]";
    const Json& r = (*results)[i];
    PP_ASSIGN_OR_RETURN(std::string scenario, rd.String(r, path, "scenario"));
    auto it = scenario_index.find(scenario);
    if (it == scenario_index.end()) return rd.Error(path + ".scenario", "names no scenario: '" + scenario + "'");
    Json row;
    PP_ASSIGN_OR_RETURN(std::string policy, rd.String(r, path, "policy"));
    row["policy"] = policy;
    for (const char* key : {"cost", "cost_ratio", "slo_attainment", "p95_ms", "scaling_actions", "oom_kills",
                            "pod_hours", "cpu_utilization"}) {
      PP_ASSIGN_OR_RETURN(Json stat, rd.Stat(r, path, key));
      row[key] = stat;
    }
    // Absent from scorecards written before session 11.
    row["memory_utilization"] = nullptr;
    if (r.contains("memory_utilization") && !r["memory_utilization"].is_null()) {
      PP_ASSIGN_OR_RETURN(row["memory_utilization"], rd.Stat(r, path, "memory_utilization"));
    }
    // Present only when the evaluation computed the vertical bound (eval --vertical-bound).
    row["cost_ratio_vertical"] = nullptr;
    if (r.contains("cost_ratio_vertical") && !r["cost_ratio_vertical"].is_null()) {
      PP_ASSIGN_OR_RETURN(row["cost_ratio_vertical"], rd.Stat(r, path, "cost_ratio_vertical"));
      model["has_vertical"] = true;
    }
    jscenarios[it->second]["rows"].push_back(row);
  }

  // Group the runs that have series by scenario x workload x seed; sum the decisions each policy
  // took by its fallback per scenario (run.h RunSummary::fallback_decisions).
  PP_ASSIGN_OR_RETURN(const Json* runs, rd.Array(sc, "", "runs"));
  std::map<RunKey, RunSeries> groups;
  std::map<std::pair<std::string, std::string>, FallbackTally> fallbacks;  // by (scenario, policy)
  for (size_t i = 0; i < runs->size(); ++i) {
    const std::string path = "runs[" + std::to_string(i) + "]";
    const Json& r = (*runs)[i];
    if (r.contains("fallback_decisions")) {  // absent in files written before it was counted
      PP_ASSIGN_OR_RETURN(double n, rd.Number(r, path, "fallback_decisions"));
      PP_ASSIGN_OR_RETURN(std::string scenario, rd.String(r, path, "scenario"));
      PP_ASSIGN_OR_RETURN(std::string policy, rd.String(r, path, "policy"));
      double decisions = -1;  // absent in files written before it was recorded
      if (r.contains("decisions")) {
        PP_ASSIGN_OR_RETURN(decisions, rd.Number(r, path, "decisions"));
      }
      const bool has_why = r.contains("first_fallback") && r["first_fallback"].is_string();
      fallbacks[{scenario, policy}].Add(static_cast<long>(n), static_cast<long>(decisions),
                                        has_why ? r["first_fallback"].get<std::string>() : std::string());
    }
    if (!r.contains("series") || r["series"].is_null()) continue;
    PP_ASSIGN_OR_RETURN(std::string series, rd.String(r, path, "series"));
    RunKey key;
    PP_ASSIGN_OR_RETURN(key.scenario, rd.String(r, path, "scenario"));
    if (!scenario_index.count(key.scenario)) return rd.Error(path + ".scenario", "names no scenario: '" + key.scenario + "'");
    PP_ASSIGN_OR_RETURN(double w, rd.Number(r, path, "workload_index"));
    PP_ASSIGN_OR_RETURN(double seed, rd.Number(r, path, "seed_index"));
    key.workload = static_cast<int>(w);
    key.seed_index = static_cast<int>(seed);
    RunSeries& g = groups[key];
    PP_ASSIGN_OR_RETURN(g.workload_label, rd.String(r, path, "workload"));
    PP_ASSIGN_OR_RETURN(std::string policy, rd.String(r, path, "policy"));
    g.policy_files.emplace_back(policy, series);
  }

  // The lower bound's trajectory of the same workload x seed, when the evaluation wrote it
  // (scorecard.json "bounds"; older files have none).
  std::map<RunKey, std::string> bound_files;
  if (sc.contains("bounds")) {
    PP_ASSIGN_OR_RETURN(const Json* bounds, rd.Array(sc, "", "bounds"));
    for (size_t i = 0; i < bounds->size(); ++i) {
      const std::string path = "bounds[" + std::to_string(i) + "]";
      const Json& b = (*bounds)[i];
      if (!b.contains("series") || b["series"].is_null()) continue;
      RunKey key;
      PP_ASSIGN_OR_RETURN(key.scenario, rd.String(b, path, "scenario"));
      PP_ASSIGN_OR_RETURN(double w, rd.Number(b, path, "workload_index"));
      PP_ASSIGN_OR_RETURN(double seed, rd.Number(b, path, "seed_index"));
      key.workload = static_cast<int>(w);
      key.seed_index = static_cast<int>(seed);
      PP_ASSIGN_OR_RETURN(bound_files[key], rd.String(b, path, "series"));
    }
  }
  auto load_series = [&](const std::string& rel) -> StatusOr<TimeSeries> {
    const std::string path = dir + "/" + rel;
    PP_ASSIGN_OR_RETURN(std::string csv, ReadFile(path));
    PP_ASSIGN_OR_RETURN(TimeSeries ts, TimeSeriesFromCsv(csv, path));
    if (ts.rows.size() > static_cast<size_t>(options.max_points)) {
      const double span = ts.rows.back().time_s - ts.rows.front().time_s;
      ts = DownsampleSeries(ts, std::ceil(span / options.max_points));
    }
    return ts;
  };

  int run_id = 0;
  for (const auto& [key, g] : groups) {
    Json& js = jscenarios[scenario_index[key.scenario]];
    Json jr = {{"id", "run" + std::to_string(run_id++)}, {"workload", g.workload_label},
               {"seed_index", key.seed_index}, {"policies", Json::array()}};
    bool first = true;
    for (const auto& [label, rel] : g.policy_files) {
      PP_ASSIGN_OR_RETURN(TimeSeries ts, load_series(rel));
      Json jp = SeriesToJson(ts);
      jp["label"] = label;
      if (first) {
        // Every policy of a group faces the same arrivals (common random numbers): one load line.
        Json t = Json::array(), load = Json::array();
        for (const auto& row : ts.rows) {
          t.push_back(row.time_s);
          load.push_back(Round4(row.request_rate));
        }
        jr["t"] = t;
        jr["load"] = load;
        jr["services"] = ts.target_names;
        first = false;
      } else if (ts.rows.size() != jr["t"].size()) {
        // Policies with their own control period (KPA's 2 s) coarsen to other bucket times: keep
        // their own time axis.
        Json t = Json::array();
        for (const auto& row : ts.rows) t.push_back(row.time_s);
        jp["t"] = t;
      }
      jr["policies"].push_back(jp);
    }
    auto bound = bound_files.find(key);
    if (bound != bound_files.end()) {
      PP_ASSIGN_OR_RETURN(TimeSeries ts, load_series(bound->second));
      Json jb = SeriesToJson(ts);
      Json t = Json::array();
      for (const auto& row : ts.rows) t.push_back(row.time_s);
      jb["t"] = t;
      jb["label"] = "lower bound";
      jr["bound"] = jb;
    }
    js["runs"].push_back(jr);
  }
  for (auto& js : jscenarios) js["warnings"] = Json::array();
  for (const auto& [key, f] : fallbacks) {
    auto it = scenario_index.find(key.first);
    if (f.fallback == 0 || it == scenario_index.end()) continue;
    std::string line = f.Warning(key.second);
    line.pop_back();  // the newline
    jscenarios[it->second]["warnings"].push_back(line);
  }
  model["scenarios"] = jscenarios;
  return model;
}

}  // namespace

StatusOr<std::string> BuildReport(const std::string& eval_dir, const ReportOptions& options) {
  if (options.max_points < 10) {
    return InvalidArgumentError("report: max_points must be >= 10, got " + std::to_string(options.max_points));
  }
  PP_ASSIGN_OR_RETURN(Json model, BuildModel(eval_dir, options));
  return report_internal::RenderPage(model);
}

StatusOr<std::string> WriteReport(const std::string& eval_dir, const std::string& out_path,
                                  const ReportOptions& options) {
  PP_ASSIGN_OR_RETURN(std::string html, BuildReport(eval_dir, options));
  const std::string path = out_path.empty() ? eval_dir + "/report.html" : out_path;
  PP_RETURN_IF_ERROR(WriteFileAtomically(path, html));
  return path;
}

}  // namespace podpilot
