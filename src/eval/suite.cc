#include "eval/suite.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "common/file_util.h"
#include "common/rng.h"
#include "common/units.h"
#include "common/yaml_reader.h"
#include "workload/workload.h"

namespace podpilot {
namespace {

namespace fs = std::filesystem;

// The longest metrics lag a scenario may ask for; the environment also bounds max(window, control
// interval) + lag (Env::Create).
constexpr double kMaxMetricsLagS = 600;

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool ValidName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  }
  return name != "." && name != "..";
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

// 64-bit FNV-1a: a stable hash of the workload text for RunSeed (std::hash is not stable across
// library versions).
uint64_t Fnv1a64(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Parses one train/eval entry, resolves its trace path and generates it once (seed 0) over the
// scenario's duration, which checks every value, the file and its length before any run.
StatusOr<WorkloadRef> ReadWorkload(YamlReader r, const std::string& where, const std::string& base_dir,
                                   double duration_s) {
  WorkloadRef w;
  if (r.node().IsScalar()) {
    w.text = Trim(r.node().Scalar());
  } else if (r.node().IsMap()) {
    r.CheckKnownKeys({"workload", "seed"});
    w.text = Trim(r.String("workload", "", /*required=*/true));
    w.seed_key = static_cast<uint64_t>(r.Integer("seed", 0, 0, 1 << 30));
    PP_RETURN_IF_ERROR(r.status());
  } else {
    return InvalidArgumentError(where + ": expected a workload spec or {workload: SPEC, seed: N}");
  }
  if (w.text.empty()) return InvalidArgumentError(where + ": empty workload spec");
  auto parsed = ParseWorkloadSpec(w.text);
  if (!parsed.ok()) return parsed.status().WithPrefix(where + ": '" + w.text + "'");
  WorkloadSpec spec = std::move(parsed).value();
  if (spec.kind == "trace") {
    bool changed = false;
    for (const char* key : {"csv", "azure", "clf"}) {
      auto it = spec.params.find(key);
      if (it == spec.params.end()) continue;
      const std::string resolved = Resolve(base_dir, it->second);
      if (!fs::exists(resolved)) {
        return NotFoundError(where + ": '" + w.text + "': trace file " + resolved + " (" + key + "=" + it->second +
                             ", relative to the suite file's directory) does not exist");
      }
      changed = changed || resolved != it->second;
      it->second = resolved;
    }
    if (changed) {
      // Rebuild the runnable spec; values hold no ',' (the spec grammar forbids it).
      w.spec = spec.kind + ":";
      bool first = true;
      for (const auto& [k, v] : spec.params) {
        w.spec += (first ? "" : ",") + k + "=" + v;
        first = false;
      }
    }
  }
  if (w.spec.empty()) w.spec = w.text;
  auto probe = MakeWorkload(w.spec, duration_s, 0);
  if (!probe.ok()) return probe.status().WithPrefix(where + ": '" + w.text + "'");
  return w;
}

// Applies `cluster` (keys replace the app's) by re-validating the app file with the merged
// section, so the override gets exactly the app loader's checks and messages.
StatusOr<AppModel> ApplyClusterOverride(const AppModel& base, const YAML::Node& cluster, const std::string& where) {
  if (!cluster.IsMap()) return InvalidArgumentError(where + ": expected a mapping (node_pools, price, in_place_resize)");
  if (base.source_path.empty()) return InvalidArgumentError(where + ": app '" + base.name + "' has no source file");
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(base.source_path));
  PP_ASSIGN_OR_RETURN(YAML::Node doc, ParseYaml(text, base.source_path));
  if (!doc["cluster"] || !doc["cluster"].IsMap()) doc["cluster"] = YAML::Node(YAML::NodeType::Map);
  for (const auto& kv : cluster) doc["cluster"][kv.first.as<std::string>()] = kv.second;
  auto app = ParseAppModel(YAML::Dump(doc), where + " (merged into " + base.source_path + ")");
  if (!app.ok()) return app.status();
  app->source_path = base.source_path;
  return app;
}

StatusOr<Scenario> ReadScenario(YamlReader r, const std::string& origin, const std::string& base_dir) {
  const std::string where = origin + ": " + r.path();
  if (!r.node().IsMap()) return InvalidArgumentError(where + ": expected a mapping");
  r.CheckKnownKeys({"name", "description", "app", "duration", "slo_ms", "metrics_lag", "cluster", "train", "eval"});
  Scenario s;
  s.name = r.String("name", "", true);
  s.app = r.String("app", "", true);
  s.duration_s = r.Duration("duration", 0, 60, 366 * 86400.0, true);
  if (r.Has("slo_ms")) s.slo_ms = r.Number("slo_ms", 200, 1, 3600e3);
  s.metrics_lag_s = r.Duration("metrics_lag", 0, 0, kMaxMetricsLagS);
  PP_RETURN_IF_ERROR(r.status());
  if (s.metrics_lag_s != std::floor(s.metrics_lag_s)) {
    // The simulator ticks once a second: a fraction would be dropped, yet change the fingerprint.
    return InvalidArgumentError(where + ".metrics_lag: '" + r.node()["metrics_lag"].as<std::string>() +
                                "': must be a whole number of seconds");
  }
  if (!ValidName(s.name)) {
    return InvalidArgumentError(where + ".name: '" + s.name + "': use letters, digits, '-', '_' and '.' only");
  }
  const std::string app_ref = s.app.find('/') != std::string::npos ? Resolve(base_dir, s.app) : s.app;
  auto app = LoadAppByName(app_ref);
  if (!app.ok()) return app.status().WithPrefix(where + ".app: '" + s.app + "'");
  AppModel model = std::move(app).value();
  if (r.Has("cluster")) {
    PP_ASSIGN_OR_RETURN(model, ApplyClusterOverride(model, r.node()["cluster"], where + ".cluster"));
    s.cluster_override = true;
  }
  if (s.slo_ms) {
    const double factor = *s.slo_ms / model.slo_ms;
    model.slo_ms = *s.slo_ms;
    for (auto& c : model.classes) c.slo_ms *= factor;
  }
  s.model = std::make_shared<const AppModel>(std::move(model));
  for (const char* split : {"train", "eval"}) {
    YamlReader list = r.Child(split);
    if (!list.node().IsSequence() || list.Size() == 0) {
      return InvalidArgumentError(where + "." + split + ": required: a non-empty list of workload specs");
    }
    auto& out = std::string(split) == "train" ? s.train : s.eval;
    std::set<std::string> seen;
    for (size_t i = 0; i < list.Size(); ++i) {
      const std::string w_where = where + "." + split + "[" + std::to_string(i) + "]";
      PP_ASSIGN_OR_RETURN(WorkloadRef w, ReadWorkload(list.Index(i), w_where, base_dir, s.duration_s));
      if (!seen.insert(w.Label()).second) {
        return InvalidArgumentError(w_where + ": '" + w.Label() + "' is listed twice");
      }
      out.push_back(std::move(w));
    }
  }
  for (size_t i = 0; i < s.eval.size(); ++i) {
    for (const auto& t : s.train) {
      if (t.Label() == s.eval[i].Label()) {
        return InvalidArgumentError(where + ".eval[" + std::to_string(i) + "]: '" + s.eval[i].Label() +
                                    "' is also a train workload; evaluation workloads must differ from training "
                                    "(another seed, offset, amplitude or trace day)");
      }
    }
  }
  return s;
}

}  // namespace

