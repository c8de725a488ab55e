#include "sim/exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "common/rng.h"
#include "sim/queueing.h"

namespace podpilot {
namespace {

// k8s.io/apimachinery/pkg/util/rand: the alphabet of generated names and pod-template-hashes
// (no vowels, so no words; no 0, 1, 3, which read like o, l, e).
constexpr std::string_view kSafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";
constexpr uint64_t kSuffixSpace = 27ULL * 27 * 27 * 27 * 27;  // 5 characters = 3^15
// Multiplier of the suffix permutation: coprime to 3^15, so ids below 3^15 map one to one.
constexpr uint64_t kSuffixMultiplier = 7368787;
static_assert(kSuffixMultiplier % 3 != 0);

// cAdvisor reports the CFS quota in microseconds per period; the kubelet's period is 100 ms.
constexpr double kCfsPeriodUs = 100000;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Encode(uint64_t v, int chars) {
  std::string out(static_cast<size_t>(chars), ' ');
  for (int i = chars - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kSafeAlphabet[v % kSafeAlphabet.size()];
    v /= kSafeAlphabet.size();
  }
  return out;
}

uint64_t DeploymentHash(const std::string& namespace_name, const std::string& deployment) {
  return Fnv1a(namespace_name + "/" + deployment);
}

// ---- text format writing ---------------------------------------------------------------------

void AppendValue(std::string* out, double v) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    // Shortest text that reads back as the same double.
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, res.ptr);
  }
}

std::string FormatNumber(double v) {
  std::string s;
  AppendValue(&s, v);
  return s;
}

// Appends `name="value"` (value escaped) to a comma-separated label list.
void AddLabel(std::string* labels, std::string_view name, const std::string& value) {
  if (!labels->empty()) *labels += ',';
  labels->append(name);
  *labels += "=\"";
  *labels += EscapeLabelValue(value);
  *labels += '"';
}

// HELP text escapes backslash and line feed only.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

class TextWriter {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_.append(name);
    out_ += ' ';
    out_ += EscapeHelp(help);
    out_ += "\n# TYPE ";
    out_.append(name);
    out_ += ' ';
    out_.append(type);
    out_ += '\n';
  }
  // `labels` is a rendered label list (see AddLabel); `extra` one more rendered label or empty.
  void Sample(std::string_view name, const std::string& labels, double value, const std::string& extra = {}) {
    out_.append(name);
    if (!labels.empty() || !extra.empty()) {
      out_ += '{';
      out_ += labels;
      if (!labels.empty() && !extra.empty()) out_ += ',';
      out_ += extra;
      out_ += '}';
    }
    out_ += ' ';
    AppendValue(&out_, value);
    out_ += '\n';
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Pods whose container exists for the kubelet: running, or exited and waiting to restart.
bool HasContainer(const Pod& p) {
  return p.state == PodState::kProbing || p.state == PodState::kReady || p.state == PodState::kBackOff;
}

}  // namespace

std::string PodTemplateHash(const std::string& namespace_name, const std::string& deployment, uint32_t version) {
  return Encode(Rng::Derive(DeploymentHash(namespace_name, deployment), version), 10);
}

std::string PodName(const std::string& namespace_name, const std::string& deployment, uint32_t version,
                    uint32_t pod_id) {
  const uint64_t offset = Rng::Derive(DeploymentHash(namespace_name, deployment), 0x9051) % kSuffixSpace;
  const uint64_t index = (static_cast<uint64_t>(pod_id) % kSuffixSpace * kSuffixMultiplier + offset) % kSuffixSpace;
  return deployment + "-" + PodTemplateHash(namespace_name, deployment, version) + "-" + Encode(index, 5);
}

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

MetricExposition::MetricExposition(const Simulator* sim, ExpositionOptions options)
    : sim_(sim), options_(std::move(options)) {}

std::string MetricExposition::NodeName(int node) const {
  return node < 0 ? std::string() : options_.node_prefix + "-" + std::to_string(node);
}

