// Value types of the HorizontalPodAutoscaler re-implementation (autoscaling/v2).
//
// They mirror the Kubernetes API objects the controller reads (HPA spec, pods, the scale
// subresource, metric samples) closely enough that upstream test vectors can be replayed field
// by field. See /work/shared/spec/baselines.md section 1 for the algorithm they feed.
//
// Conventions (baselines.md section 0):
//  * Time is a double in seconds on any fixed axis (simulation seconds or Unix seconds). `now` is
//    always passed in; nothing here reads a clock.
//  * Quantities are in milli-units, as the HPA's MilliValue(): CPU in millicores, memory in
//    milli-bytes (bytes x 1000), custom/external metric values x 1000.
//  * Integer replica counts are int32_t, as in the API; every float -> int conversion truncates
//    toward zero exactly where Go's int32(x) does.
//
// All types are plain values: copyable, no invariants beyond the comments, not thread-safe to
// mutate concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace podpilot::hpa {

using Time = double;  // seconds

// --- Controller flags (kube-controller-manager) -------------------------------------------------

// Defaults of the kube-controller-manager flags that shape the HPA (baselines.md 1.1).
struct ControllerConfig {
  double tolerance = 0.1;                          // --horizontal-pod-autoscaler-tolerance
  double cpu_initialization_period_s = 300;        // --horizontal-pod-autoscaler-cpu-initialization-period
  double initial_readiness_delay_s = 30;           // --horizontal-pod-autoscaler-initial-readiness-delay
  double downscale_stabilization_window_s = 300;   // --horizontal-pod-autoscaler-downscale-stabilization
  // Feature gates.
  bool configurable_tolerance = true;   // HPAConfigurableTolerance (beta, on): per-direction tolerance
  bool pod_level_resources = true;      // PodLevelResources: use pod-level requests when set
  bool scale_to_zero = false;           // HPAScaleToZero (alpha, off): minReplicas 0 allowed
};

// --- Tolerance ------------------------------------------------------------------------------------

// Scale-down / scale-up tolerances around a usage ratio of 1. Both bounds are inclusive.
struct Tolerances {
  double scale_down = 0.1;
  double scale_up = 0.1;
  bool IsWithin(double usage_ratio) const {
    return (1.0 - scale_down) <= usage_ratio && usage_ratio <= (1.0 + scale_up);
  }
};

// --- Pods -------------------------------------------------------------------------------------------

enum class ResourceName : uint8_t { kCpu, kMemory };
const char* ResourceNameString(ResourceName r);  // "cpu" / "memory"

enum class PodPhase : uint8_t { kPending, kRunning, kSucceeded, kFailed };

struct Container {
  std::string name;
  std::optional<int64_t> cpu_request_milli;     // nullopt: no request set
  std::optional<int64_t> memory_request_milli;  // milli-bytes
  std::optional<int64_t> Request(ResourceName r) const {
    return r == ResourceName::kCpu ? cpu_request_milli : memory_request_milli;
  }
};

// The pod's Ready condition.
struct ReadyCondition {
  bool status = true;        // Ready=True / Ready=False
  Time last_transition = 0;  // lastTransitionTime
};

struct Pod {
  std::string name;
  PodPhase phase = PodPhase::kRunning;
  bool deletion_timestamp_set = false;
  std::optional<Time> start_time;                 // status.startTime; nullopt if unset
  std::optional<ReadyCondition> ready_condition;  // nullopt: the pod has no Ready condition
  std::vector<Container> containers;
  // Only init containers with restartPolicy Always (sidecars) count towards requests.
  std::vector<Container> sidecar_init_containers;
  // Pod-level requests (KEP-2837); used instead of container sums when set and the gate is on.
  std::optional<int64_t> pod_cpu_request_milli;
  std::optional<int64_t> pod_memory_request_milli;

  // True when phase Running and Ready=True (used by the Object/External "ready pods" count).
  bool IsRunningAndReady() const {
    return phase == PodPhase::kRunning && ready_condition.has_value() && ready_condition->status;
  }
};

// --- Metric samples -------------------------------------------------------------------------------

// One pod's metric as the metrics client returns it: value over [timestamp - window, timestamp].
struct PodMetric {
  int64_t value = 0;    // milli-units
  Time timestamp = 0;
  double window_s = 60; // metrics-server default window when the API gives none
};

// Pod name -> metric. Ordered so that every iteration is deterministic.
using PodMetricsInfo = std::map<std::string, PodMetric>;

// --- The scale subresource ---------------------------------------------------------------------

struct Scale {
  int32_t spec_replicas = 0;    // "currentReplicas" of the controller
  int32_t status_replicas = 0;  // pods that exist (used by the per-pod Object/External paths)
};

// --- HPA spec ----------------------------------------------------------------------------------------

enum class MetricSourceType : uint8_t {
  kResource,
  kContainerResource,
  kPods,
  kObject,
  kExternal,
  kUnknown,  // a type the controller does not know (upstream tests use "CheddarCheese")
};

enum class MetricTargetType : uint8_t { kUnset, kUtilization, kValue, kAverageValue };

struct MetricTarget {
  MetricTargetType type = MetricTargetType::kUnset;
  int32_t average_utilization = 0;   // percent of request (Utilization)
  int64_t value_milli = 0;           // Value
  int64_t average_value_milli = 0;   // AverageValue
};

struct MetricSpec {
  MetricSourceType type = MetricSourceType::kResource;
  ResourceName resource = ResourceName::kCpu;  // Resource / ContainerResource
  std::string container;                       // ContainerResource
  std::string metric_name;                     // Pods / Object / External
  std::string object_kind;                     // Object: describedObject.kind ("Service", ...)
  std::string object_name;                     // Object: describedObject.name
  MetricTarget target;
};

enum class PolicyType : uint8_t { kPods, kPercent };
enum class SelectPolicy : uint8_t { kMax, kMin, kDisabled };

struct ScalingPolicy {
  PolicyType type = PolicyType::kPods;
  int32_t value = 0;
  int32_t period_seconds = 0;
};

// HPAScalingRules; unset fields are filled by API defaulting (hpa_defaults.h).
struct ScalingRules {
  std::optional<int32_t> stabilization_window_seconds;
  std::optional<SelectPolicy> select_policy;
  std::optional<std::vector<ScalingPolicy>> policies;
  std::optional<double> tolerance;
};

struct Behavior {
  std::optional<ScalingRules> scale_up;
  std::optional<ScalingRules> scale_down;
};

struct HpaSpec {
  std::optional<int32_t> min_replicas;  // nil -> 1
  int32_t max_replicas = 1;
  std::vector<MetricSpec> metrics;      // empty -> cpu Utilization 80 % after defaulting
  std::optional<Behavior> behavior;     // nil -> legacy normalisation path
};

// --- HPA status ----------------------------------------------------------------------------------

enum class ConditionType : uint8_t { kAbleToScale, kScalingActive, kScalingLimited, kScaledToZero };
const char* ConditionTypeString(ConditionType t);

struct Condition {
  ConditionType type = ConditionType::kAbleToScale;
  bool status = false;
  std::string reason;
  std::string message;
};

// One entry of status.currentMetrics.
struct MetricStatus {
  MetricSourceType type = MetricSourceType::kResource;
  std::string name;  // resource name or metric name
  std::optional<int32_t> average_utilization;
  std::optional<int64_t> average_value_milli;
  std::optional<int64_t> value_milli;
};

}  // namespace podpilot::hpa
