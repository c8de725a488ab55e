// Tests of MetricExposition: the rendered text is parsed back (a small parser of the text format
// 0.0.4 below) and compared with what the simulator did tick by tick.
#include "sim/exposition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim/queueing.h"

namespace podpilot {
namespace {

// ---- a text-format parser (just enough to read our own output strictly) -------------------------

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
  std::string Key() const {
    std::string k = name + "{";
    for (const auto& [n, v] : labels) k += n + "=" + v + ",";
    return k + "}";
  }
};

struct Scrape {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> counter | gauge | histogram
  std::set<std::string> helps;
  std::vector<std::string> errors;           // format violations, with the offending line

  // Samples of `name` whose labels include every pair of `match`.
  std::vector<const Sample*> Find(const std::string& name, const std::map<std::string, std::string>& match = {}) const {
    std::vector<const Sample*> out;
    for (const Sample& s : samples) {
      if (s.name != name) continue;
      bool ok = true;
      for (const auto& [k, v] : match) {
        auto it = s.labels.find(k);
        ok = ok && it != s.labels.end() && it->second == v;
      }
      if (ok) out.push_back(&s);
    }
    return out;
  }
  double Sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const {
    double t = 0;
    for (const Sample* s : Find(name, match)) t += s->value;
    return t;
  }
  std::map<std::string, double> ByKey() const {
    std::map<std::string, double> m;
    for (const Sample& s : samples) m[s.Key()] = s.value;
    return m;
  }
};

bool IsNameChar(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

bool ParseValue(const std::string& text, double* v) {
  if (text == "+Inf") { *v = INFINITY; return true; }
  if (text == "-Inf") { *v = -INFINITY; return true; }
  if (text == "NaN") { *v = NAN; return true; }
  if (text.empty()) return false;
  char* end = nullptr;
  *v = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// Family a sample belongs to: its own name, or the histogram it is a _bucket/_sum/_count of.
std::string FamilyOf(const Scrape& s, const std::string& name) {
  if (s.types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string suf = suffix;
    if (name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0) {
      const std::string base = name.substr(0, name.size() - suf.size());
      auto it = s.types.find(base);
      if (it != s.types.end() && it->second == "histogram") return base;
    }
  }
  return "";
}

Scrape Parse(const std::string& text) {
  Scrape out;
  std::istringstream in(text);
  std::string line;
  std::string current_family;
  std::set<std::string> closed_families, series;
  auto fail = [&](const std::string& why) { out.errors.push_back(why + ": " + line); };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line);
      std::string hash, kind, name, rest;
      ls >> hash >> kind >> name;
      std::getline(ls, rest);
      if (kind == "HELP") {
        out.helps.insert(name);
      } else if (kind == "TYPE") {
        const std::string type = rest.empty() ? "" : rest.substr(1);
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped") {
          fail("bad TYPE");
        }
        if (out.types.count(name)) fail("second TYPE for a family");
        out.types[name] = type;
      }
      continue;
    }
    Sample s;
    size_t i = 0;
    while (i < line.size() && IsNameChar(line[i], i == 0)) ++i;
    s.name = line.substr(0, i);
    if (s.name.empty()) { fail("no metric name"); continue; }
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t start = i;
        while (i < line.size() && IsNameChar(line[i], i == start)) ++i;
        const std::string lname = line.substr(start, i - start);
        if (lname.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
          fail("bad label");
          break;
        }
        i += 2;
        std::string value;
        bool closed = false;
        while (i < line.size()) {
          const char c = line[i++];
          if (c == '"') { closed = true; break; }
          if (c == '\\') {
            if (i >= line.size()) break;
            const char e = line[i++];
            if (e == 'n') value += '\n';
            else if (e == '\\' || e == '"') value += e;
            else { fail("bad escape"); }
          } else {
            value += c;
          }
        }
        if (!closed) { fail("unterminated label value"); break; }
        if (s.labels.count(lname)) fail("repeated label " + lname);
        s.labels[lname] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') { fail("unterminated label set"); continue; }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') { fail("no space before the value"); continue; }
    const std::string value_text = line.substr(i + 1);
    if (value_text.find(' ') != std::string::npos) fail("timestamp or trailing text");
    if (!ParseValue(value_text, &s.value)) { fail("bad value"); continue; }
    const std::string family = FamilyOf(out, s.name);
    if (family.empty()) { fail("sample without TYPE"); continue; }
    if (!out.helps.count(family)) fail("family without HELP");
    if (family != current_family) {
      if (closed_families.count(family)) fail("family split into two blocks");
      if (!current_family.empty()) closed_families.insert(current_family);
      current_family = family;
    }
    if (!series.insert(s.Key()).second) fail("duplicate series");
    out.samples.push_back(std::move(s));
  }
  return out;
}