const MetricExposition::PodRecord* MetricExposition::FindPod(int s, uint32_t id) const {
  if (static_cast<size_t>(s) >= services_.size()) return nullptr;
  auto it = services_[s].pods.find(id);
  return it == services_[s].pods.end() ? nullptr : &it->second;
}

void MetricExposition::StartOver(bool count_this_tick) {
  const size_t n = sim_->app().services.size();
  services_.assign(n, ServiceRecord{});
  for (size_t s = 0; s < n; ++s) {
    // ServiceState::Reset zeroes the per-ready-pod CPU, so a run's first tick counts from 0.
    services_[s].prev_cpu_per_ready_pod =
        count_this_tick ? 0.0 : sim_->service(static_cast<int>(s)).cpu_seconds_per_ready_pod;
  }
}

void MetricExposition::Observe() {
  const double now = sim_->Now();
  if (now < 1) return;  // nothing has ticked since the last Reset
  bool count = true;
  if (last_now_ < 0 || now != last_now_ + 1) {
    count = now == 1;
    StartOver(count);
  }
  last_now_ = now;
  for (size_t s = 0; s < services_.size(); ++s) {
    AccumulateCpu(static_cast<int>(s), count ? now - 1 : -1);
    if (count) AccumulateRequests(static_cast<int>(s));
  }
}

// Splits the service's CPU of the tick over its pods exactly as Simulator::UpdateService spends
// it: the pods in the load balancer while the tick's traffic was served (including one OOM-killed
// at the end of that tick) share the ready CPU evenly, which is what cpu_seconds_per_ready_pod
// accumulates; probing pods burn their base CPU or startup burst (ServiceState::NotReadyCpu);
// pending, starting, backing-off and terminating pods burn none. `tick_s` < 0: baseline only.
void MetricExposition::AccumulateCpu(int s, double tick_s) {
  const ServiceState& svc = sim_->service(s);
  const ServiceModel& m = svc.model();
  ServiceRecord& rec = services_[s];
  const double now = sim_->Now();
  const double ready_share = svc.cpu_seconds_per_ready_pod - rec.prev_cpu_per_ready_pod;
  rec.prev_cpu_per_ready_pod = svc.cpu_seconds_per_ready_pod;
  for (const Pod& p : svc.pods()) {
    auto [it, inserted] = rec.pods.try_emplace(p.id);
    PodRecord& pr = it->second;
    if (inserted) {
      pr.name = PodName(options_.namespace_name, m.name, p.version, p.id);
      pr.replica_set = m.name + "-" + PodTemplateHash(options_.namespace_name, m.name, p.version);
    }
    pr.last_seen_s = now;
    if (p.state == PodState::kProbing || p.state == PodState::kReady || p.state == PodState::kBackOff) {
      pr.container_ran = true;
    }
    if (tick_s < 0) continue;
    const bool ready_in_tick =
        p.state == PodState::kReady || (p.state == PodState::kBackOff && p.ready_s == tick_s);
    if (ready_in_tick) {
      pr.cpu_seconds += ready_share;
    } else if (p.state == PodState::kProbing) {
      const double cores = tick_s < p.burst_until_s ? std::max(m.startup_cpu_cores, m.base_cpu) : m.base_cpu;
      pr.cpu_seconds += std::min(p.limits.cpu, cores);
    }
  }
  // Pods whose termination completed are gone from the API, and so are their series.
  std::erase_if(rec.pods, [now](const auto& kv) { return kv.second.last_seen_s != now; });
}