const char* SplitName(Split split) { return split == Split::kTrain ? "train" : "eval"; }

StatusOr<Split> ParseSplit(const std::string& text) {
  if (text == "train") return Split::kTrain;
  if (text == "eval") return Split::kEval;
  return InvalidArgumentError("split '" + text + "': expected 'eval' or 'train'");
}

std::string WorkloadRef::Label() const {
  return seed_key == 0 ? text : text + "#seed=" + std::to_string(seed_key);
}

std::string Scenario::Fingerprint() const {
  std::ostringstream o;
  o.precision(17);
  o << "app=" << model->name << ";duration_s=" << duration_s << ";slo_ms=";
  for (const auto& c : model->classes) o << c.name << ":" << c.slo_ms << ",";
  o << ";cluster=";
  for (const auto& p : model->cluster.node_pools) {
    o << p.name << ":" << p.cpu << "/" << p.memory << "/" << p.nodes << "-" << p.max_nodes << "/" << p.provision_seconds
      << ",";
  }
  o << "price=" << model->cluster.price_cpu_core_hour << "/" << model->cluster.price_memory_gib_hour
    << ",in_place=" << model->cluster.in_place_resize;
  // Only when set, so that the fingerprints of suites without a lag (and the tuned files that
  // record them) stay as they were.
  if (metrics_lag_s > 0) o << ";metrics_lag_s=" << metrics_lag_s;
  o << ";train=";
  for (const auto& w : train) o << w.Label() << "|";
  return o.str();
}

