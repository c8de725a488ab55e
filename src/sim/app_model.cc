#include "sim/app_model.h"

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>

#include "common/file_util.h"
#include "common/units.h"
#include "common/yaml_reader.h"

namespace podpilot {
namespace {

constexpr double kMaxCores = 1024;
constexpr double kMaxBytes = 4.0 * 1024 * kGiB;

void ReadService(YamlReader r, ServiceModel* s) {
  r.CheckKnownKeys({"name", "cpu_per_request", "cpu_cv", "base_cpu", "base_memory", "memory_per_inflight",
                    "requests", "limits", "startup_seconds", "startup_cpu", "readiness", "timeout_ms",
                    "replicas", "termination_seconds", "description"});
  s->name = r.String("name", "", true);
  s->cpu_per_request = r.Number("cpu_per_request", 0, 1e-7, 100, true);
  s->cpu_cv = r.Number("cpu_cv", 1.0, 0.0, 10.0);
  s->base_cpu = r.Cpu("base_cpu", 0.0, 0.0, kMaxCores);
  s->base_memory = r.Bytes("base_memory", 0.0, 0.0, kMaxBytes);
  s->memory_per_inflight = r.Bytes("memory_per_inflight", 0.0, 0.0, kMaxBytes);
  YamlReader req = r.Child("requests");
  req.CheckKnownKeys({"cpu", "memory"});
  s->requests.cpu = req.Cpu("cpu", 0, 1e-3, kMaxCores, true);
  s->requests.memory = req.Bytes("memory", 0, 1024, kMaxBytes, true);
  YamlReader lim = r.Child("limits");
  lim.CheckKnownKeys({"cpu", "memory"});
  s->limits.cpu = lim.Cpu("cpu", s->requests.cpu, 1e-3, kMaxCores);
  s->limits.memory = lim.Bytes("memory", s->requests.memory, 1024, kMaxBytes);
  if (s->limits.cpu < s->requests.cpu) lim.Fail("cpu", "limit is below the request");
  if (s->limits.memory < s->requests.memory) lim.Fail("memory", "limit is below the request");
  if (s->base_cpu >= s->limits.cpu) r.Fail("base_cpu", "must be below limits.cpu (no capacity left for requests)");
  if (s->base_memory >= s->limits.memory) r.Fail("base_memory", "must be below limits.memory (the pod would OOM at start)");
  s->startup_seconds = r.Duration("startup_seconds", 5.0, 0.0, 3600.0);
  if (r.Has("startup_cpu")) {
    YamlReader b = r.Child("startup_cpu");
    b.CheckKnownKeys({"cores", "seconds"});
    s->startup_cpu_cores = b.Cpu("cores", 0.0, 0.0, kMaxCores, true);
    s->startup_cpu_seconds = b.Duration("seconds", 0.0, 0.0, 3600.0, true);
  }
  if (r.Has("readiness")) {
    YamlReader p = r.Child("readiness");
    p.CheckKnownKeys({"initial_delay_seconds", "period_seconds", "success_threshold"});
    s->readiness_initial_delay_s = p.Number("initial_delay_seconds", 0.0, 0.0, 3600.0);
    s->readiness_period_s = p.Number("period_seconds", 10.0, 0.1, 3600.0);
    s->readiness_success_threshold = p.Integer("success_threshold", 1, 1, 100);
  }
  s->timeout_ms = r.Number("timeout_ms", 10000.0, 1.0, 3600e3);
  YamlReader rep = r.Child("replicas");
  rep.CheckKnownKeys({"initial", "min", "max"});
  s->min_replicas = rep.Integer("min", 1, 0, 100000);
  s->max_replicas = rep.Integer("max", 50, 1, 100000);
  s->initial_replicas = rep.Integer("initial", std::max(1, s->min_replicas), 0, 100000);
  if (s->max_replicas < s->min_replicas) rep.Fail("max", "is below min");
  if (s->initial_replicas < s->min_replicas || s->initial_replicas > s->max_replicas) {
    rep.Fail("initial", "must lie within [min, max]");
  }
  s->termination_seconds = r.Duration("termination_seconds", 0.0, 0.0, 3600.0);
}

void ReadCall(YamlReader r, const AppModel& app, CallNode* node, int depth) {
  if (depth > 32) {
    r.Fail("", "call tree deeper than 32 levels (a cycle?)");
    return;
  }
  r.CheckKnownKeys({"service", "visits", "cpu_per_request", "calls"});
  std::string svc = r.String("service", "", true);
  node->service = app.ServiceIndex(svc);
  if (node->service < 0 && !svc.empty()) r.Fail("service", "'" + svc + "' is not a service of this app");
  node->visits = r.Number("visits", 1.0, 1e-6, 1000.0);
  node->cpu_per_request = r.Number("cpu_per_request", -1.0, 1e-7, 100.0);
  YamlReader calls = r.Child("calls");
  if (!calls.node().IsDefined() || calls.node().IsNull()) return;
  if (!calls.node().IsSequence()) {
    calls.Fail("", "expected a list of calls");
    return;
  }
  for (size_t i = 0; i < calls.Size(); ++i) {
    YamlReader step = calls.Index(i);
    std::vector<CallNode> group;
    if (step.Has("parallel")) {
      step.CheckKnownKeys({"parallel"});
      YamlReader par = step.Child("parallel");
      if (!par.node().IsSequence() || par.Size() == 0) {
        par.Fail("", "expected a non-empty list of calls");
        return;
      }
      for (size_t j = 0; j < par.Size(); ++j) {
        group.emplace_back();
        ReadCall(par.Index(j), app, &group.back(), depth + 1);
      }
    } else {
      group.emplace_back();
      ReadCall(step, app, &group.back(), depth + 1);
    }
    node->steps.push_back(std::move(group));
  }
}

void ReadCluster(YamlReader r, ClusterModel* c) {
  r.CheckKnownKeys({"node_pools", "price", "in_place_resize"});
  c->in_place_resize = r.Bool("in_place_resize", false);
  if (r.Has("price")) {
    YamlReader p = r.Child("price");
    p.CheckKnownKeys({"cpu_core_hour", "memory_gib_hour"});
    c->price_cpu_core_hour = p.Number("cpu_core_hour", c->price_cpu_core_hour, 0.0, 1000.0);
    c->price_memory_gib_hour = p.Number("memory_gib_hour", c->price_memory_gib_hour, 0.0, 1000.0);
  }
  if (r.Has("node_pools")) {
    YamlReader pools = r.Child("node_pools");
    if (!pools.node().IsSequence() || pools.Size() == 0) {
      pools.Fail("", "expected a non-empty list");
      return;
    }
    c->node_pools.clear();
    for (size_t i = 0; i < pools.Size(); ++i) {
      YamlReader p = pools.Index(i);
      p.CheckKnownKeys({"name", "cpu", "memory", "nodes", "max_nodes", "provision_seconds"});
      NodePool np;
      np.name = p.String("name", "pool-" + std::to_string(i));
      np.cpu = p.Cpu("cpu", np.cpu, 0.1, kMaxCores);
      np.memory = p.Bytes("memory", np.memory, 64 * kMiB, kMaxBytes);
      np.nodes = p.Integer("nodes", np.nodes, 0, 100000);
      np.max_nodes = p.Integer("max_nodes", np.nodes, 0, 100000);
      np.provision_seconds = p.Duration("provision_seconds", np.provision_seconds, 0.0, 86400.0);
      if (np.max_nodes < np.nodes) p.Fail("max_nodes", "is below nodes");
      c->node_pools.push_back(np);
    }
  }
}

}  // namespace

int AppModel::ServiceIndex(const std::string& n) const {
  for (size_t i = 0; i < services.size(); ++i) {
    if (services[i].name == n) return static_cast<int>(i);
  }
  return -1;
}

StatusOr<AppModel> ParseAppModel(const std::string& yaml_text, const std::string& origin) {
  PP_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(yaml_text, origin));
  YamlReader r(root, origin);
  if (!root.IsMap()) return InvalidArgumentError(origin + ": expected a mapping at the top level");
  r.CheckKnownKeys({"name", "description", "network_hop_ms", "slo_ms", "services", "request_classes", "cluster"});
  AppModel app;
  app.source_path = origin;
  app.name = r.String("name", "", true);
  app.description = r.String("description", "");
  app.network_hop_ms = r.Number("network_hop_ms", 0.5, 0.0, 10000.0);
  app.slo_ms = r.Number("slo_ms", 200.0, 0.1, 3600e3);

