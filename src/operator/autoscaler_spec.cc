#include "operator/autoscaler_spec.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "common/units.h"
#include "eval/policy_registry.h"
#include "k8s/resources.h"

namespace podpilot::op {
namespace {

using nlohmann::json;

Status FieldError(const std::string& path, const std::string& what) {
  return InvalidArgumentError(path + ": " + what);
}

std::string Show(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Reads an optional integer field; `fallback` when absent.
StatusOr<int> OptInt(const json& obj, const char* key, const std::string& path, int fallback, int lo, int hi) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return fallback;
  const json& v = obj[key];
  if (!v.is_number_integer()) return FieldError(path + "." + key, "'" + Show(v) + "' is not an integer");
  const int64_t n = v.get<int64_t>();
  if (n < lo || n > hi) return FieldError(path + "." + key, fmt::format("{} is outside [{}, {}]", n, lo, hi));
  return static_cast<int>(n);
}

StatusOr<std::string> OptString(const json& obj, const char* key, const std::string& path, const std::string& fallback) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return fallback;
  if (!obj[key].is_string()) return FieldError(path + "." + key, "'" + Show(obj[key]) + "' is not a string");
  return obj[key].get<std::string>();
}

// A value that goes into a policy spec string must not break its "k=v,k=v" syntax.
Status CheckSpecValue(const std::string& path, const std::string& v) {
  if (v.empty() || v.find_first_of(",=:; \t\n") != std::string::npos) {
    return FieldError(path, "'" + v + "' is empty or contains one of , = : ; or whitespace");
  }
  return Status::Ok();
}

// Quantity as written in autoscaling/v2 (a string like "500m" or a number).
StatusOr<std::string> QuantityText(const json& v, const std::string& path) {
  std::string s;
  if (v.is_string()) {
    s = v.get<std::string>();
  } else if (v.is_number()) {
    s = fmt::format("{}", v.get<double>());
  } else {
    return FieldError(path, "'" + Show(v) + "' is not a quantity");
  }
  if (auto st = CheckSpecValue(path, s); !st.ok()) return st;
  return s;
}

// A metric's policy keys (e.g. "rps=50") if the HPA rule accepts them alone, else an error naming
// the field: the CRD's schema cannot range-check quantity strings, and a value the rule refuses
// (rps=1e9) would otherwise pass parsing and fail every reconcile after its queries ran.
StatusOr<std::string> AcceptedByHpa(std::string keys, const std::string& value_path) {
  auto hpa = MakePolicy("hpa:" + keys);
  if (!hpa.ok()) return FieldError(value_path, hpa.status().message());
  return keys;
}

StatusOr<std::string> MetricKeys(const json& m, const std::string& path) {
  if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
    return FieldError(path + ".type", "missing (want Resource, Pods or External)");
  }
  const std::string type = m["type"];
  if (type == "Resource") {
    const json& r = m.value("resource", json::object());
    const std::string name = r.value("name", "");
    const json& t = r.value("target", json::object());
    const std::string ttype = t.value("type", "");
    if (name != "cpu" && name != "memory") {
      return FieldError(path + ".resource.name", "'" + name + "' is not supported (want cpu or memory)");
    }
    if (ttype == "Utilization") {
      auto u = OptInt(t, "averageUtilization", path + ".resource.target", -1, 1, 1000);
      if (!u.ok()) return u.status();
      if (*u < 0) return FieldError(path + ".resource.target.averageUtilization", "missing for type Utilization");
      return AcceptedByHpa(fmt::format("{}={}", name, *u), path + ".resource.target.averageUtilization");
    }
    if (ttype == "AverageValue") {
      if (!t.contains("averageValue")) return FieldError(path + ".resource.target.averageValue", "missing for type AverageValue");
      auto q = QuantityText(t["averageValue"], path + ".resource.target.averageValue");
      if (!q.ok()) return q.status();
      return AcceptedByHpa(fmt::format("{}_avg={}", name, *q), path + ".resource.target.averageValue");
    }
    return FieldError(path + ".resource.target.type", "'" + ttype + "' is not supported for a Resource metric (want Utilization or AverageValue)");
  }
  if (type == "Pods" || type == "External") {
    const json& src = m.value(type == "Pods" ? "pods" : "external", json::object());
    const std::string name = src.value("metric", json::object()).value("name", "");
    const json& t = src.value("target", json::object());
    const std::string ttype = t.value("type", "");
    const std::string tpath = path + (type == "Pods" ? ".pods" : ".external") + ".target";
    const char* value_key = ttype == "Value" ? "value" : "averageValue";
    if (!t.contains(value_key)) return FieldError(tpath + "." + value_key, "missing");
    auto text = QuantityText(t[value_key], tpath + "." + value_key);
    if (!text.ok()) return text.status();
    // A Kubernetes quantity ("500m", "2k") as the plain number the policy keys take.
    auto number = ParseBytes(*text);
    if (!number.ok()) return FieldError(tpath + "." + value_key, "'" + *text + "' is not a quantity (want e.g. 50, 500m or 2k)");
    // 15 digits: "700m" is 0.7, not 0.7000000000000001 (the suffix's factor is inexact).
    auto q = StatusOr<std::string>(fmt::format("{:.15g}", *number));
    if (type == "Pods") {
      static const std::pair<const char*, const char*> kPodsMetrics[] = {
          {"requests_per_second", "rps"}, {"latency_p95_ms", "latency_ms"}, {"in_flight", "inflight"}};
      for (const auto& [metric, key] : kPodsMetrics) {
        if (name == metric && ttype == "AverageValue") return AcceptedByHpa(fmt::format("{}={}", key, *q), tpath + ".averageValue");
      }
      return FieldError(path + ".pods", "metric '" + name + "' with target type '" + ttype +
                                            "' is not supported (want requests_per_second, latency_p95_ms or "
                                            "in_flight with AverageValue)");
    }
    if (name == "request_rate" && ttype == "AverageValue") return AcceptedByHpa("ext_rps=" + *q, tpath + ".averageValue");
    if (name == "request_rate" && ttype == "Value") return AcceptedByHpa("ext_rps_total=" + *q, tpath + ".value");
    return FieldError(path + ".external", "metric '" + name + "' with target type '" + ttype +
                                              "' is not supported (want request_rate with AverageValue or Value)");
  }
  return FieldError(path + ".type", "'" + type + "' is not supported yet (want Resource, Pods or External)");
}

