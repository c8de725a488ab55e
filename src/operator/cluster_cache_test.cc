#include "operator/cluster_cache.h"

#include <gtest/gtest.h>

namespace podpilot::op {
namespace {

using nlohmann::json;

TEST(SelectorMatchesTest, LabelsAndExpressions) {
  const json labels = {{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(SelectorMatches({{"matchLabels", {{"app", "web"}}}}, labels));
  EXPECT_FALSE(SelectorMatches({{"matchLabels", {{"app", "api"}}}}, labels));
  EXPECT_FALSE(SelectorMatches({{"matchLabels", {{"app", "web"}, {"track", "canary"}}}}, labels));
  auto expr = [](const std::string& op, json values = json::array()) {
    return json{{"matchExpressions", json::array({{{"key", "tier"}, {"operator", op}, {"values", values}}})}};
  };
  EXPECT_TRUE(SelectorMatches(expr("In", {"front", "back"}), labels));
  EXPECT_FALSE(SelectorMatches(expr("In", {"back"}), labels));
  EXPECT_TRUE(SelectorMatches(expr("NotIn", {"back"}), labels));
  EXPECT_FALSE(SelectorMatches(expr("NotIn", {"front"}), labels));
  EXPECT_TRUE(SelectorMatches(expr("Exists"), labels));
  EXPECT_FALSE(SelectorMatches(expr("DoesNotExist"), labels));
  EXPECT_TRUE(SelectorMatches(expr("NotIn", {"x"}), json{{"app", "web"}}));  // absent key: not in
  EXPECT_FALSE(SelectorMatches(expr("Sometimes"), labels));                  // unknown operator
  EXPECT_FALSE(SelectorMatches(json::object(), labels));                     // empty: nothing
}

}  // namespace
}  // namespace podpilot::op
