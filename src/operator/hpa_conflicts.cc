#include "operator/hpa_conflicts.h"

#include "k8s/resources.h"
#include "operator/cluster_cache.h"

namespace podpilot::op {

using nlohmann::json;

std::vector<std::string> ConflictingHpas(const std::vector<json>& hpas, const std::vector<TargetRef>& targets) {
  std::vector<std::string> out;
  for (const json& hpa : hpas) {
    if (!hpa.is_object()) continue;
    const json ref = hpa.value("spec", json::object()).value("scaleTargetRef", json::object());
    if (!ref.is_object()) continue;
    const std::string api_version = ref.value("apiVersion", "");
    if (!api_version.empty() && api_version.rfind("apps/", 0) != 0) continue;
    const std::string kind = ref.value("kind", ""), name = ref.value("name", "");
    for (const TargetRef& t : targets) {
      if (t.kind != kind || t.name != name) continue;
      out.push_back("HorizontalPodAutoscaler " + hpa.value("metadata", json::object()).value("name", "") + " scales " +
                    kind + "/" + name);
      break;
    }
  }
  return out;
}

StatusOr<std::vector<std::string>> FindConflictingHpas(const k8s::KubeClient& kube, const ClusterCache* cache,
                                                       const std::string& ns, const std::vector<TargetRef>& targets) {
  if (cache != nullptr && cache->HpasSynced()) return ConflictingHpas(cache->ListHpas(ns), targets);
  auto list = kube.Get(k8s::HorizontalPodAutoscalers().Path(ns));
  if (!list.ok()) return list.status();
  std::vector<json> items;
  if (list->contains("items") && (*list)["items"].is_array()) {
    for (const auto& item : (*list)["items"]) items.push_back(item);
  }
  return ConflictingHpas(items, targets);
}

}  // namespace podpilot::op
