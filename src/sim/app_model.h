// AppModel: an application (services, request classes with call trees) and the cluster it runs
// on, as loaded from a YAML file under scenarios/apps/. Plain data; validated once on load so the
// simulator's hot loop never checks it again.
//
// YAML schema (every field; units as in common/units.h):
//
//   name: online-boutique
//   description: "..."
//   network_hop_ms: 0.5            # added per call edge, each direction
//   slo_ms: 200                    # default end-to-end objective for every class
//   services:
//     - name: frontend
//       cpu_per_request: 0.004     # core-seconds of CPU per visit (mean)
//       cpu_cv: 1.0                # coefficient of variation of that demand (1 = exponential)
//       base_cpu: 5m               # cores used with no traffic
//       base_memory: 40Mi          # working set with no traffic
//       memory_per_inflight: 1Mi   # extra working set per request in flight
//       requests: {cpu: 100m, memory: 64Mi}
//       limits:   {cpu: 200m, memory: 128Mi}
//       startup_seconds: 6         # scheduled -> container running (image pull, start)
//       startup_cpu: {cores: 150m, seconds: 10}   # optional burst while starting (JIT, caches)
//       readiness: {initial_delay_seconds: 5, period_seconds: 5, success_threshold: 3}
//       timeout_ms: 5000           # a request waiting longer than this is an error
//       replicas: {initial: 1, min: 1, max: 30}
//       termination_seconds: 5     # terminating pods keep their requests (cost) this long
//   request_classes:
//     - name: home
//       weight: 1                  # share of the entry traffic (normalised over all classes)
//       slo_ms: 200                # optional, overrides the app default
//       call:                      # the call tree, rooted at the entry service
//         service: frontend
//         visits: 1                # times this call happens per parent visit (default 1)
//         cpu_per_request: 0.003   # optional: this call's own demand, overriding the service's
//         calls:                   # downstream steps, in sequence
//           - service: currencyservice
//           - parallel:            # a step may be a group of calls made concurrently
//               - service: productcatalogservice
//               - service: cartservice
//   cluster:                       # optional; defaults below
//     node_pools:
//       - {name: default, cpu: 8, memory: 32Gi, nodes: 20, max_nodes: 20, provision_seconds: 90}
//     price: {cpu_core_hour: 0.021811, memory_gib_hour: 0.002923}
//     in_place_resize: false       # InPlacePodVerticalScaling: resize without recreating pods
//
// Thread-safety: immutable after load; share freely across threads.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "policy/observation.h"

namespace podpilot {

struct ServiceModel {
  std::string name;
  double cpu_per_request = 0.0;     // core-seconds per visit
  double cpu_cv = 1.0;
  double base_cpu = 0.0;            // cores
  double base_memory = 0.0;         // bytes
  double memory_per_inflight = 0.0; // bytes
  Resources requests;
  Resources limits;
  double startup_seconds = 0.0;
  double startup_cpu_cores = 0.0;
  double startup_cpu_seconds = 0.0;
  double readiness_initial_delay_s = 0.0;
  double readiness_period_s = 10.0;
  int readiness_success_threshold = 1;
  double timeout_ms = 10000.0;
  int initial_replicas = 1;
  int min_replicas = 1;
  int max_replicas = 50;
  double termination_seconds = 0.0;

  // Seconds from container start to Ready as the kubelet decides it: the first probe runs after
  // the initial delay, and `success_threshold` consecutive successes are `period` apart.
  double ProbeSecondsToReady() const {
    return readiness_initial_delay_s + readiness_period_s * (readiness_success_threshold - 1);
  }
  // Seconds from "scheduled" to "ready": startup (image pull, process start) + probes.
  double SecondsToReady() const { return startup_seconds + ProbeSecondsToReady(); }
};

// One node of a call tree. `steps` run in sequence after this service's own processing; each step
// is either one call (parallel.size() == 1) or several calls made concurrently.
struct CallNode {
  int service = -1;                 // index into AppModel::services
  double visits = 1.0;
  double cpu_per_request = -1.0;    // < 0: use the service's
  std::vector<std::vector<CallNode>> steps;
};

struct RequestClass {
  std::string name;
  double weight = 1.0;              // normalised: weights sum to 1 after load
  double slo_ms = 200.0;
  CallNode root;
};

struct NodePool {
  std::string name;
  double cpu = 8.0;                 // allocatable cores per node
  double memory = 32.0 * 1024 * 1024 * 1024;
  int nodes = 20;                   // nodes at start
  int max_nodes = 20;               // > nodes enables cluster-autoscaler style provisioning
  double provision_seconds = 90.0;
};

struct ClusterModel {
  std::vector<NodePool> node_pools;
  // Default list prices: GCP E2 on-demand, us-central1 (vCPU 0.021811 $/h, memory 0.002923 $/GiB-h).
  double price_cpu_core_hour = 0.021811;
  double price_memory_gib_hour = 0.002923;
  bool in_place_resize = false;
};

struct AppModel {
  std::string name;
  std::string description;
  std::string source_path;          // file it was loaded from ("" if built in code)
  double network_hop_ms = 0.5;
  double slo_ms = 200.0;
  std::vector<ServiceModel> services;
  std::vector<RequestClass> classes;
  ClusterModel cluster;

  int ServiceIndex(const std::string& name) const;  // -1 if absent
};

// Loads and validates an app model from a YAML file. Errors name the file, the field path
// (e.g. "services[3].limits.cpu") and the offending value.
StatusOr<AppModel> LoadAppModel(const std::string& path);
// Same, from YAML text; `origin` names the source in errors.
StatusOr<AppModel> ParseAppModel(const std::string& yaml_text, const std::string& origin);
// Resolves "online-boutique" to scenarios/apps/online-boutique.yaml (searching the
// PODPILOT_SCENARIOS dir, ./scenarios, and the source tree) or loads a path as is.
StatusOr<AppModel> LoadAppByName(const std::string& name_or_path);
// Directory holding scenarios/ (for bundled apps, workloads and suites).
std::string ScenariosDir();

}  // namespace podpilot
