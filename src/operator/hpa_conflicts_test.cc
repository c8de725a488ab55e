#include "operator/hpa_conflicts.h"

#include <gtest/gtest.h>

namespace podpilot::op {
namespace {

using nlohmann::json;

json Hpa(const std::string& name, const std::string& api_version, const std::string& kind, const std::string& target) {
  json ref = {{"kind", kind}, {"name", target}};
  if (!api_version.empty()) ref["apiVersion"] = api_version;
  return {{"apiVersion", "autoscaling/v2"},
          {"kind", "HorizontalPodAutoscaler"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec", {{"scaleTargetRef", ref}, {"minReplicas", 1}, {"maxReplicas", 10}}}};
}

TEST(HpaConflictsTest, MatchesKindAndNameInTheAppsGroup) {
  const std::vector<TargetRef> targets = {{"Deployment", "web", 1, 10}, {"StatefulSet", "cart", 1, 3}};
  const std::vector<json> hpas = {
      Hpa("web-hpa", "apps/v1", "Deployment", "web"),
      Hpa("other", "apps/v1", "Deployment", "checkout"),     // another workload
      Hpa("same-name", "apps/v1", "StatefulSet", "web"),     // another kind of the same name
      Hpa("custom", "example.com/v1", "Deployment", "web"),  // a custom resource called Deployment
      Hpa("cart-hpa", "", "StatefulSet", "cart"),            // apiVersion left out
      json::object(),                                        // no spec: ignored
  };
  EXPECT_EQ(ConflictingHpas(hpas, targets),
            (std::vector<std::string>{"HorizontalPodAutoscaler web-hpa scales Deployment/web",
                                      "HorizontalPodAutoscaler cart-hpa scales StatefulSet/cart"}));
  EXPECT_TRUE(ConflictingHpas({}, targets).empty());
  EXPECT_TRUE(ConflictingHpas(hpas, {}).empty());
}

}  // namespace
}  // namespace podpilot::op