// ---- a small application and a harness that ticks it ------------------------------------------

constexpr char kAppYaml[] = R"(
name: expo-test
network_hop_ms: 0.5
slo_ms: 200
services:
  - name: frontend
    cpu_per_request: 0.01
    base_cpu: 5m
    base_memory: 40Mi
    memory_per_inflight: 1Mi
    requests: {cpu: 100m, memory: 64Mi}
    limits: {cpu: 500m, memory: 256Mi}
    startup_seconds: 3
    startup_cpu: {cores: 300m, seconds: 4}
    readiness: {initial_delay_seconds: 2, period_seconds: 2, success_threshold: 2}
    timeout_ms: 2000
    replicas: {initial: 2, min: 1, max: 10}
    termination_seconds: 3
  - name: backend
    cpu_per_request: 0.002
    cpu_cv: 0.5
    base_cpu: 10m
    base_memory: 100Mi
    memory_per_inflight: 2Mi
    requests: {cpu: 200m, memory: 96Mi}
    limits: {cpu: 400m, memory: 120Mi}
    startup_seconds: 2
    readiness: {initial_delay_seconds: 1, period_seconds: 1, success_threshold: 1}
    timeout_ms: 1000
    replicas: {initial: 1, min: 1, max: 10}
    termination_seconds: 2
request_classes:
  - name: page
    call:
      service: frontend
      calls:
        - service: backend
          visits: 2
)";

std::shared_ptr<const AppModel> TestApp() {
  auto app = ParseAppModel(kAppYaml, "exposition_test");
  EXPECT_TRUE(app.ok()) << app.status().ToString();
  return std::make_shared<const AppModel>(std::move(app).value());
}

struct Harness {
  // `rates` (optional): the mean rates the arrival counts were drawn around, as Env passes them.
  explicit Harness(std::vector<double> arrivals, ExpositionOptions options = {}, uint64_t seed = 7,
                   std::vector<double> rates = {})
      : app(TestApp()), sim(app, SimConfig{}), expo(&sim, std::move(options)) {
    sim.Reset(std::make_shared<const std::vector<double>>(std::move(arrivals)), seed, 0, 0,
              rates.empty() ? nullptr : std::make_shared<const std::vector<double>>(std::move(rates)));
  }
  void Tick() {
    sim.Tick();
    expo.Observe();
  }
  Scrape Render() const {
    Scrape s = Parse(expo.Render());
    EXPECT_THAT(s.errors, ::testing::IsEmpty());
    return s;
  }
  void Scale(int frontend, int backend) {
    Decision d;
    d.targets.resize(2);
    d.targets[0].replicas = frontend;
    d.targets[1].replicas = backend;
    sim.Apply(d);
  }
  std::shared_ptr<const AppModel> app;
  Simulator sim;
  MetricExposition expo;
};

bool IsCounterSeries(const Scrape& s, const std::string& name) {
  const std::string f = FamilyOf(s, name);
  return s.types.at(f) == "counter" || s.types.at(f) == "histogram";
}

// Load that rises past two frontend pods' capacity (~99 rps), then falls back.
std::vector<double> RisingLoad(int seconds) {
  std::vector<double> a(static_cast<size_t>(seconds));
  for (int t = 0; t < seconds; ++t) a[static_cast<size_t>(t)] = t < 40 ? 40 : (t < 160 ? 150 : 30);
  return a;
}

// Counts scattered around RisingLoad's rates (as Poisson draws would be), for runs with rates.
std::vector<double> ScatteredCounts(int seconds) {
  std::vector<double> a = RisingLoad(seconds);
  for (size_t t = 0; t < a.size(); ++t) a[t] = std::round(a[t] * (t % 3 == 0 ? 0.8 : (t % 3 == 1 ? 1.25 : 1.0)));
  return a;
}