  YamlReader services = r.Child("services");
  if (!services.node().IsSequence() || services.Size() == 0) {
    services.Fail("", "expected a non-empty list of services");
    return r.status();
  }
  std::set<std::string> names;
  for (size_t i = 0; i < services.Size(); ++i) {
    ServiceModel s;
    ReadService(services.Index(i), &s);
    if (!names.insert(s.name).second) services.Index(i).Fail("name", "'" + s.name + "' is defined twice");
    app.services.push_back(std::move(s));
  }
  PP_RETURN_IF_ERROR(r.status());

  YamlReader classes = r.Child("request_classes");
  if (!classes.node().IsSequence() || classes.Size() == 0) {
    classes.Fail("", "expected a non-empty list of request classes");
    return r.status();
  }
  double total_weight = 0;
  for (size_t i = 0; i < classes.Size(); ++i) {
    YamlReader c = classes.Index(i);
    c.CheckKnownKeys({"name", "weight", "slo_ms", "call", "description"});
    RequestClass rc;
    rc.name = c.String("name", "", true);
    rc.weight = c.Number("weight", 1.0, 0.0, 1e9);
    rc.slo_ms = c.Number("slo_ms", app.slo_ms, 0.1, 3600e3);
    if (!c.Has("call")) c.Fail("call", "required field is missing");
    else ReadCall(c.Child("call"), app, &rc.root, 0);
    total_weight += rc.weight;
    app.classes.push_back(std::move(rc));
  }
  PP_RETURN_IF_ERROR(r.status());
  if (!(total_weight > 0)) return InvalidArgumentError(origin + ": request_classes: weights sum to zero");
  for (auto& c : app.classes) c.weight /= total_weight;

