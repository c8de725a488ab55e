#include "operator/hpa_conflicts.h"

#include "k8s/resources.h"
#include "operator/cluster_cache.h"

namespace podpilot::op {

using nlohmann::json;

std::vector<HpaOnTarget> HpasOnTargets(const std::vector<json>& hpas, const std::vector<TargetRef>& targets) {
  std::vector<HpaOnTarget> out;
  for (const json& hpa : hpas) {
    if (!hpa.is_object()) continue;
    const json ref = hpa.value("spec", json::object()).value("scaleTargetRef", json::object());
    if (!ref.is_object()) continue;
    const std::string api_version = ref.value("apiVersion", "");
    if (!api_version.empty() && api_version.rfind("apps/", 0) != 0) continue;
    const std::string kind = ref.value("kind", ""), name = ref.value("name", "");
    for (const TargetRef& t : targets) {
      if (t.kind != kind || t.name != name) continue;
      HpaOnTarget h;
      h.hpa = hpa.value("metadata", json::object()).value("name", "");
      h.target = name;
      h.kind = kind;
      const json status = hpa.value("status", json::object());
      if (status.is_object() && status.contains("desiredReplicas") && status["desiredReplicas"].is_number_integer()) {
        h.desired_replicas = status["desiredReplicas"].get<int>();
      }
      out.push_back(std::move(h));
      break;
    }
  }
  return out;
}

namespace {
// One message for a refusal however it was learned: the cache's watch lists across namespaces and
// a direct list in one, so the server's own messages differ ("at the cluster scope" / "in the
// namespace"), and the reconciler, which sends each distinct warning once, would send two.
// Only a Forbidden (403, or a watch's ERROR event with that reason) is a missing permission: an
// Unauthorized (401: an expired or unknown token, also PermissionDenied, k8s/api_status.cc) keeps
// the server's message, which says so.
Status Refusal(const Status& s) {
  if (s.code() == StatusCode::kPermissionDenied && s.message().find("Forbidden") != std::string::npos) {
    return {s.code(), "forbidden: the operator's identity may not list horizontalpodautoscalers.autoscaling "
                      "(deploy/rbac grants list and watch)"};
  }
  if (s.code() == StatusCode::kNotFound) {
    return {s.code(), "the API server does not serve horizontalpodautoscalers in autoscaling/v2"};
  }
  return s;
}
}  // namespace

StatusOr<std::vector<HpaOnTarget>> FindHpasOnTargets(const k8s::KubeClient& kube, const ClusterCache* cache,
                                                     const std::string& ns, const std::vector<TargetRef>& targets) {
  if (cache != nullptr && cache->HpasSynced()) return HpasOnTargets(cache->ListHpas(ns), targets);
  if (cache != nullptr) {
    if (Status refused = cache->HpasUnavailable(); !refused.ok()) return Refusal(refused);  // not asked again
  }
  auto list = kube.Get(k8s::HorizontalPodAutoscalers().Path(ns));
  if (!list.ok()) return Refusal(list.status());
  std::vector<json> items;
  if (list->contains("items") && (*list)["items"].is_array()) {
    for (const auto& item : (*list)["items"]) items.push_back(item);
  }
  return HpasOnTargets(items, targets);
}

}  // namespace podpilot::op
