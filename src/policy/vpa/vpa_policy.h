// VpaPolicy: the Vertical Pod Autoscaler (recommender + updater) as a podpilot Policy.
//
// Recommender (every recommender_interval, 1 min): feeds each pod's CPU and memory sample
// (Observation::targets[i].pods, which this policy asks for) into per-pod ContainerStates that
// share one AggregateContainerState per target (all pods of a Deployment share the aggregation
// key), records OOM kills as synthetic memory samples, and estimates target / lower / upper bound
// with the upstream pipeline (estimator.h), capped by the container policy (capping.h). Without
// pod samples it falls back to the target's per-pod averages, one synthetic container per ready pod.
//
// Updater (every updater_interval, 1 min) by update mode:
//   Off                 never changes pods; the recommendation is only reported in `reason`.
//   Initial             only pods created later would get it (admission). A Decision cannot say
//                       "new pods only", so this mode never sets resources (as Off in a simulation
//                       without pod churn); the reason says what the admission controller would set.
//   Recreate (= Auto)   evicts pods the priority calculator admits (outside [lower, upper], quick
//   InPlaceOrRecreate   OOM, or >= 12 h old with diff >= 10 %) within the eviction restriction
//                       (min-replicas 2, tolerance 50 %) and the optional rate limiter; when at least
//                       one pod would be evicted / resized, the decision sets the new requests and
//                       the limits that keep the template's limit:request ratio (RequestsAndLimits).
// Replicas are never changed.
//
// Assumptions forced by the Observation (see the report in vpa_factory.h): pods have no stable id,
// so a pod is keyed by its index in `pods`; an OOM kill is attributed to the pod with the highest
// working set, and its run time is now - that pod's container start.
//
// One instance per environment; not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "policy/vpa/capping.h"
#include "policy/vpa/container_state.h"
#include "policy/vpa/estimator.h"
#include "policy/vpa/eviction_restriction.h"
#include "policy/vpa/update_priority.h"

namespace podpilot::vpa {

enum class UpdateMode { kOff, kInitial, kRecreate, kInPlaceOrRecreate };
const char* UpdateModeName(UpdateMode mode);

struct VpaPolicyConfig {
  UpdateMode mode = UpdateMode::kRecreate;
  AggregationsConfig aggregations;
  RecommenderConfig recommender;
  ContainerResourcePolicy container_policy;
  UpdateConfig update;
  double recommender_interval_s = 60;   // --recommender-interval
  double updater_interval_s = 60;       // --updater-interval
  int min_replicas = 2;                 // --min-replicas / updatePolicy.minReplicas
  double eviction_tolerance = 0.5;      // --eviction-tolerance
  double eviction_rate_limit = -1;      // --eviction-rate-limit (pods/s, <= 0 disables)
  int eviction_rate_burst = 1;          // --eviction-rate-burst
  bool requests_only = false;           // controlledValues: RequestsOnly keeps limits untouched
  bool control_cpu = true;              // controlledResources
  bool control_memory = true;
};

class VpaPolicy final : public Policy {
 public:
  explicit VpaPolicy(VpaPolicyConfig config, std::string name = "vpa");

  std::string Name() const override { return name_; }
  bool NeedsPodSamples() const override { return true; }
  void Reset(const PolicyContext& context) override;
  Decision Decide(const Observation& observation) override;

  // The last capped recommendation of target `i` (nullopt before the first CPU sample).
  std::optional<RecommendedContainerResources> recommendation(size_t i) const;

 private:
  struct TargetState {
    std::unique_ptr<AggregateContainerState> aggregate;
    std::map<std::string, ContainerState> containers;  // pod key -> state feeding `aggregate`
    std::optional<RecommendedContainerResources> recommendation;
    std::optional<double> last_recommender_s;
    std::optional<double> last_updater_s;
    int pending_ooms = 0;                     // not yet recorded by the recommender
    std::optional<double> oom_run_duration_s; // quick-OOM evidence for the updater
    std::string oom_pod_key;
    EvictionRateLimiter limiter;
  };

  TargetState& StateFor(size_t i);
  void RunRecommender(TargetState& s, const TargetObservation& t, double now_s, double metrics_window_s);
  // Returns the number of pods the updater would evict (or resize) now.
  int RunUpdater(TargetState& s, const TargetObservation& t, double now_s, std::string* why);
  TargetDecision Apply(const TargetState& s, const TargetObservation& t) const;

  VpaPolicyConfig config_;
  std::string name_;
  std::vector<TargetState> targets_;
};

}  // namespace podpilot::vpa