StatusOr<std::string> BehaviorKeys(const json& rules, const char* dir, const std::string& path) {
  std::string keys;
  if (!rules.is_object()) return keys;
  auto window = OptInt(rules, "stabilizationWindowSeconds", path, -1, 0, 3600);
  if (!window.ok()) return window.status();
  if (*window >= 0) keys += fmt::format(",{}_window={}s", dir, *window);
  if (rules.contains("selectPolicy")) {
    const std::string sel = Show(rules["selectPolicy"]);
    if (sel != "Max" && sel != "Min" && sel != "Disabled") {
      return FieldError(path + ".selectPolicy", "'" + sel + "' (want Max, Min or Disabled)");
    }
    keys += fmt::format(",{}_select={}", dir, sel == "Max" ? "max" : sel == "Min" ? "min" : "disabled");
  }
  if (rules.contains("policies") && rules["policies"].is_array()) {
    bool pods = false, percent = false;
    int period = -1;
    for (size_t i = 0; i < rules["policies"].size(); ++i) {
      const json& p = rules["policies"][i];
      const std::string ppath = fmt::format("{}.policies[{}]", path, i);
      const std::string type = p.value("type", "");
      auto value = OptInt(p, "value", ppath, -1, 1, 100000);
      if (!value.ok()) return value.status();
      auto per = OptInt(p, "periodSeconds", ppath, 15, 1, 1800);
      if (!per.ok()) return per.status();
      if (*value < 0) return FieldError(ppath + ".value", "missing");
      if (period >= 0 && *per != period) {
        return FieldError(ppath + ".periodSeconds", fmt::format("{} differs from {} of an earlier policy (one period per direction is supported)", *per, period));
      }
      period = *per;
      if (type == "Pods" && !pods) {
        pods = true;
        keys += fmt::format(",{}_pods={}", dir, *value);
      } else if (type == "Percent" && !percent) {
        percent = true;
        keys += fmt::format(",{}_percent={}", dir, *value);
      } else {
        return FieldError(ppath + ".type", "'" + type + "' (want Pods or Percent, at most one of each)");
      }
    }
    if (period >= 0) keys += fmt::format(",{}_period={}s", dir, period);
  }
  return keys;
}