// Drives the harness with a scale-up at 45 s and a scale-down at 170 s (pods start, probe with a
// CPU burst, become ready, terminate and vanish), calling `check(prev, cur)` after every tick.
template <typename Check>
void RunScenario(Harness& h, int seconds, Check check) {
  Scrape prev = h.Render();
  for (int t = 0; t < seconds; ++t) {
    if (t == 45) h.Scale(5, 3);
    if (t == 170) h.Scale(2, 1);
    h.Tick();
    Scrape cur = h.Render();
    check(prev, cur);
    prev = std::move(cur);
  }
}

// ---- tests ---------------------------------------------------------------------------------------

TEST(MetricExposition, RendersEveryFamilyWithHelpAndType) {
  Harness h(std::vector<double>(30, 50.0));
  for (int i = 0; i < 5; ++i) h.Tick();
  const Scrape s = h.Render();
  for (const char* family :
       {"container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_spec_cpu_quota",
        "container_spec_memory_limit_bytes", "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas_available", "kube_pod_container_resource_requests",
        "kube_pod_container_status_restarts_total", "kube_pod_status_ready", "istio_requests_total",
        "istio_request_duration_milliseconds"}) {
    EXPECT_TRUE(s.types.count(family)) << family;
    EXPECT_TRUE(s.helps.count(family)) << family;
  }
  EXPECT_EQ(s.types.at("container_cpu_usage_seconds_total"), "counter");
  EXPECT_EQ(s.types.at("istio_requests_total"), "counter");
  EXPECT_EQ(s.types.at("istio_request_duration_milliseconds"), "histogram");
  EXPECT_EQ(s.types.at("kube_deployment_spec_replicas"), "gauge");
  // Label sets as the real exporters have them.
  const auto cpu = s.Find("container_cpu_usage_seconds_total", {{"container", "frontend"}});
  ASSERT_EQ(cpu.size(), 2u);
  for (const char* l : {"namespace", "pod", "container", "node"}) EXPECT_TRUE(cpu[0]->labels.count(l)) << l;
  EXPECT_EQ(cpu[0]->labels.at("namespace"), "default");
  const auto req = s.Find("kube_pod_container_resource_requests", {{"container", "backend"}, {"resource", "cpu"}});
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0]->labels.at("unit"), "core");
  EXPECT_DOUBLE_EQ(req[0]->value, 0.2);
  const auto mem = s.Find("kube_pod_container_resource_requests", {{"container", "backend"}, {"resource", "memory"}});
  ASSERT_EQ(mem.size(), 1u);
  EXPECT_EQ(mem[0]->labels.at("unit"), "byte");
  EXPECT_DOUBLE_EQ(mem[0]->value, 96.0 * 1024 * 1024);
  // The CFS quota is the limit in microseconds per 100 ms period.
  const auto quota = s.Find("container_spec_cpu_quota", {{"container", "frontend"}});
  ASSERT_FALSE(quota.empty());
  EXPECT_DOUBLE_EQ(quota[0]->value, 0.5 * 100000);
  const auto rq = s.Find("istio_requests_total", {{"destination_workload", "frontend"}});
  ASSERT_EQ(rq.size(), 1u);
  EXPECT_EQ(rq[0]->labels.at("reporter"), "destination");
  EXPECT_EQ(rq[0]->labels.at("response_code"), "200");
  EXPECT_EQ(rq[0]->labels.at("destination_service_name"), "frontend");
  EXPECT_EQ(rq[0]->labels.at("destination_workload_namespace"), "default");
}

TEST(MetricExposition, CountersNeverDecrease) {
  Harness h(RisingLoad(260));
  int compared = 0;
  RunScenario(h, 260, [&](const Scrape& prev, const Scrape& cur) {
    const auto before = prev.ByKey();
    for (const Sample& s : cur.samples) {
      if (!IsCounterSeries(cur, s.name)) continue;
      auto it = before.find(s.Key());
      if (it == before.end()) continue;
      ++compared;
      EXPECT_GE(s.value, it->second) << s.Key() << " at t=" << h.sim.Now();
    }
  });
  EXPECT_GT(compared, 1000);
  EXPECT_GT(h.sim.totals().replica_changes, 0);
}

