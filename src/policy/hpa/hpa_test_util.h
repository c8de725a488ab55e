// Test-only helpers for the HPA tests: the replica_calculator_test.go fixture (every pod has two
// containers, both requesting requests[i] and both reporting levels[i][j]) and a MetricsClient
// that serves fixed answers. Included by *_test.cc only.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/hpa/hpa_types.h"
#include "policy/hpa/metrics_client.h"
#include "policy/hpa/replica_calculator.h"

namespace podpilot::hpa::testutil {

// A fixed "now" (Unix seconds) and Go's zero time (0001-01-01T00:00:00Z), which upstream
// fixtures leave in unset timestamps.
inline constexpr Time kNow = 1'700'000'000.0;
inline constexpr Time kGoZeroTime = -62'135'596'800.0;
inline Time TimeNow() { return kNow; }               // hotCPUCreationTime
inline Time Time3MinsAgo() { return kNow - 180.0; }  // coolCPUCreationTime

// defaultTesting* constants of replica_calculator_test.go.
inline CalculatorConfig TestingCalculatorConfig() { return {120.0, 10.0, true}; }
inline Tolerances DefaultTestingTolerances() { return {0.1, 0.1}; }

// A MetricsClient with canned answers; an unset answer is an error, as the upstream fakes.
class FakeMetricsClient : public MetricsClient {
 public:
  std::optional<std::vector<RawPodMetrics>> resource;
  std::optional<std::vector<RawCustomMetric>> custom;
  std::optional<int64_t> object;
  std::optional<std::vector<int64_t>> external;
  std::map<std::string, Status> fail;  // metric name -> forced error
  int calls = 0;

  StatusOr<PodMetricsInfo> GetResourceMetric(ResourceName r, const std::string& container) override {
    ++calls;
    if (!resource) return UnavailableError("no pod resource metrics specified in test client");
    return ResourceMetricsFromRaw(*resource, r, container);
  }
  StatusOr<PodMetricsInfo> GetRawMetric(const std::string& name) override {
    ++calls;
    if (fail.count(name)) return fail[name];
    if (!custom) return UnavailableError("no custom metrics specified in test client");
    return CustomMetricsFromRaw(*custom);
  }
  StatusOr<int64_t> GetObjectMetric(const std::string& name, const std::string&,
                                    const std::string&) override {
    ++calls;
    if (fail.count(name)) return fail[name];
    if (!object) return UnavailableError("no custom metrics specified in test client");
    return *object;
  }
  StatusOr<std::vector<int64_t>> GetExternalMetric(const std::string& name) override {
    ++calls;
    if (fail.count(name)) return fail[name];
    if (!external) return UnavailableError("no external metrics specified in test client");
    return ExternalMetricsFromRaw(*external);
  }
};

// makePodMetricLevels: every container of pod i reports level[i].
inline std::vector<std::vector<int64_t>> PodLevels(std::initializer_list<int64_t> levels) {
  std::vector<std::vector<int64_t>> out;
  for (int64_t l : levels) out.push_back({l, l});
  return out;
}

// cpuRequests(n, "1.0") in millicores per container.
inline std::vector<int64_t> CpuRequests(int n, int64_t milli) { return std::vector<int64_t>(n, milli); }

// calcScenario of replica_calculator_test.go.
struct CalcScenario {
  int32_t current_replicas = 0;
  // Resource fixture (cpu).
  bool has_resource = false;
  std::vector<int64_t> requests;                // per container of pod i; absent -> no request
  std::vector<std::vector<int64_t>> levels;     // [pod][container] usage
  std::vector<std::string> pod_names;           // override metric pod names
  std::string container;                        // ContainerResource
  // Custom / object / external fixture.
  std::vector<int64_t> metric_levels;
  Time timestamp = kGoZeroTime;
  // Per-pod state; empty = defaults (Ready=True, start at zero time, Running, not deleted).
  std::vector<bool> pod_ready;
  std::vector<Time> pod_start_time;
  std::vector<PodPhase> pod_phase;
  std::vector<bool> pod_deleted;

  std::vector<Pod> Pods() const {
    std::vector<Pod> pods;
    const size_t count = std::max<size_t>(static_cast<size_t>(current_replicas), pod_phase.size());
    for (size_t i = 0; i < count; ++i) {
      Pod p;
      p.name = "test-pod-" + std::to_string(i);
      p.phase = i < pod_phase.size() ? pod_phase[i] : PodPhase::kRunning;
      p.deletion_timestamp_set = i < pod_deleted.size() && pod_deleted[i];
      p.start_time = i < pod_start_time.size() ? pod_start_time[i] : kGoZeroTime;
      // The fixture's Ready condition leaves lastTransitionTime at the zero time.
      p.ready_condition = ReadyCondition{i < pod_ready.size() ? static_cast<bool>(pod_ready[i]) : true,
                                         kGoZeroTime};
      for (const char* name : {"container1", "container2"}) {
        Container c;
        c.name = name;
        if (has_resource && i < requests.size()) c.cpu_request_milli = requests[i];
        p.containers.push_back(c);
      }
      pods.push_back(p);
    }
    return pods;
  }

  FakeMetricsClient Client() const {
    FakeMetricsClient c;
    if (has_resource) {
      std::vector<RawPodMetrics> raw;
      for (size_t i = 0; i < levels.size(); ++i) {
        RawPodMetrics m;
        m.pod = i < pod_names.size() ? pod_names[i] : "test-pod-" + std::to_string(i);
        m.timestamp = timestamp;
        m.window_s = 60;
        for (size_t j = 0; j < levels[i].size(); ++j) {
          m.containers.push_back({"container" + std::to_string(j + 1), levels[i][j], std::nullopt});
        }
        raw.push_back(m);
      }
      c.resource = raw;
      return c;
    }
    std::vector<RawCustomMetric> custom;
    for (size_t i = 0; i < metric_levels.size(); ++i) {
      custom.push_back({"test-pod-" + std::to_string(i), timestamp, std::nullopt, metric_levels[i]});
    }
    c.custom = custom;
    if (!metric_levels.empty()) c.object = metric_levels[0];
    c.external = metric_levels;
    return c;
  }
};

}  // namespace podpilot::hpa::testutil