  if (r.Has("cluster")) ReadCluster(r.Child("cluster"), &app.cluster);
  PP_RETURN_IF_ERROR(r.status());
  if (app.cluster.node_pools.empty()) app.cluster.node_pools.push_back(NodePool{"default"});

  // Every service's max replicas must fit somewhere, or scale-ups would pend forever unnoticed.
  for (const auto& s : app.services) {
    bool fits = false;
    for (const auto& p : app.cluster.node_pools) fits = fits || (s.requests.cpu <= p.cpu && s.requests.memory <= p.memory);
    if (!fits) {
      return InvalidArgumentError(origin + ": services." + s.name +
                                  ".requests: larger than any node pool's allocatable resources");
    }
  }
  return app;
}

StatusOr<AppModel> LoadAppModel(const std::string& path) {
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseAppModel(text, path);
}

std::string ScenariosDir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("PODPILOT_SCENARIOS"); env && *env) return env;
  if (fs::is_directory("scenarios/apps")) return "scenarios";
  if (const char* src = std::getenv("PODPILOT_SOURCE_DIR"); src && *src) return std::string(src) + "/scenarios";
#ifdef PODPILOT_SOURCE_DIR_DEFAULT
  return std::string(PODPILOT_SOURCE_DIR_DEFAULT) + "/scenarios";
#else
  return "scenarios";
#endif
}

StatusOr<AppModel> LoadAppByName(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  if (name_or_path.find('/') != std::string::npos || fs::exists(name_or_path)) return LoadAppModel(name_or_path);
  std::string path = ScenariosDir() + "/apps/" + name_or_path + ".yaml";
  if (!fs::exists(path)) {
    std::string known;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(ScenariosDir() + "/apps", ec)) {
      if (e.path().extension() == ".yaml") known += (known.empty() ? "" : ", ") + e.path().stem().string();
    }
    return NotFoundError("unknown app '" + name_or_path + "' (no " + path + "; bundled apps: " +
                         (known.empty() ? "none found" : known) + ")");
  }
  return LoadAppModel(path);
}

}  // namespace podpilot
