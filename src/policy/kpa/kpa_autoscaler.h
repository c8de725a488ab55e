// The Knative Pod Autoscaler's decider (knative/serving pkg/autoscaler/scaling/autoscaler.go,
// baselines.md 3.3): one Scale() per 2 s tick from the stable (60 s) and panic (6 s) window
// averages of the revision-wide metric.
//
//   maxUp = ceil(maxScaleUpRate x readyF), maxDown = floor(readyF / maxScaleDownRate) (0 when
//   unreachable), readyF = max(1, ready); desired stable / panic = ceil(value / target) clamped to
//   [maxDown, maxUp], raised to activationScale when non-zero. Panic starts (and is extended) while
//   ceil(panic / target) / readyF >= panicThreshold and ends a stable window after the last time it
//   was over; while panicking the count never goes down (maxPanicPods). An optional scale-down
//   delay holds the maximum of the last `delay` seconds (reachable revisions only). Excess burst capacity
//   floor(ready x totalValue - targetBurstCapacity - panic) says whether the activator stays in
//   the request path.
//
// Pure apart from its own state; `now` is a parameter. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "policy/kpa/max_time_window.h"

namespace podpilot::kpa {

enum class ScalingMetric { kConcurrency, kRps };

// DeciderSpec (scaling/multiscaler.go), as the KPA reconciler builds it from the config.
struct DeciderSpec {
  double max_scale_up_rate = 1000;
  double max_scale_down_rate = 2;
  ScalingMetric scaling_metric = ScalingMetric::kConcurrency;
  double target_value = 70;           // per pod, after target utilization
  double total_value = 100;           // per pod, before target utilization
  double target_burst_capacity = 211; // -1: activator always in the path
  double panic_threshold = 2.0;       // panic-threshold-percentage / 100
  double stable_window_s = 60;
  double scale_down_delay_s = 0;
  int32_t activation_scale = 1;
  bool reachable = true;
};

struct ScaleResult {
  int32_t desired_pod_count = 0;
  int32_t excess_burst_capacity = 0;
  bool scale_valid = false;
};

// The stable and panic window averages of the scaling metric (revision totals).
struct ObservedMetrics {
  double stable = 0;
  double panic = 0;
};

class KpaAutoscaler {
 public:
  // Starts in panic mode (panicTime = now, maxPanicPods = ready) when more than one pod is ready,
  // so that history lost at a restart does not cause a scale-down.
  KpaAutoscaler(const DeciderSpec& spec, int initial_ready_pods, double now_s);

  // `metrics` nullopt means "no data" (the stable window is empty): the result is invalid.
  ScaleResult Scale(double now_s, int ready_pods, const std::optional<ObservedMetrics>& metrics);

  // Replaces the spec (as the reconciler does when the config changes); the panic state and the
  // scale-down delay window created at construction are kept.
  void Update(const DeciderSpec& spec) { spec_ = spec; }

  bool panicking() const { return panic_time_s_.has_value(); }
  int32_t max_panic_pods() const { return max_panic_pods_; }
  const DeciderSpec& spec() const { return spec_; }

 private:
  DeciderSpec spec_;
  std::optional<double> panic_time_s_;
  int32_t max_panic_pods_ = 0;
  std::optional<MaxTimeWindow> delay_window_;
};

// Knative's decider tick (multiscaler.go tickInterval).
inline constexpr double kDeciderTickS = 2.0;

}  // namespace podpilot::kpa
