#include "operator/target_observer.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "common/units.h"
#include "k8s/resources.h"
#include "operator/cluster_cache.h"
#include "operator/signal_reader.h"

namespace podpilot::op {
namespace {

using nlohmann::json;

// metav1.LabelSelector -> the string form list calls take ("app=web,tier in (a,b),!legacy").
StatusOr<std::string> SelectorString(const json& sel, const std::string& what) {
  std::string out;
  auto add = [&](const std::string& term) { out += (out.empty() ? "" : ",") + term; };
  const json labels = sel.value("matchLabels", json::object());  // items() must not outlive it
  for (const auto& [k, v] : labels.items()) add(k + "=" + v.get<std::string>());
  for (const auto& e : sel.value("matchExpressions", json::array())) {
    const std::string key = e.value("key", "");
    const std::string op = e.value("operator", "");
    std::string values;
    for (const auto& v : e.value("values", json::array())) values += (values.empty() ? "" : ",") + v.get<std::string>();
    if (op == "In") add(key + " in (" + values + ")");
    else if (op == "NotIn") add(key + " notin (" + values + ")");
    else if (op == "Exists") add(key);
    else if (op == "DoesNotExist") add("!" + key);
    else return InvalidArgumentError(what + ": selector operator '" + op + "' is unknown");
  }
  if (out.empty()) return InvalidArgumentError(what + ": empty selector (would match every pod)");
  return out;
}

bool PodReady(const json& pod, double* transition_s) {
  for (const auto& c : pod.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") != "Ready") continue;
    if (auto t = ParseRfc3339(c.value("lastTransitionTime", "")); t.ok()) *transition_s = *t;
    return c.value("status", "") == "True";
  }
  return false;
}

}  // namespace

namespace {

// Calls f(key, finished_s) for each OOM-killed termination of `pod` (current or last state of
// every container; the kubelet keeps one of each, so older kills are not visible). The key names
// the pod by uid (a StatefulSet's pod recreated under its old name is another pod) and the
// termination by its container ID where the runtime gave one (two kills in one second differ).
template <typename F>
void ForEachOomKill(const json& pod, F f) {
  const json& st = pod.value("status", json::object());
  const json& meta = pod.value("metadata", json::object());
  const std::string pod_name = meta.value("uid", meta.value("name", ""));
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const auto& c : st.value(list, json::array())) {
      for (const char* which : {"state", "lastState"}) {
        const json& term = c.value(which, json::object()).value("terminated", json::object());
        if (term.value("reason", "") != "OOMKilled") continue;
        const std::string finished = term.value("finishedAt", "");
        auto at = ParseRfc3339(finished);
        if (at.ok()) f(pod_name + "/" + c.value("name", "") + "/" + finished + "/" + term.value("containerID", ""), *at);
      }
    }
  }
}

}  // namespace

int CountOomKills(const nlohmann::json& pod, double since_s, double until_s) {
  std::set<std::string> seen;  // one termination may be both the state and, later, the lastState
  ForEachOomKill(pod, [&](const std::string& key, double at) {
    if (at > since_s && at <= until_s) seen.insert(key);
  });
  return static_cast<int>(seen.size());
}

int CountNewOomKills(const nlohmann::json& pod, double now_s, double interval_s, OomKillLedger* ledger) {
  int kills = 0;
  ForEachOomKill(pod, [&](const std::string& key, double at) {
    if (at <= now_s - kOomLookbackS || !ledger->seen.emplace(key, at).second) return;
    if (ledger->primed || at > now_s - interval_s) ++kills;
  });
  return kills;
}

double TypicalStartupSeconds(const Observation& o, double fallback) {
  double slowest = -1;
  for (const TargetObservation& t : o.targets) {
    std::vector<double> startups;
    for (const PodSample& p : t.pods) {
      const double d = p.ready_transition_s - p.start_time_s;
      if (p.ready && !p.deleting && p.start_time_s >= 0 && d > 0 && d <= 900) startups.push_back(d);
    }
    if (startups.empty()) continue;
    auto mid = startups.begin() + static_cast<std::ptrdiff_t>(startups.size() / 2);
    std::nth_element(startups.begin(), mid, startups.end());
    slowest = std::max(slowest, *mid);
  }
  return slowest < 0 ? fallback : slowest;
}