const Scenario* Suite::Find(const std::string& name) const {
  for (const auto& s : scenarios) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string ResolveSuitePath(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos || fs::exists(name_or_path)) return name_or_path;
  const std::string bundled = ScenariosDir() + "/suites/" + name_or_path + ".yaml";
  return fs::exists(bundled) ? bundled : name_or_path;
}

StatusOr<Suite> LoadSuite(const std::string& name_or_path) {
  const std::string path = ResolveSuitePath(name_or_path);
  if (!fs::exists(path)) {
    return NotFoundError("suite '" + name_or_path + "': no such file (nor " + ScenariosDir() + "/suites/" +
                         name_or_path + ".yaml)");
  }
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  PP_ASSIGN_OR_RETURN(Suite suite, ParseSuite(text, path, fs::path(path).parent_path().string()));
  suite.path = path;
  return suite;
}

StatusOr<Suite> ParseSuite(const std::string& yaml_text, const std::string& origin, const std::string& base_dir) {
  PP_ASSIGN_OR_RETURN(YAML::Node doc, ParseYaml(yaml_text, origin));
  YamlReader r(doc, origin);
  if (!doc.IsMap()) return InvalidArgumentError(origin + ": expected a mapping with name and scenarios");
  r.CheckKnownKeys({"name", "description", "required_attainment", "scenarios"});
  Suite suite;
  suite.name = r.String("name", "", true);
  suite.description = r.String("description", "");
  suite.required_attainment = r.Number("required_attainment", 0.99, 0.0, 1.0);
  PP_RETURN_IF_ERROR(r.status());
  YamlReader list = r.Child("scenarios");
  if (!list.node().IsSequence() || list.Size() == 0) {
    return InvalidArgumentError(origin + ": scenarios: required: a non-empty list of scenarios");
  }
  for (size_t i = 0; i < list.Size(); ++i) {
    PP_ASSIGN_OR_RETURN(Scenario s, ReadScenario(list.Index(i), origin, base_dir));
    for (size_t j = 0; j < suite.scenarios.size(); ++j) {
      if (suite.scenarios[j].name == s.name) {
        return InvalidArgumentError(origin + ": scenarios[" + std::to_string(i) + "].name: '" + s.name +
                                    "' duplicates scenarios[" + std::to_string(j) + "].name");
      }
    }
    suite.scenarios.push_back(std::move(s));
  }
  return suite;
}

StatusOr<std::vector<const Scenario*>> SelectScenarios(const Suite& suite, const std::vector<std::string>& names) {
  std::vector<const Scenario*> out;
  for (const auto& n : names) {
    if (!suite.Find(n)) {
      std::string known;
      for (const auto& s : suite.scenarios) known += (known.empty() ? "" : ", ") + s.name;
      return NotFoundError("--scenarios: '" + n + "' is not a scenario of suite " + suite.name + " (" + known + ")");
    }
  }
  for (const auto& s : suite.scenarios) {
    bool wanted = names.empty();
    for (const auto& n : names) wanted = wanted || n == s.name;
    if (wanted) out.push_back(&s);
  }
  return out;
}

uint64_t RunSeed(const WorkloadRef& w, int index) {
  return Rng::Derive(Fnv1a64(w.text) ^ Rng::Derive(w.seed_key, 0x5EED), static_cast<uint64_t>(index));
}

EnvConfig ScenarioEnvConfig(const Scenario& s, const WorkloadRef& w) {
  EnvConfig cfg;
  cfg.app = s.model;
  cfg.workload = w.spec;
  cfg.duration_s = s.duration_s;
  cfg.sim.metrics_lag_s = s.metrics_lag_s;
  return cfg;
}

Status OverrideMetricsLag(Suite* suite, const std::string& text, const std::string& flag) {
  if (text.empty()) return Status::Ok();
  auto lag = ParseDuration(text);
  if (!lag.ok() || !(*lag >= 0 && *lag <= kMaxMetricsLagS) || *lag != std::floor(*lag)) {
    return InvalidArgumentError(flag + " '" + text + "': expected whole seconds in [0s, 10m]");
  }
  for (auto& s : suite->scenarios) s.metrics_lag_s = *lag;
  return Status::Ok();
}

std::vector<std::string> SplitList(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) {
    item = Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace podpilot
