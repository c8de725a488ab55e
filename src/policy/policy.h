// Policy: decides replicas (and optionally requests/limits) from an Observation.
//
// Every autoscaler in podpilot — static, threshold, HPA, VPA, KPA, KEDA, predictive, learned —
// implements this interface and runs unchanged in the simulator and in the operator.
//
// Lifecycle: Reset() once before an episode (or when the operator starts managing a target set),
// then Decide() once per control interval with observations in increasing time. A Policy holds
// per-episode state (stabilization windows, histograms, forecasts) and is not thread-safe: use one
// instance per environment.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/observation.h"

namespace podpilot {

// What a policy knows about the world before the first observation.
struct PolicyContext {
  std::vector<std::string> target_names;
  std::vector<int> min_replicas;
  std::vector<int> max_replicas;
  std::vector<Resources> requests;   // initial per-pod requests
  std::vector<Resources> limits;
  double control_interval_s = 15.0;
  double startup_seconds_hint = 0;   // typical time from scale-up to ready (for predictive policies)
};

class Policy {
 public:
  virtual ~Policy() = default;
  // A short name for reports ("hpa:cpu=50").
  virtual std::string Name() const = 0;
  // True if the policy reads Observation::targets[i].pods (costs the producer a little).
  virtual bool NeedsPodSamples() const { return false; }
  // The period at which this policy wants Decide() called, in seconds; 0 means "the caller's
  // control interval" (15 s by default, as the HPA's sync period). The Knative KPA asks for 2 s.
  virtual double PreferredControlIntervalSeconds() const { return 0.0; }
  // The averaging window this policy wants for the per-target metrics (Observation::targets), in
  // seconds; 0 means "the caller's" (metrics-server's 30 s by default). The Knative KPA asks for
  // its own 2 s tick: Knative's autoscaler scrapes every pod's queue-proxy each second, so a 30 s
  // average would reach its 6 s panic window some 15 s late.
  virtual double PreferredMetricsWindowSeconds() const { return 0.0; }
  virtual void Reset(const PolicyContext& context) = 0;
  virtual Decision Decide(const Observation& observation) = 0;
};

}  // namespace podpilot