void PruneOomKillLedger(double now_s, OomKillLedger* ledger) {
  for (auto it = ledger->seen.begin(); it != ledger->seen.end();) {
    it = it->second <= now_s - kOomLookbackS ? ledger->seen.erase(it) : std::next(it);
  }
}

StatusOr<double> ParseRfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return InvalidArgumentError("not an RFC 3339 time: '" + text + "'");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  double frac = 0;
  size_t i = static_cast<size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, scale /= 10) frac += (text[i] - '0') * scale;
  }
  double offset = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return InvalidArgumentError("bad zone in '" + text + "'");
    offset = (text[i] == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
  } else if (i >= text.size() || (text[i] != 'Z' && text[i] != 'z')) {
    return InvalidArgumentError("no time zone in '" + text + "'");
  }
  return static_cast<double>(timegm(&tm)) + frac - offset;
}

Resources SumContainerResources(const json& pod_spec, const char* field) {
  Resources sum;
  for (const auto& c : pod_spec.value("containers", json::array())) {
    const json& res = c.value("resources", json::object()).value(field, json::object());
    if (res.contains("cpu")) {
      if (auto v = ParseCpu(res["cpu"].get<std::string>()); v.ok()) sum.cpu += *v;
    }
    if (res.contains("memory")) {
      if (auto v = ParseBytes(res["memory"].get<std::string>()); v.ok()) sum.memory += *v;
    }
  }
  return sum;
}