// The operator feeds the HPA rule's Pods and External metrics from what it observes
// (target_observer.h): the request rate from spec.signals.requestRateQuery, given to the group
// and to its first target; the latency from spec.policy.slo.query, given to the first target;
// each target's rate, latency and requests in flight from spec.signals.perTarget. A metric
// without its source would read 0 on every pod and the rule would scale the target down to its
// minimum, where the upstream HPA, failing to fetch it, holds. So such a spec is refused here,
// naming the metric and the field it needs.
Status CheckMetricSources(const json& metrics, const AutoscalerSpec& s) {
  if (!metrics.is_array()) return Status::Ok();
  const bool group = s.targets.size() > 1;
  for (size_t i = 0; i < metrics.size(); ++i) {
    const json& m = metrics[i];
    const std::string type = m.value("type", "");
    if (type != "Pods" && type != "External") continue;
    const std::string path = fmt::format("spec.metrics[{}].{}", i, type == "Pods" ? "pods" : "external");
    const std::string name =
        m.value(type == "Pods" ? "pods" : "external", json::object()).value("metric", json::object()).value("name", "");
    if (name == "in_flight" && s.per_target.in_flight.empty()) {
      return FieldError(path + ".metric.name",
                        "'in_flight' needs spec.signals.perTarget.inFlight (requests in flight are read from "
                        "Prometheus; without it every pod would read 0 and the target would scale to its minimum)");
    }
    const bool pods = type == "Pods";
    const bool rate = name == "requests_per_second" || name == "request_rate";
    const bool latency = name == "latency_p95_ms";
    // Pods metrics per target: each target's own query, or for a single target the group's.
    const bool rate_per_target = !s.per_target.request_rate.empty();
    const bool latency_per_target = !s.per_target.latency_p95_ms.empty();
    if (rate && s.request_rate_query.empty() && !(pods && rate_per_target)) {
      return FieldError(path + ".metric.name",
                        "'" + name + "' needs spec.signals.requestRateQuery" +
                            (pods ? " or spec.signals.perTarget.requestRate" : "") +
                            " (the request rate is read from Prometheus; without it every pod would read 0)");
    }
    if (latency && s.slo.query.empty() && !latency_per_target) {
      return FieldError(path + ".metric.name",
                        "'latency_p95_ms' needs spec.policy.slo.query or spec.signals.perTarget.latencyP95Ms (the "
                        "latency is read from Prometheus; without it every pod would read 0)");
    }
    if (pods && group && ((rate && !rate_per_target) || (latency && !latency_per_target))) {
      return FieldError(path + ".metric.name",
                        fmt::format("'{}' is observed for the group's first target only; a group of {} targets "
                                    "cannot scale each of them on it (give spec.signals.perTarget.{}, or use cpu or "
                                    "an External request_rate)",
                                    name, s.targets.size(), rate ? "requestRate" : "latencyP95Ms"));
    }
  }
  return Status::Ok();
}

}  // namespace

namespace {

bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The name of the variable that starts at query[i] == '$' ("" if none: "$" then no identifier).
std::string VariableAt(const std::string& query, size_t i) {
  size_t end = i + 1;
  while (end < query.size() && IsIdentifierChar(query[end])) ++end;
  return query.substr(i + 1, end - i - 1);
}

// Every "$name" of a per-target template must be $target or $namespace (a Grafana-style
// $__rate_interval or ${target} would reach Prometheus as is and fail there, or match nothing),
// and $target must be among them (one query for every target would give each the same number).
Status CheckTemplateVariables(const std::string& query, const std::string& path) {
  bool uses_target = false;
  for (size_t i = query.find('$'); i != std::string::npos; i = query.find('$', i + 1)) {
    const std::string name = VariableAt(query, i);
    const bool braced = i + 1 < query.size() && query[i + 1] == '{';
    // A "$" before anything else is PromQL's own (a regex end anchor): left as it is.
    if (braced || (!name.empty() && name != "target" && name != "namespace")) {
      return FieldError(path, "'" + query + "' uses $" + (braced ? std::string("{") : name) +
                                  "; the only variables are $target and $namespace");
    }
    uses_target = uses_target || name == "target";
  }
  if (!uses_target) {
    return FieldError(path, "'" + query + "' does not contain $target (it is read once per target, with $target "
                            "replaced by the target's name)");
  }
  return Status::Ok();
}

}  // namespace