TEST(MetricExposition, PerPodCpuCountersAddUpToTheSimulatorsUsage) {
  for (const bool with_rates : {false, true}) {
    SCOPED_TRACE(with_rates ? "counts drawn around mean rates" : "counts only");
    Harness h(with_rates ? ScatteredCounts(260) : RisingLoad(260), {}, 7,
              with_rates ? RisingLoad(260) : std::vector<double>{});
    double total_exposed = 0, total_sim = 0;
    RunScenario(h, 260, [&](const Scrape& prev, const Scrape& cur) {
      const auto before = prev.ByKey();
      for (int s = 0; s < 2; ++s) {
        const std::string svc = h.app->services[static_cast<size_t>(s)].name;
        // The rate PromQL would take: the increase of every pod's counter over the tick.
        double increase = 0;
        for (const Sample* x : cur.Find("container_cpu_usage_seconds_total", {{"container", svc}})) {
          auto it = before.find(x->Key());
          increase += x->value - (it == before.end() ? 0.0 : it->second);
        }
        const double usage = h.sim.last_tick()[static_cast<size_t>(s)].cpu_usage;
        EXPECT_NEAR(increase, usage, 1e-9 * std::max(1.0, usage)) << svc << " at t=" << h.sim.Now();
        total_exposed += increase;
        total_sim += usage;
      }
    });
    EXPECT_NEAR(total_exposed, h.sim.totals().cpu_usage_core_seconds, 1e-6);
    EXPECT_NEAR(total_sim, h.sim.totals().cpu_usage_core_seconds, 1e-6);
  }
}

TEST(MetricExposition, CpuAccountingHoldsThroughOverloadAndOomKills) {
  // Four times the capacity: the backend's in-flight memory passes its limit, pods are OOM-killed,
  // back off and restart, and queued work past the timeout fails.
  Harness h(std::vector<double>(200, 400.0));
  Scrape prev = h.Render();
  double restarts = 0;
  for (int t = 0; t < 200; ++t) {
    h.Tick();
    Scrape cur = h.Render();
    const auto before = prev.ByKey();
    for (int s = 0; s < 2; ++s) {
      const std::string svc = h.app->services[static_cast<size_t>(s)].name;
      double increase = 0;
      for (const Sample* x : cur.Find("container_cpu_usage_seconds_total", {{"container", svc}})) {
        auto it = before.find(x->Key());
        increase += x->value - (it == before.end() ? 0.0 : it->second);
      }
      const double usage = h.sim.last_tick()[static_cast<size_t>(s)].cpu_usage;
      EXPECT_NEAR(increase, usage, 1e-9 * std::max(1.0, usage)) << svc << " at t=" << h.sim.Now();
    }
    restarts = cur.Sum("kube_pod_container_status_restarts_total", {{"container", "backend"}});
    prev = std::move(cur);
  }
  ASSERT_GT(h.sim.totals().oom_kills, 0) << "the scenario must exercise OOM kills";
  EXPECT_GT(restarts, 0);
  EXPECT_GT(prev.Sum("istio_requests_total", {{"response_code", "504"}}) +
                prev.Sum("istio_requests_total", {{"response_code", "503"}}),
            0);
}

TEST(MetricExposition, SpecReplicasFollowAScaleDecision) {
  Harness h(std::vector<double>(120, 40.0));
  for (int t = 0; t < 10; ++t) h.Tick();
  const std::map<std::string, std::string> frontend = {{"deployment", "frontend"}};
  Scrape s = h.Render();
  EXPECT_EQ(s.Sum("kube_deployment_spec_replicas", frontend), 2);
  EXPECT_EQ(s.Sum("kube_deployment_status_replicas_available", frontend), 2);
  std::set<std::string> original;
  for (const Sample* x : s.Find("kube_pod_info", {{"created_by_kind", "ReplicaSet"}})) {
    if (x->labels.at("pod").rfind("frontend-", 0) == 0) original.insert(x->labels.at("pod"));
  }
  ASSERT_EQ(original.size(), 2u);

  h.Scale(6, TargetDecision::kKeep);
  h.Tick();
  s = h.Render();
  EXPECT_EQ(s.Sum("kube_deployment_spec_replicas", frontend), 6);
  EXPECT_EQ(s.Sum("kube_deployment_status_replicas_available", frontend), 2) << "new pods are not ready yet";
  // Run until the new pods are ready: availability follows, and pod readiness agrees with it.
  for (int t = 0; t < 30; ++t) h.Tick();
  s = h.Render();
  EXPECT_EQ(s.Sum("kube_deployment_status_replicas_available", frontend), 6);
  double ready = 0;
  std::set<std::string> names;
  for (const Sample* x : s.Find("kube_pod_status_ready", {{"condition", "true"}})) {
    if (x->labels.at("pod").rfind("frontend-", 0) != 0) continue;
    ready += x->value;
    names.insert(x->labels.at("pod"));
  }
  EXPECT_EQ(ready, 6);
  // Existing pods keep their names.
  for (const std::string& n : original) EXPECT_TRUE(names.count(n)) << n;

  h.Scale(1, TargetDecision::kKeep);
  h.Tick();
  s = h.Render();
  EXPECT_EQ(s.Sum("kube_deployment_spec_replicas", frontend), 1);
  EXPECT_EQ(s.Sum("kube_deployment_status_replicas_available", frontend), 1);
}

