#include "sim/app_model.h"

#include <gtest/gtest.h>

#include "common/units.h"
#include "sim/sim_test_util.h"

namespace podpilot {
namespace {

using testing::OneServiceYaml;

TEST(AppModelTest, BundledAppsLoadAndValidate) {
  for (const char* name : {"online-boutique", "teastore", "gourmetgram"}) {
    auto app = LoadAppByName(name);
    ASSERT_TRUE(app.ok()) << name << ": " << app.status().ToString();
    EXPECT_FALSE(app->services.empty());
    EXPECT_FALSE(app->classes.empty());
    double total = 0;
    for (const auto& c : app->classes) total += c.weight;
    EXPECT_NEAR(total, 1.0, 1e-12) << name;
  }
}

TEST(AppModelTest, OnlineBoutiqueHasItsElevenServicesAndLoadGeneratorClasses) {
  auto app = LoadAppByName("online-boutique");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_EQ(app->services.size(), 11u);
  for (const char* s : {"frontend", "cartservice", "productcatalogservice", "currencyservice", "paymentservice",
                        "shippingservice", "emailservice", "checkoutservice", "recommendationservice", "adservice",
                        "redis-cart"}) {
    EXPECT_GE(app->ServiceIndex(s), 0) << s;
  }
  EXPECT_EQ(app->classes.size(), 6u);
}

TEST(AppModelTest, GourmetgramMatchesTheTutorialSpec) {
  auto app = LoadAppByName("gourmetgram");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  ASSERT_EQ(app->services.size(), 1u);
  const ServiceModel& s = app->services[0];
  EXPECT_DOUBLE_EQ(s.requests.cpu, 0.3);
  EXPECT_DOUBLE_EQ(s.limits.cpu, 0.5);
  EXPECT_DOUBLE_EQ(s.requests.memory, 300 * kMiB);
  EXPECT_DOUBLE_EQ(s.limits.memory, 500 * kMiB);
  EXPECT_DOUBLE_EQ(s.readiness_initial_delay_s, 5);
  EXPECT_DOUBLE_EQ(s.readiness_period_s, 5);
  EXPECT_EQ(s.readiness_success_threshold, 3);
}

TEST(AppModelTest, UnknownAppNamesTheBundledOnes) {
  auto app = LoadAppByName("no-such-app");
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().message().find("online-boutique"), std::string::npos) << app.status().message();
}

struct BadCase {
  std::string yaml;
  std::string expect;  // substring of the error
};

TEST(AppModelTest, BadInputNamesFileFieldAndValue) {
  const std::string good = OneServiceYaml();
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string y = good;
    size_t at = y.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return y.replace(at, from.size(), to);
  };
  const std::vector<BadCase> cases = {
      {replace("cpu_per_request: 0.010000", "cpu_per_request: -1"), "services[0].cpu_per_request: '-1' is out of range"},
      {replace("cpu_per_request: 0.010000", "cpu_per_request: fast"), "services[0].cpu_per_request: 'fast' is not a number"},
      {replace("limits: {cpu: 500m", "limits: {cpu: 100m"), "services[0].limits.cpu: limit is below the request"},
      {replace("memory: 128Mi", "memory: 128Qi"), "unknown memory unit 'Qi'"},
      {replace("initial: 2", "initial: 50"), "services[0].replicas.initial: must lie within [min, max]"},
      {replace("call: {service: web}", "call: {service: api}"), "request_classes[0].call.service: 'api' is not a service"},
      {replace("base_memory: 50Mi", "base_memroy: 50Mi"), "services[0].base_memroy: unknown field"},
      {replace("services:", "services: 3\nx:"), "test.yaml"},
      {"name: [unclosed", "test.yaml:1"},
      {replace("base_memory: 50Mi", "base_memory: 300Mi"), "base_memory: must be below limits.memory"},
  };
  for (const auto& c : cases) {
    auto app = ParseAppModel(c.yaml, "test.yaml");
    ASSERT_FALSE(app.ok()) << "accepted: " << c.yaml;
    EXPECT_NE(app.status().message().find(c.expect), std::string::npos)
        << "error '" << app.status().message() << "' lacks '" << c.expect << "'";
    EXPECT_NE(app.status().message().find("test.yaml"), std::string::npos) << app.status().message();
  }
}

TEST(AppModelTest, PodTooLargeForAnyNodeIsRefused) {
  auto app = ParseAppModel(OneServiceYaml(0.01, "500m", 2, "",
                                          "cluster:\n  node_pools:\n    - {name: tiny, cpu: 100m, memory: 1Gi, nodes: 1}\n"),
                           "test.yaml");
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().message().find("larger than any node pool"), std::string::npos);
}

TEST(AppModelTest, ReadinessTimingFollowsTheKubelet) {
  auto app = testing::MustParseApp(OneServiceYaml());
  const ServiceModel& s = app->services[0];
  // First probe after the 5 s initial delay, then two more successes 5 s apart.
  EXPECT_DOUBLE_EQ(s.ProbeSecondsToReady(), 15.0);
  EXPECT_DOUBLE_EQ(s.SecondsToReady(), 20.0);
}

}  // namespace
}  // namespace podpilot