std::string ExpandTargetQuery(const std::string& query, const std::string& target, const std::string& ns) {
  std::string out;
  out.reserve(query.size() + target.size());
  for (size_t i = 0; i < query.size();) {
    const std::string name = query[i] == '$' ? VariableAt(query, i) : "";
    if (name == "target" || name == "namespace") {
      out += name == "target" ? target : ns;
      i += 1 + name.size();
    } else {
      out += query[i++];
    }
  }
  return out;
}

StatusOr<std::string> HpaSpecFromV2(const json& metrics, const json& behavior) {
  std::string keys;
  if (metrics.is_array()) {
    std::map<std::string, size_t> seen;  // policy key ("cpu", "rps", ...) -> the metric giving it
    for (size_t i = 0; i < metrics.size(); ++i) {
      const std::string path = fmt::format("spec.metrics[{}]", i);
      auto k = MetricKeys(metrics[i], path);
      if (!k.ok()) return k.status();
      const std::string key = k->substr(0, k->find('='));
      if (auto [it, fresh] = seen.emplace(key, i); !fresh) {
        return FieldError(path, fmt::format("the same metric as spec.metrics[{}] (one target per metric)", it->second));
      }
      keys += "," + *k;
    }
  }
  if (behavior.is_object()) {
    keys += ",behavior=default";
    auto up = BehaviorKeys(behavior.value("scaleUp", json()), "scale_up", "spec.behavior.scaleUp");
    if (!up.ok()) return up.status();
    auto down = BehaviorKeys(behavior.value("scaleDown", json()), "scale_down", "spec.behavior.scaleDown");
    if (!down.ok()) return down.status();
    keys += *up + *down;
  }
  const std::string spec = keys.empty() ? std::string("hpa") : "hpa:" + keys.substr(1);
  // Each metric passed alone (above); together with the behavior, too, or the reconcile would
  // fail on every period where the parser could say so once.
  if (auto hpa = MakePolicy(spec); !hpa.ok()) return FieldError("spec", hpa.status().message());
  return spec;
}