void MetricExposition::AccumulateRequests(int s) {
  const Simulator::ServiceTick& tk = sim_->last_tick()[s];
  ServiceRecord& rec = services_[s];
  const double visits = std::max(0.0, tk.visits);
  // Errors can exceed this tick's visits when queued work of earlier ticks is dropped; those
  // requests were counted when they arrived, so the excess turns later successes into errors and
  // the sum over response codes stays equal to the visits.
  const double owed = rec.carried_errors + std::max(0.0, tk.errors);
  const double failed = std::min(visits, owed);
  rec.carried_errors = owed - failed;
  const double ok = visits - failed;
  if (ok > 0) {
    CodeCounters& c = rec.codes[k200];
    c.seen = true;
    c.requests += ok;
    // The visit-weighted subtree moments of the tick, fitted by a gamma as the simulator does.
    const double mean = tk.subtree_mean_ms / visits;
    const double var = std::max(0.0, tk.subtree_m2 / visits - mean * mean);
    const double scv = mean > 0 ? std::max(1e-4, var / (mean * mean)) : 1.0;
    c.sum_ms += ok * mean;
    double below = 0;
    for (size_t b = 0; b < kIstioDurationBucketsMs.size(); ++b) {
      // Clamping to the previous bound keeps the buckets cumulative despite table interpolation.
      below = std::clamp(GammaWithinProbability(mean, scv, kIstioDurationBucketsMs[b]), below, 1.0);
      c.buckets[b] += ok * below;
    }
  }
  if (failed > 0) {
    // Simulator::UpdateService fails requests two ways: with no ready endpoint every visit fails
    // at once (Envoy's 503, flag UH); in overload (rho pinned at 1) work queued past the timeout is
    // dropped (504, flag UT), after waiting the timeout.
    const bool timeout = tk.rho >= 1.0;
    CodeCounters& c = rec.codes[timeout ? k504 : k503];
    const double latency_ms = timeout ? sim_->service(s).model().timeout_ms : 0.0;
    c.seen = true;
    c.requests += failed;
    c.sum_ms += failed * latency_ms;
    for (size_t b = 0; b < kIstioDurationBucketsMs.size(); ++b) {
      if (latency_ms <= kIstioDurationBucketsMs[b]) c.buckets[b] += failed;
    }
  }
}

