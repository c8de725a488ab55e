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
  std::vector<json> with_status = hpas;
  with_status[0]["status"] = {{"currentReplicas", 2}, {"desiredReplicas", 3}};
  const auto found = HpasOnTargets(with_status, targets);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].Describe(), "HorizontalPodAutoscaler web-hpa scales Deployment/web");
  EXPECT_EQ(found[0].target, "web");
  EXPECT_EQ(found[0].desired_replicas, 3);
  EXPECT_EQ(found[1].Describe(), "HorizontalPodAutoscaler cart-hpa scales StatefulSet/cart");
  EXPECT_EQ(found[1].desired_replicas, -1);  // not decided yet
  EXPECT_TRUE(HpasOnTargets({}, targets).empty());
  EXPECT_TRUE(HpasOnTargets(hpas, {}).empty());
}

}  // namespace
}  // namespace podpilot::op