TEST(MetricExposition, IstioRequestIncrementsMatchVisits) {
  // Counts scattered around the rates: requests follow the counts, the queue the rates.
  Harness h(ScatteredCounts(260), {}, 7, RisingLoad(260));
  double visits_total = 0, sim_errors = 0;
  RunScenario(h, 260, [&](const Scrape& prev, const Scrape& cur) {
    for (int s = 0; s < 2; ++s) {
      const std::string svc = h.app->services[static_cast<size_t>(s)].name;
      const std::map<std::string, std::string> m = {{"destination_workload", svc}};
      const double inc = cur.Sum("istio_requests_total", m) - prev.Sum("istio_requests_total", m);
      const auto& tk = h.sim.last_tick()[static_cast<size_t>(s)];
      EXPECT_NEAR(inc, tk.visits, 1e-9 * std::max(1.0, tk.visits)) << svc << " at t=" << h.sim.Now();
      visits_total += tk.visits;
      sim_errors += tk.errors;
    }
  });
  const Scrape s = h.Render();
  EXPECT_NEAR(s.Sum("istio_requests_total"), visits_total, 1e-9 * visits_total);
  // Errors are never invented; the ones beyond a tick's visits are charged to later ticks.
  const double errors = s.Sum("istio_requests_total") - s.Sum("istio_requests_total", {{"response_code", "200"}});
  EXPECT_LE(errors, sim_errors * (1 + 1e-9));
}

TEST(MetricExposition, HistogramsAreCumulativeAndCountTheRequests) {
  Harness h(RisingLoad(200));
  RunScenario(h, 200, [&](const Scrape&, const Scrape& cur) {
    for (const Sample* count : cur.Find("istio_request_duration_milliseconds_count")) {
      std::map<std::string, std::string> labels = count->labels;
      const auto buckets = cur.Find("istio_request_duration_milliseconds_bucket", labels);
      ASSERT_EQ(buckets.size(), kIstioDurationBucketsMs.size() + 1);
      std::map<double, double> by_le;
      for (const Sample* b : buckets) {
        double le;
        ASSERT_TRUE(ParseValue(b->labels.at("le"), &le));
        by_le[le] = b->value;
      }
      double prev = 0;
      for (const auto& [le, v] : by_le) {
        EXPECT_GE(v, prev) << "le=" << le;
        prev = v;
      }
      EXPECT_EQ(by_le.rbegin()->first, INFINITY);
      EXPECT_DOUBLE_EQ(by_le.rbegin()->second, count->value);
      EXPECT_DOUBLE_EQ(cur.Sum("istio_requests_total", labels), count->value);
      EXPECT_EQ(cur.Find("istio_request_duration_milliseconds_sum", labels).size(), 1u);
    }
  });
}

