#include "operator/status_builder.h"

#include <gtest/gtest.h>

#include "operator/target_observer.h"

namespace podpilot::op {
namespace {

using nlohmann::json;

json Object(const json& status) {
  return {{"metadata", {{"name", "web"}, {"namespace", "shop"}, {"generation", 2}}}, {"status", status}};
}

TEST(StatusBuilderTest, TransitionTimeChangesOnlyWithStatus) {
  StatusBuilder first(Object(json::object()), 1000);
  first.SetCondition("AbleToScale", true, "SucceededGetScale", "ok");
  const json s1 = first.status();
  StatusBuilder second(Object(s1), 2000);
  second.SetCondition("AbleToScale", true, "SucceededGetScale", "ok");
  EXPECT_EQ(second.status()["conditions"][0]["lastTransitionTime"], s1["conditions"][0]["lastTransitionTime"]);
  StatusBuilder third(Object(s1), 3000);
  third.SetCondition("AbleToScale", false, "FailedGetScale", "gone");
  EXPECT_NE(third.status()["conditions"][0]["lastTransitionTime"], s1["conditions"][0]["lastTransitionTime"]);
  EXPECT_EQ(third.status()["observedGeneration"], 2);
}

TEST(StatusBuilderTest, SameDecisionKeepsItsTimeAndNeedsNoWrite) {
  StatusBuilder a(Object(json::object()), 1000);
  a.SetTarget(0, "web", 2, 3);
  a.SetDecision("hpa: web: 2 -> 3");
  a.AddProposal("hpa", "web", 3, "above target");
  StatusBuilder b(Object(a.status()), 1015);
  b.SetTarget(0, "web", 2, 3);
  b.SetDecision("hpa: web: 2 -> 3");
  b.AddProposal("hpa", "web", 3, "above target");
  EXPECT_EQ(b.status()["lastDecision"]["time"], a.status()["lastDecision"]["time"]);
  EXPECT_EQ(StatusWithoutTimes(b.status()), StatusWithoutTimes(a.status()));
  EXPECT_EQ(b.ProposalSignature(), "hpa: web=3");
}

TEST(StatusBuilderTest, LaterVerdictOfAConditionReplacesEarlier) {
  StatusBuilder s(Object(json::object()), 1000);
  s.SetCondition("AbleToScale", true, "SucceededGetScale", "ok");
  s.SetCondition("AbleToScale", false, "FailedUpdateScale", "409");
  ASSERT_EQ(s.status()["conditions"].size(), 1u);
  EXPECT_EQ(s.status()["conditions"][0]["reason"], "FailedUpdateScale");
}

TEST(TargetObserverTest, ParsesApiTimesAndQuantities) {
  EXPECT_DOUBLE_EQ(*ParseRfc3339("1970-01-01T00:01:00Z"), 60.0);
  EXPECT_DOUBLE_EQ(*ParseRfc3339("1970-01-01T00:01:00.5Z"), 60.5);
  EXPECT_DOUBLE_EQ(*ParseRfc3339("1970-01-01T01:01:00+01:00"), 60.0);
  EXPECT_FALSE(ParseRfc3339("yesterday").ok());
  EXPECT_FALSE(ParseRfc3339("1970-01-01T00:01:00").ok());  // no zone
  const json pod_spec = json::parse(R"({"containers": [
      {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}}},
      {"name": "b", "resources": {"requests": {"cpu": "0.5"}, "limits": {"cpu": "1"}}},
      {"name": "c"}]})");
  const Resources req = SumContainerResources(pod_spec, "requests");
  EXPECT_DOUBLE_EQ(req.cpu, 0.75);
  EXPECT_DOUBLE_EQ(req.memory, 128.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(SumContainerResources(pod_spec, "limits").cpu, 1.0);
}

}  // namespace
}  // namespace podpilot::op
