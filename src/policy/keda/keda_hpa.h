// The HPA that KEDA generates for a ScaledObject, behind a small interface so KEDA's loop does not
// depend on how the HPA is implemented (baselines.md 4.2).
//
// The generated HPA ("keda-hpa-<name>") has minReplicas = max(minReplicaCount, 1), maxReplicas =
// maxReplicaCount (100 if unset), one External metric per trigger ("s<i>-<metric>") with an
// AverageValue target (or Value), and no behavior, so it takes the legacy path: downscale
// stabilization 300 s, scale-up cap max(2 x current, 4), tolerance 0.1. With AverageValue the
// proposal is S if value / (target x S) is within tolerance (S = status replicas), else
// ceil(value / target). At 0 current replicas the HPA is disabled (KEDA's loop owns 0 <-> 1).
//
// Two implementations:
//   MakeHpaCoreKedaHpa  drives podpilot's HPA controller (src/policy/hpa, hpa::HpaController),
//                       the same code the `hpa` baseline runs. The default.
//   MakePlainKedaHpa    the formulas of baselines.md 1.5(c)/(d), 1.6 and 1.7 written out, kept as
//                       an independent cross-check of the wiring.
// Implementations keep the per-HPA history (recommendations) between calls; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/keda/keda_types.h"

namespace podpilot::keda {

struct KedaHpaMetric {
  std::string name;                  // external metric name, "s0-request_rate"
  std::optional<int64_t> value_milli;  // what the metrics adapter answers; nullopt = error
  int64_t target_milli = 0;
  MetricType type = MetricType::kAverageValue;
};

struct KedaHpaInput {
  Time now_s = 0;
  int32_t spec_replicas = 0;    // scale.spec.replicas ("current")
  int32_t status_replicas = 0;  // pods that exist (the AverageValue path divides by these)
  int32_t ready_pods = 0;       // running and ready (the Value path multiplies by these)
  int32_t min_replicas = 1;
  int32_t max_replicas = 100;
  std::vector<KedaHpaMetric> metrics;
};

struct KedaHpaResult {
  int32_t desired_replicas = 0;  // == spec_replicas when the HPA does not rescale
  bool rescaled = false;
  int32_t proposal = -1;         // max metric proposal before normalisation (-1: none)
  std::string reason;
  Status error;                  // metric errors (scaling may still have happened)
};

class KedaHpa {
 public:
  virtual ~KedaHpa() = default;
  // One HPA reconcile (every 15 s in Kubernetes).
  virtual KedaHpaResult Reconcile(const KedaHpaInput& input) = 0;
  // Forgets the history (a new episode).
  virtual void Reset() = 0;
};

// `key` names the HPA ("keda-hpa-<scaledobject>") in the controller's state.
std::unique_ptr<KedaHpa> MakeHpaCoreKedaHpa(const std::string& key);
std::unique_ptr<KedaHpa> MakePlainKedaHpa();

}  // namespace podpilot::keda