StatusOr<ObservationResult> ObserveTargets(const k8s::KubeClient& kube, const prom::PrometheusClient* prom,
                                           const AutoscalerSpec& spec, double now, const ObserverOptions& options) {
  ObservationResult r;
  Observation& o = r.observation;
  o.time_s = now;
  o.control_interval_s = options.control_interval_s;
  {
    const ZoneClock::LocalTime local = spec.time_zone.At(now);  // resolved when the spec was parsed
    o.time_of_day_s = local.time_of_day_s;
    o.day_of_week = local.day_of_week;
  }
  const std::string& ns = spec.namespace_;
  double window_s = 0;
  // Kills are recorded here and kept only if the observation succeeds: one that fails midway
  // reports nothing, so the kills it saw must stay new for the next one.
  OomKillLedger ledger = options.oom_ledger != nullptr ? *options.oom_ledger : OomKillLedger{};
  for (const TargetRef& ref : spec.targets) {
    const std::string what = fmt::format("{} {}/{}", ref.kind, ns, ref.name);
    const bool cached = options.cache != nullptr && options.cache->Synced();
    const k8s::ResourceType* type = k8s::ScalableWorkload(ref.kind);
    if (type == nullptr) return InvalidArgumentError(what + ": not a scalable workload kind");
    // Deployments come from the watch-fed cache; StatefulSets and ReplicaSets (rarer targets) are
    // read from the API server. All three have the same spec.replicas/selector/template shape.
    auto dep = cached && type == &k8s::Deployments() ? options.cache->GetDeployment(ns, ref.name)
                                                      : kube.Get(type->Path(ns, ref.name));
    if (!dep.ok()) return Status(dep.status().code(), what + ": " + dep.status().message());
    const json& d = *dep;
    TargetObservation t;
    t.name = ref.name;
    t.min_replicas = ref.min_replicas;
    t.max_replicas = ref.max_replicas;
    t.replicas_spec = d.value("spec", json::object()).value("replicas", 1);
    const json& pod_spec = d["spec"].value("template", json::object()).value("spec", json::object());
    t.requests = SumContainerResources(pod_spec, "requests");
    t.limits = SumContainerResources(pod_spec, "limits");
    auto selector = SelectorString(d["spec"].value("selector", json::object()), what);
    if (!selector.ok()) return selector.status();
    r.targets.push_back({d["metadata"].value("resourceVersion", ""), *selector});

    StatusOr<json> pods = json::object();
    if (cached) {
      (*pods)["items"] = options.cache->ListPods(ns, d["spec"].value("selector", json::object()));
    } else {
      pods = k8s::ListPods(kube, ns, *selector);
    }
    if (!pods.ok()) return Status(pods.status().code(), what + " pods: " + pods.status().message());
    std::map<std::string, size_t> index;  // pod name -> t.pods index
    for (const auto& p : pods->value("items", json::array())) {
      PodSample s;
      const json& st = p.value("status", json::object());
      const std::string phase = st.value("phase", "Pending");
      s.phase = phase == "Running" ? PodSample::Phase::kRunning
                : (phase == "Failed" || phase == "Succeeded") ? PodSample::Phase::kFailed
                                                              : PodSample::Phase::kPending;
      s.deleting = p["metadata"].contains("deletionTimestamp");
      s.ready = PodReady(p, &s.ready_transition_s);
      if (auto started = ParseRfc3339(st.value("startTime", "")); started.ok()) s.start_time_s = *started;
      const bool scheduled = !p.value("spec", json::object()).value("nodeName", "").empty();
      if (!s.deleting && s.phase != PodSample::Phase::kFailed) {
        if (s.ready) ++t.replicas_ready;
        else if (scheduled) ++t.replicas_starting;
        else ++t.replicas_pending;
      }
      t.oom_kills += options.oom_ledger != nullptr
                         ? CountNewOomKills(p, now, options.control_interval_s, &ledger)
                         : CountOomKills(p, now - options.control_interval_s, now);
      index[p["metadata"].value("name", "")] = t.pods.size();
      t.pods.push_back(s);
    }

    // metrics.k8s.io, as the HPA's resource metrics client reads it.
    double cpu_sum = 0, mem_sum = 0;
    int sampled_ready = 0;
    // One PodMetrics object -> the pod's sample (false if it cannot be read).
    auto apply_metrics = [&](const json& m) {
      auto it = index.find(m["metadata"].value("name", ""));
      if (it == index.end()) return;  // a pod gone since the list
      PodSample& s = t.pods[it->second];
      double cpu = 0, mem = 0;
      for (const auto& c : m.value("containers", json::array())) {
        const json& u = c.value("usage", json::object());
        auto cv = ParseCpu(u.value("cpu", "0"));
        auto mv = ParseBytes(u.value("memory", "0"));
        if (!cv.ok() || !mv.ok()) return;
        cpu += *cv;
        mem += *mv;
      }
      auto ts = ParseRfc3339(m.value("timestamp", ""));
      auto window = ParseDuration(m.value("window", "30s"));
      if (!ts.ok() || !window.ok()) return;
      s.has_metrics = true;
      s.cpu_usage = cpu;
      s.memory_usage = mem;
      s.metric_window_start_s = *ts - *window;
      if (window_s == 0) window_s = *window;
      if (s.ready && !s.deleting) {
        cpu_sum += cpu;
        mem_sum += mem;
        ++sampled_ready;
      }
    };
    Status metrics_status;
    if (cached) {
      // The namespace's metrics by pod name, shared with other reconciles (no copy).
      auto by_name = options.cache->PodMetrics(ns);
      if (by_name.ok()) {
        for (const auto& [name, i] : index) {
          auto m = (*by_name)->find(name);
          if (m != (*by_name)->end()) apply_metrics(m->second);
        }
      } else {
        metrics_status = by_name.status();
      }
    } else {
      // metrics.k8s.io, as the HPA's resource metrics client reads it.
      auto metrics = kube.Get("/apis/metrics.k8s.io/v1beta1/namespaces/" + ns + "/pods" +
                              k8s::QueryString({{"labelSelector", *selector}}));
      if (metrics.ok()) {
        for (const auto& m : metrics->value("items", json::array())) apply_metrics(m);
      } else {
        metrics_status = metrics.status();
      }
    }
    if (!metrics_status.ok()) {
      r.metrics_api_ok = false;
      r.signal_errors.push_back("metrics.k8s.io for " + what + ": " + metrics_status.ToString());
    }
    if (sampled_ready > 0) {
      t.cpu_usage = cpu_sum / sampled_ready;
      t.memory_usage = mem_sum / sampled_ready;
      if (t.requests.cpu > 0) t.cpu_utilization = t.cpu_usage / t.requests.cpu;
      if (t.requests.memory > 0) t.memory_utilization = t.memory_usage / t.requests.memory;
    }
    if (!options.want_pod_samples) t.pods.clear();
    o.targets.push_back(std::move(t));
  }
  o.metrics_window_s = window_s > 0 ? window_s : 30.0;
  if (options.oom_ledger != nullptr) {
    PruneOomKillLedger(now, &ledger);
    ledger.primed = true;
    *options.oom_ledger = std::move(ledger);
  }

  SignalErrors signal_errors;
  SignalReader signals(prom, &signal_errors);
  if (auto rate = signals.Read("spec.signals.requestRateQuery", spec.request_rate_query)) {
    o.request_rate = *rate;
    // The group's entry traffic arrives at its first target (the HPA's External metric reads it).
    if (!o.targets.empty()) o.targets[0].request_rate = *rate;
  }
  if (auto lat = signals.Read("spec.policy.slo.query", spec.slo.query)) {
    o.latency_p95_ms = *lat;
    ClassObservation c;
    c.name = "slo";
    c.latency_p95_ms = *lat;
    c.slo_ms = spec.slo.latency_ms;
    c.request_rate = o.request_rate;
    c.slo_attainment = *lat <= spec.slo.latency_ms ? 1.0 : 0.0;
    o.slo_attainment = c.slo_attainment;
    o.classes.push_back(c);
    if (!o.targets.empty()) o.targets[0].latency_p95_ms = *lat;
  }
  if (auto att = signals.Read("spec.policy.slo.attainmentQuery", spec.slo.attainment_query)) {
    if (*att < 0 || *att > 1.05) {
      // Not a fraction: a percentage, or another quantity altogether.
      signal_errors.prometheus_ok = false;
      signal_errors.failed_fields.insert("spec.policy.slo.attainmentQuery");
      signal_errors.messages.push_back(fmt::format("spec.policy.slo.attainmentQuery: returned {:g}, not a fraction in [0, 1]: {}",
                                            *att, spec.slo.attainment_query));
    } else {
      // The fraction of requests within the SLO, as the simulator reports it (a ratio of two
      // rates taken at slightly different instants can stray a little past 1).
      o.slo_attainment = std::min(*att, 1.0);
      for (ClassObservation& c : o.classes) c.slo_attainment = o.slo_attainment;
    }
  }
  // Each target's own signals, where configured (they take precedence over the group's above).
  const PerTargetQueries& per = spec.per_target;
  const std::pair<const char*, const std::string*> queries[] = {{"requestRate", &per.request_rate},
                                                                {"latencyP95Ms", &per.latency_p95_ms},
                                                                {"errorRate", &per.error_rate},
                                                                {"inFlight", &per.in_flight}};
  for (TargetObservation& t : o.targets) {
    double* fields[] = {&t.request_rate, &t.latency_p95_ms, &t.error_rate, &t.in_flight};
    for (size_t k = 0; k < std::size(queries); ++k) {
      if (queries[k].second->empty()) continue;
      const std::string field = std::string("spec.signals.perTarget.") + queries[k].first;
      auto v = signals.Read(field, ExpandTargetQuery(*queries[k].second, t.name, spec.namespace_), field + " for " + t.name);
      if (v) *fields[k] = *v;
    }
  }
  r.prometheus_ok = signal_errors.prometheus_ok;
  r.failed_fields = std::move(signal_errors.failed_fields);
  r.signal_errors.insert(r.signal_errors.end(), signal_errors.messages.begin(), signal_errors.messages.end());
  return r;
}

}  // namespace podpilot::op