TEST(MetricExposition, HistogramFollowsTheSubtreeLatencyDistribution) {
  // Steady load without noise: every tick has the same subtree moments, so the histogram's bucket
  // fractions are that gamma's CDF and its mean is the moments' mean.
  auto app = TestApp();
  Simulator sim(app, SimConfig{});
  sim.Reset(std::make_shared<const std::vector<double>>(100, 60.0), 3);
  MetricExposition expo(&sim, ExpositionOptions{});
  double visits = 0, weighted_mean = 0;
  for (int t = 0; t < 100; ++t) {
    sim.Tick();
    expo.Observe();
    visits += sim.last_tick()[1].visits;
    weighted_mean += sim.last_tick()[1].subtree_mean_ms;
  }
  const Scrape s = Parse(expo.Render());
  const std::map<std::string, std::string> m = {{"destination_workload", "backend"}, {"response_code", "200"}};
  const double count = s.Sum("istio_request_duration_milliseconds_count", m);
  ASSERT_NEAR(count, visits, 1e-6);
  const double mean = weighted_mean / visits;
  EXPECT_NEAR(s.Sum("istio_request_duration_milliseconds_sum", m) / count, mean, 1e-9 * mean);
  const auto& tk = sim.last_tick()[1];
  const double m1 = tk.subtree_mean_ms / tk.visits;
  const double scv = (tk.subtree_m2 / tk.visits - m1 * m1) / (m1 * m1);
  for (double le : {5.0, 10.0, 25.0}) {
    auto b = m;
    b["le"] = le == 5 ? "5" : (le == 10 ? "10" : "25");
    const double frac = s.Sum("istio_request_duration_milliseconds_bucket", b) / count;
    EXPECT_NEAR(frac, GammaWithinProbabilityExact(m1, scv, le), 5e-3) << "le=" << le;
  }
}

TEST(MetricExposition, PodNamesLookLikeKubernetesAndAreDistinct) {
  const std::regex shape("frontend-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}");
  std::set<std::string> names;
  for (uint32_t id = 0; id < 20000; ++id) {
    const std::string n = PodName("default", "frontend", 0, id);
    ASSERT_TRUE(std::regex_match(n, shape)) << n;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), 20000u);
  EXPECT_EQ(PodName("default", "frontend", 0, 5), PodName("default", "frontend", 0, 5));
  EXPECT_NE(PodTemplateHash("default", "frontend", 0), PodTemplateHash("default", "frontend", 1));
  EXPECT_NE(PodTemplateHash("default", "frontend", 0), PodTemplateHash("default", "backend", 0));
  EXPECT_NE(PodTemplateHash("default", "frontend", 0), PodTemplateHash("prod", "frontend", 0));
}

TEST(MetricExposition, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  ExpositionOptions o;
  o.namespace_name = "we\"ird\\ns\nx";
  Harness h(std::vector<double>(10, 20.0), o);
  h.Tick();
  const Scrape s = h.Render();  // the parser rejects bad escapes
  const auto dep = s.Find("kube_deployment_spec_replicas", {{"deployment", "frontend"}});
  ASSERT_EQ(dep.size(), 1u);
  EXPECT_EQ(dep[0]->labels.at("namespace"), o.namespace_name);
}

TEST(MetricExposition, StartsOverWhenTheSimulatorIsReset) {
  Harness h(std::vector<double>(50, 30.0));
  for (int t = 0; t < 50; ++t) h.Tick();
  const double first_run = Parse(h.expo.Render()).Sum("istio_requests_total");
  h.sim.Reset(std::make_shared<const std::vector<double>>(50, 30.0), 8);
  h.Tick();
  const Scrape s = h.Render();
  EXPECT_LT(s.Sum("istio_requests_total"), first_run / 10);
  EXPECT_NEAR(s.Sum("istio_requests_total", {{"destination_workload", "frontend"}}), h.sim.last_tick()[0].visits,
              1e-9);
}

TEST(MetricExposition, AttachedMidRunCountsFromTheNextTick) {
  auto app = TestApp();
  Simulator sim(app, SimConfig{});
  sim.Reset(std::make_shared<const std::vector<double>>(60, 30.0), 5);
  for (int t = 0; t < 30; ++t) sim.Tick();
  MetricExposition expo(&sim, ExpositionOptions{});
  expo.Observe();  // baseline only
  EXPECT_EQ(Parse(expo.Render()).Sum("container_cpu_usage_seconds_total"), 0);
  double visits = 0, cpu = 0;
  for (int t = 0; t < 10; ++t) {
    sim.Tick();
    expo.Observe();
    visits += sim.last_tick()[0].visits;
    cpu += sim.last_tick()[0].cpu_usage + sim.last_tick()[1].cpu_usage;
  }
  const Scrape s = Parse(expo.Render());
  EXPECT_NEAR(s.Sum("istio_requests_total", {{"destination_workload", "frontend"}}), visits, 1e-9 * visits);
  EXPECT_NEAR(s.Sum("container_cpu_usage_seconds_total"), cpu, 1e-9 * cpu);
}

}  // namespace
}  // namespace podpilot