StatusOr<AutoscalerSpec> ParseAutoscalerSpec(const json& object, const ParseOptions& options) {
  AutoscalerSpec s;
  const json& meta = object.value("metadata", json::object());
  s.namespace_ = meta.value("namespace", "");
  s.name = meta.value("name", "");
  s.uid = meta.value("uid", "");
  s.generation = meta.value("generation", int64_t{0});
  if (s.name.empty() || s.namespace_.empty()) return FieldError("metadata", "name and namespace are required");
  if (!object.contains("spec") || !object["spec"].is_object()) return FieldError("spec", "missing");
  const json& spec = object["spec"];

  auto min = OptInt(spec, "minReplicas", "spec", 1, 0, 100000);
  if (!min.ok()) return min.status();
  auto max = OptInt(spec, "maxReplicas", "spec", -1, 1, 100000);
  if (!max.ok()) return max.status();
  if (*max < 0) return FieldError("spec.maxReplicas", "missing");
  if (*min > *max) return FieldError("spec.minReplicas", fmt::format("{} exceeds maxReplicas {}", *min, *max));

  auto parse_ref = [&](const json& ref, const std::string& path, bool group) -> StatusOr<TargetRef> {
    TargetRef t;
    if (!ref.is_object()) return FieldError(path, "not an object");
    auto kind = OptString(ref, "kind", path, "");
    if (!kind.ok()) return kind.status();
    if (k8s::ScalableWorkload(*kind) == nullptr) {
      return FieldError(path + ".kind", "'" + *kind + "' is not supported (want Deployment, StatefulSet or ReplicaSet)");
    }
    auto api_version = OptString(ref, "apiVersion", path, "apps/v1");
    if (!api_version.ok()) return api_version.status();
    if (*api_version != "apps/v1") return FieldError(path + ".apiVersion", "'" + *api_version + "' (want apps/v1)");
    t.kind = *kind;
    auto name = OptString(ref, "name", path, "");
    if (!name.ok()) return name.status();
    if (name->empty()) return FieldError(path + ".name", "missing");
    t.name = *name;
    auto tmin = OptInt(ref, "minReplicas", path, *min, 0, 100000);
    if (!tmin.ok()) return tmin.status();
    auto tmax = OptInt(ref, "maxReplicas", path, *max, 1, 100000);
    if (!tmax.ok()) return tmax.status();
    if (*tmin > *tmax) return FieldError(path + ".minReplicas", fmt::format("{} exceeds maxReplicas {}", *tmin, *tmax));
    (void)group;
    t.min_replicas = *tmin;
    t.max_replicas = *tmax;
    return t;
  };
  const bool has_ref = spec.contains("scaleTargetRef") && !spec["scaleTargetRef"].is_null();
  const bool has_group = spec.contains("targets") && spec["targets"].is_array() && !spec["targets"].empty();
  if (has_ref == has_group) return FieldError("spec", "set exactly one of scaleTargetRef or targets");
  if (has_ref) {
    auto t = parse_ref(spec["scaleTargetRef"], "spec.scaleTargetRef", false);
    if (!t.ok()) return t.status();
    s.targets.push_back(*t);
  } else {
    for (size_t i = 0; i < spec["targets"].size(); ++i) {
      auto t = parse_ref(spec["targets"][i], fmt::format("spec.targets[{}]", i), true);
      if (!t.ok()) return t.status();
      for (const auto& other : s.targets) {
        if (other.name == t->name) return FieldError(fmt::format("spec.targets[{}].name", i), "'" + t->name + "' is listed twice");
      }
      s.targets.push_back(*t);
    }
  }

  auto mode = OptString(spec, "mode", "spec", "Shadow");
  if (!mode.ok()) return mode.status();
  if (*mode == "Active") {
    s.mode = Mode::kActive;
  } else if (*mode == "Shadow") {
    s.mode = Mode::kShadow;
  } else {
    return FieldError("spec.mode", "'" + *mode + "' (want Active or Shadow)");
  }

  auto zone = OptString(spec, "timeZone", "spec", "UTC");
  if (!zone.ok()) return zone.status();
  auto clock = ZoneClock::Find(*zone);
  if (!clock.ok()) return FieldError("spec.timeZone", clock.status().message());
  s.time_zone = *clock;

  auto hpa = HpaSpecFromV2(spec.value("metrics", json()), spec.value("behavior", json()));
  if (!hpa.ok()) return hpa.status();
  s.hpa_spec = *hpa;

  const json& rl = spec.value("rateLimits", json::object());
  auto up = OptInt(rl, "maxScaleUpPerMinute", "spec.rateLimits", 0, 1, 100000);
  if (!up.ok()) return up.status();
  auto down = OptInt(rl, "maxScaleDownPerMinute", "spec.rateLimits", 0, 1, 100000);
  if (!down.ok()) return down.status();
  s.rate_limits = {*up, *down};

  if (spec.contains("signals") && spec["signals"].is_object()) {
    auto q = OptString(spec["signals"], "requestRateQuery", "spec.signals", "");
    if (!q.ok()) return q.status();
    s.request_rate_query = *q;
    const json& per = spec["signals"].value("perTarget", json::object());
    const std::pair<const char*, std::string*> fields[] = {{"requestRate", &s.per_target.request_rate},
                                                           {"latencyP95Ms", &s.per_target.latency_p95_ms},
                                                           {"errorRate", &s.per_target.error_rate},
                                                           {"inFlight", &s.per_target.in_flight}};
    for (const auto& [key, out] : fields) {
      auto t = OptString(per, key, "spec.signals.perTarget", "");
      if (!t.ok()) return t.status();
      if (!t->empty()) PP_RETURN_IF_ERROR(CheckTemplateVariables(*t, std::string("spec.signals.perTarget.") + key));
      *out = *t;
    }
  }

  const json& policy = spec.value("policy", json{{"type", "Hpa"}});
  auto type = OptString(policy, "type", "spec.policy", "Hpa");
  if (!type.ok()) return type.status();
  std::string extra;  // spec.policy.parameters as ",k=v" in key order
  if (policy.contains("parameters") && policy["parameters"].is_object()) {
    for (const auto& [k, v] : policy["parameters"].items()) {
      const std::string path = "spec.policy.parameters." + k;
      if (auto st = CheckSpecValue(path, k); !st.ok()) return st;
      if (!v.is_string()) return FieldError(path, "'" + v.dump() + "' is not a string");
      if (auto st = CheckSpecValue(path, v.get<std::string>()); !st.ok()) return st;
      extra += "," + k + "=" + v.get<std::string>();
    }
  }
  if (policy.contains("slo") && policy["slo"].is_object()) {
    const json& slo = policy["slo"];
    if (!slo.contains("latencyMs") || !slo["latencyMs"].is_number() || !(slo["latencyMs"].get<double>() > 0)) {
      return FieldError("spec.policy.slo.latencyMs", "'" + Show(slo.value("latencyMs", json())) + "' is not a positive number");
    }
    s.slo.latency_ms = slo["latencyMs"].get<double>();
    s.slo.percentile = slo.value("percentile", 95.0);
    auto q = OptString(slo, "query", "spec.policy.slo", "");
    if (!q.ok()) return q.status();
    s.slo.query = *q;
    auto a = OptString(slo, "attainmentQuery", "spec.policy.slo", "");
    if (!a.ok()) return a.status();
    s.slo.attainment_query = *a;
  }
  if (auto st = CheckMetricSources(spec.value("metrics", json()), s); !st.ok()) return st;
  for (const auto& m : spec.value("metrics", json::array())) {
    const std::string mtype = m.is_object() ? m.value("type", "") : "";
    if (mtype != "Pods" && mtype != "External") continue;
    const std::string mname =
        m.value(mtype == "Pods" ? "pods" : "external", json::object()).value("metric", json::object()).value("name", "");
    const bool pods = mtype == "Pods";
    if (mname == "requests_per_second" || mname == "request_rate") {  // as CheckMetricSources resolves them
      s.hpa_prometheus_fields.insert(pods && !s.per_target.request_rate.empty() ? "spec.signals.perTarget.requestRate"
                                                                                 : "spec.signals.requestRateQuery");
    } else if (mname == "latency_p95_ms") {
      s.hpa_prometheus_fields.insert(!s.per_target.latency_p95_ms.empty() ? "spec.signals.perTarget.latencyP95Ms"
                                                                           : "spec.policy.slo.query");
    } else if (mname == "in_flight") {
      s.hpa_prometheus_fields.insert("spec.signals.perTarget.inFlight");
    }
  }
  if (*type == "Hpa") {
    s.policy_type = PolicyType::kHpa;
    s.policy_spec = s.hpa_spec + (extra.empty() ? "" : (s.hpa_spec == "hpa" ? ":" + extra.substr(1) : extra));
  } else if (*type == "Predictive") {
    s.policy_type = PolicyType::kPredictive;
    s.policy_spec = "predictive" + (extra.empty() ? "" : ":" + extra.substr(1));
  } else if (*type == "Learned") {
    s.policy_type = PolicyType::kLearned;
    const json& model = policy.value("model", json::object());
    auto path = OptString(model, "path", "spec.policy.model", "");
    if (!path.ok()) return path.status();
    if (model.contains("configMapRef")) {
      const json& cm = model["configMapRef"];
      s.model_config_map = cm.value("name", "");
      s.model_config_map_key = cm.value("key", "");
      if (s.model_config_map.empty() || s.model_config_map_key.empty()) {
        return FieldError("spec.policy.model.configMapRef", "needs name and key");
      }
      if (!path->empty()) return FieldError("spec.policy.model", "give path or configMapRef, not both");
    } else if (path->empty()) {
      return FieldError("spec.policy.model", "a Learned policy needs model.path or model.configMapRef");
    }
    if (!path->empty()) {
      std::filesystem::path p(*path);
      if (p.is_relative() && !options.model_dir.empty()) p = std::filesystem::path(options.model_dir) / p;
      s.model_path = p.lexically_normal().string();
      if (auto st = CheckSpecValue("spec.policy.model.path", s.model_path); !st.ok()) return st;
    }
    // A ConfigMap's model has no path: the reconciler reads its bytes and adds them
    // (MakeLearnedPolicyFromBytes with these parameters).
    s.policy_spec = (s.model_path.empty() ? std::string("learned:") : "learned:model=" + s.model_path + ",") + "fallback=hpa" + extra;
  } else {
    return FieldError("spec.policy.type", "'" + *type + "' (want Hpa, Predictive or Learned)");
  }
  return s;
}

}  // namespace podpilot::op
