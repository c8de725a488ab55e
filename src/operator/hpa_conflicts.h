// Upstream HorizontalPodAutoscalers on the operator's targets. Two controllers writing one
// workload's replicas undo each other every period (the HPA controller itself refuses to act
// on a target two HPAs select: AmbiguousSelector), so an Active autoscaler does not write while
// an HPA scales one of its targets (reconciler.cc). Shadow mode is meant to run beside the HPA
// it may replace and does not look.
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

// Of `hpas` (HorizontalPodAutoscaler objects, any version with spec.scaleTargetRef), those whose
// scaleTargetRef names one of `targets` (kind and name, API group apps or unset), as
// "HorizontalPodAutoscaler NAME scales KIND/TARGET", in the order given.
std::vector<std::string> ConflictingHpas(const std::vector<nlohmann::json>& hpas, const std::vector<TargetRef>& targets);

// The same for namespace `ns`: from `cache` (may be null) once its HPA watch has listed, else from
// one list request (errors as KubeClient's, e.g. PermissionDenied without RBAC to list them).
StatusOr<std::vector<std::string>> FindConflictingHpas(const k8s::KubeClient& kube, const ClusterCache* cache,
                                                       const std::string& ns, const std::vector<TargetRef>& targets);

}  // namespace podpilot::op