std::string MetricExposition::Render() const {
  TextWriter w;
  const AppModel& app = sim_->app();
  const int n = static_cast<int>(app.services.size());
  const std::string& ns = options_.namespace_name;

  // Per pod: names and the label lists every pod family shares.
  struct PodView {
    const Pod* pod;
    int service;
    std::string name, replica_set, node;
    double cpu_seconds;
    bool container;  // the kubelet (cAdvisor) has a container for it
  };
  std::vector<PodView> pods;
  for (int s = 0; s < n; ++s) {
    const ServiceState& svc = sim_->service(s);
    const std::string& dep = svc.model().name;
    for (const Pod& p : svc.pods()) {
      PodView v{&p, s, {}, {}, NodeName(p.node), 0.0, HasContainer(p)};
      if (const PodRecord* r = FindPod(s, p.id)) {
        v.name = r->name;
        v.replica_set = r->replica_set;
        v.cpu_seconds = r->cpu_seconds;
        v.container = v.container || (p.state == PodState::kTerminating && r->container_ran);
      } else {
        v.name = PodName(ns, dep, p.version, p.id);
        v.replica_set = dep + "-" + PodTemplateHash(ns, dep, p.version);
      }
      pods.push_back(std::move(v));
    }
  }
  auto container_labels = [&](const PodView& v) {
    const std::string& dep = app.services[v.service].name;
    std::string l;
    AddLabel(&l, "container", dep);
    AddLabel(&l, "image", "podpilot.local/" + app.name + "/" + dep + ":sim");
    AddLabel(&l, "namespace", ns);
    AddLabel(&l, "node", v.node);
    AddLabel(&l, "pod", v.name);
    return l;
  };

  // ---- cAdvisor (kubelet /metrics/cadvisor) ----
  w.Family("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.");
  for (const PodView& v : pods) {
    if (v.container) w.Sample("container_cpu_usage_seconds_total", container_labels(v), v.cpu_seconds);
  }
  w.Family("container_memory_working_set_bytes", "gauge", "Current working set in bytes.");
  for (const PodView& v : pods) {
    if (!v.container) continue;
    const ServiceModel& m = app.services[v.service];
    // Ready pods carry the traffic's in-flight memory; the per-pod factor is the spread the
    // simulator's OOM check applies.
    // A container backing off after an OOM kill has no process, hence no working set.
    const double nominal = v.pod->state == PodState::kReady     ? sim_->last_tick()[v.service].working_set
                           : v.pod->state == PodState::kBackOff ? 0.0
                                                                : m.base_memory;
    w.Sample("container_memory_working_set_bytes", container_labels(v), nominal * v.pod->mem_factor);
  }
  w.Family("container_spec_cpu_period", "gauge", "CPU period of the container.");
  for (const PodView& v : pods) {
    if (v.container) w.Sample("container_spec_cpu_period", container_labels(v), kCfsPeriodUs);
  }
  w.Family("container_spec_cpu_quota", "gauge", "CPU quota of the container.");
  for (const PodView& v : pods) {
    if (v.container) w.Sample("container_spec_cpu_quota", container_labels(v), v.pod->limits.cpu * kCfsPeriodUs);
  }
  w.Family("container_spec_memory_limit_bytes", "gauge", "Memory limit for the container.");
  for (const PodView& v : pods) {
    if (v.container) w.Sample("container_spec_memory_limit_bytes", container_labels(v), v.pod->limits.memory);
  }

  // ---- kube-state-metrics ----
  std::vector<std::string> dep_labels(static_cast<size_t>(n));
  for (int s = 0; s < n; ++s) {
    AddLabel(&dep_labels[s], "namespace", ns);
    AddLabel(&dep_labels[s], "deployment", app.services[s].name);
  }
  w.Family("kube_deployment_spec_replicas", "gauge", "Number of desired pods for a deployment.");
  for (int s = 0; s < n; ++s) w.Sample("kube_deployment_spec_replicas", dep_labels[s], sim_->service(s).desired());
  w.Family("kube_deployment_status_replicas", "gauge", "The number of replicas per deployment.");
  for (int s = 0; s < n; ++s) {
    const ServiceState& svc = sim_->service(s);
    w.Sample("kube_deployment_status_replicas", dep_labels[s], svc.existing() - svc.terminating());
  }
  w.Family("kube_deployment_status_replicas_available", "gauge",
           "The number of available replicas per deployment.");
  for (int s = 0; s < n; ++s) {
    w.Sample("kube_deployment_status_replicas_available", dep_labels[s], sim_->service(s).ready());
  }

  auto pod_labels = [&](const PodView& v) {
    std::string l;
    AddLabel(&l, "namespace", ns);
    AddLabel(&l, "pod", v.name);
    return l;
  };
  w.Family("kube_pod_info", "gauge", "Information about pod.");
  for (const PodView& v : pods) {
    std::string l = pod_labels(v);
    AddLabel(&l, "node", v.node);
    AddLabel(&l, "created_by_kind", "ReplicaSet");
    AddLabel(&l, "created_by_name", v.replica_set);
    w.Sample("kube_pod_info", l, 1);
  }
  w.Family("kube_pod_status_phase", "gauge", "The pods current phase.");
  static const char* const kPhases[] = {"Pending", "Succeeded", "Failed", "Unknown", "Running"};
  for (const PodView& v : pods) {
    // Pending covers scheduling and the image pull / container start (our Starting state).
    const bool pending = v.pod->state == PodState::kPending || v.pod->state == PodState::kStarting;
    const std::string l = pod_labels(v);
    for (const char* phase : kPhases) {
      const std::string_view ph = phase;
      const bool on = pending ? ph == "Pending" : ph == "Running";
      w.Sample("kube_pod_status_phase", l, on ? 1 : 0, "phase=\"" + std::string(ph) + "\"");
    }
  }
  w.Family("kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.");
  for (const PodView& v : pods) {
    const bool ready = v.pod->state == PodState::kReady;
    const std::string l = pod_labels(v);
    w.Sample("kube_pod_status_ready", l, ready ? 1 : 0, "condition=\"true\"");
    w.Sample("kube_pod_status_ready", l, ready ? 0 : 1, "condition=\"false\"");
    w.Sample("kube_pod_status_ready", l, 0, "condition=\"unknown\"");
  }
  auto resource_family = [&](const char* name, const char* help, bool limits) {
    w.Family(name, "gauge", help);
    for (const PodView& v : pods) {
      std::string l = pod_labels(v);
      AddLabel(&l, "container", app.services[v.service].name);
      AddLabel(&l, "node", v.node);
      const Resources& r = limits ? v.pod->limits : v.pod->requests;
      w.Sample(name, l, r.cpu, "resource=\"cpu\",unit=\"core\"");
      w.Sample(name, l, r.memory, "resource=\"memory\",unit=\"byte\"");
    }
  };
  resource_family("kube_pod_container_resource_requests",
                  "The number of requested request resource by a container.", false);
  resource_family("kube_pod_container_resource_limits", "The number of requested limit resource by a container.",
                  true);
  w.Family("kube_pod_container_status_restarts_total", "counter",
           "The number of container restarts per container.");
  for (const PodView& v : pods) {
    std::string l = pod_labels(v);
    AddLabel(&l, "container", app.services[v.service].name);
    w.Sample("kube_pod_container_status_restarts_total", l, v.pod->restarts);
  }

  // ---- Istio, destination reporter ----
  static const char* const kCodeText[kCodes] = {"200", "503", "504"};
  static const char* const kFlags[kCodes] = {"-", "UH", "UT"};
  std::vector<std::array<std::string, kCodes>> istio_labels(services_.size());
  for (size_t s = 0; s < services_.size(); ++s) {
    const std::string& svc = app.services[s].name;
    for (int c = 0; c < kCodes; ++c) {
      std::string& l = istio_labels[s][c];
      AddLabel(&l, "reporter", "destination");
      AddLabel(&l, "destination_app", svc);
      AddLabel(&l, "destination_service", svc + "." + ns + ".svc." + options_.cluster_domain);
      AddLabel(&l, "destination_service_name", svc);
      AddLabel(&l, "destination_service_namespace", ns);
      AddLabel(&l, "destination_workload", svc);
      AddLabel(&l, "destination_workload_namespace", ns);
      AddLabel(&l, "request_protocol", "http");
      AddLabel(&l, "response_code", kCodeText[c]);
      AddLabel(&l, "response_flags", kFlags[c]);
    }
  }
  w.Family("istio_requests_total", "counter", "Total requests.");
  for (size_t s = 0; s < services_.size(); ++s) {
    for (int c = 0; c < kCodes; ++c) {
      const CodeCounters& cc = services_[s].codes[c];
      if (cc.seen) w.Sample("istio_requests_total", istio_labels[s][c], cc.requests);
    }
  }
  static const std::vector<std::string> kLe = [] {
    std::vector<std::string> le;
    // Whole numbers in full ("300000", as Envoy writes its bounds), not "3e+05".
    for (double b : kIstioDurationBucketsMs) {
      const bool whole = b == std::floor(b) && b < 1e15;
      const std::string text = whole ? std::to_string(static_cast<int64_t>(b)) : FormatNumber(b);
      le.push_back("le=\"" + text + "\"");
    }
    le.push_back("le=\"+Inf\"");
    return le;
  }();
  w.Family("istio_request_duration_milliseconds", "histogram", "Request duration in milliseconds.");
  for (size_t s = 0; s < services_.size(); ++s) {
    for (int c = 0; c < kCodes; ++c) {
      const CodeCounters& cc = services_[s].codes[c];
      if (!cc.seen) continue;
      const std::string& l = istio_labels[s][c];
      for (size_t b = 0; b < cc.buckets.size(); ++b) {
        // Bucket sums accumulate rounding differently from the count: never above it.
        w.Sample("istio_request_duration_milliseconds_bucket", l, std::min(cc.buckets[b], cc.requests), kLe[b]);
      }
      w.Sample("istio_request_duration_milliseconds_bucket", l, cc.requests, kLe.back());
      w.Sample("istio_request_duration_milliseconds_sum", l, cc.sum_ms);
      w.Sample("istio_request_duration_milliseconds_count", l, cc.requests);
    }
  }
  return w.Take();
}

}  // namespace podpilot
