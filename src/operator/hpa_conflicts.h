// Upstream HorizontalPodAutoscalers on the operator's targets. Two controllers writing one
// workload's replicas undo each other every period (the HPA controller itself refuses to act
// on a target two HPAs select: AmbiguousSelector), so an Active autoscaler does not write while
// an HPA scales one of its targets; a Shadow one, meant to run beside the HPA it may replace,
// shows that HPA's desired replicas beside its own proposals (reconciler.cc).
//
// Thread-safety: free functions; safe to call concurrently.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "k8s/kube_client.h"
#include "operator/autoscaler_spec.h"

namespace podpilot::op {

class ClusterCache;

struct HpaOnTarget {
  std::string hpa;                // the HorizontalPodAutoscaler's name
  std::string target;             // the operator's target it scales (TargetRef::name)
  std::string kind;               // that target's kind
  int desired_replicas = -1;      // its status.desiredReplicas; -1 before the HPA controller set it
  // "HorizontalPodAutoscaler NAME scales KIND/TARGET"
  std::string Describe() const { return "HorizontalPodAutoscaler " + hpa + " scales " + kind + "/" + target; }
};

// Of `hpas` (HorizontalPodAutoscaler objects, any version with spec.scaleTargetRef), those whose
// scaleTargetRef names one of `targets` (kind and name, API group apps or unset), in the order given.
std::vector<HpaOnTarget> HpasOnTargets(const std::vector<nlohmann::json>& hpas, const std::vector<TargetRef>& targets);

// The same for namespace `ns`: from `cache` (may be null) once its HPA watch has listed; the
// error that watch is refused with, without a request, while it is (ClusterCache::HpasUnavailable);
// else from one list request (errors as KubeClient's). A refusal, Forbidden (no RBAC) or NotFound
// (no autoscaling/v2), has one message whichever way it was learned; an Unauthorized keeps the
// server's.
StatusOr<std::vector<HpaOnTarget>> FindHpasOnTargets(const k8s::KubeClient& kube, const ClusterCache* cache,
                                                     const std::string& ns, const std::vector<TargetRef>& targets);

}  // namespace podpilot::op
