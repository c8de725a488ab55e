// Ports of the normalisation tests of upstream horizontal_test.go: TestNormalizeDesiredReplicas
// (legacy stabilization), TestNormalizeDesiredReplicasWithBehavior, TestConvertDesiredReplicasWithRules,
// TestCalculateScale{Up,Down}Limit*, TestStoreScaleEvents; plus boundary tests for the strict
// Before/After comparisons. baselines.md 1.11 vectors are marked Hn.
#include <gtest/gtest.h>

#include "policy/hpa/hpa_defaults.h"
#include "policy/hpa/hpa_test_util.h"
#include "policy/hpa/normalization_behavior.h"
#include "policy/hpa/normalization_legacy.h"
#include "policy/hpa/recommendation_history.h"

namespace podpilot::hpa {
namespace {

using testutil::kNow;
constexpr double kMinute = 60;

std::vector<int32_t> Replicas(const std::vector<TimestampedRecommendation>& recs) {
  std::vector<int32_t> out;
  for (const auto& r : recs) out.push_back(r.replicas);
  return out;
}

// --- TestNormalizeDesiredReplicas (legacy stabilizeRecommendation, 5 min window) ------------

struct LegacyCase {
  const char* name;
  std::vector<TimestampedRecommendation> recs;
  int32_t proposal;
  int32_t want;
  size_t want_len;
};

TEST(NormalizationLegacyTest, TestNormalizeDesiredReplicas_H11) {
  const std::vector<LegacyCase> cases = {
      {"empty log", {}, 5, 5, 1},
      {"stabilize", {{4, kNow - 2 * kMinute}, {5, kNow - 1 * kMinute}}, 3, 5, 3},
      {"no stabilize", {{1, kNow - 2 * kMinute}, {2, kNow - 1 * kMinute}}, 3, 3, 3},
      {"no stabilize - old recommendations", {{10, kNow - 10 * kMinute}, {9, kNow - 9 * kMinute}}, 3, 3, 2},
      {"stabilize - old recommendations",
       {{10, kNow - 10 * kMinute}, {4, kNow - 1 * kMinute}, {5, kNow - 2 * kMinute}, {9, kNow - 9 * kMinute}},
       3, 5, 4},
  };
  for (const auto& c : cases) {
    auto recs = c.recs;
    EXPECT_EQ(StabilizeRecommendation(recs, c.proposal, 5 * kMinute, kNow), c.want) << c.name;
    EXPECT_EQ(recs.size(), c.want_len) << c.name;
  }
}

TEST(NormalizationLegacyTest, StabilizeReusesTheLastOldSlot) {
  std::vector<TimestampedRecommendation> recs = {
      {10, kNow - 10 * kMinute}, {4, kNow - 1 * kMinute}, {5, kNow - 2 * kMinute}, {9, kNow - 9 * kMinute}};
  StabilizeRecommendation(recs, 3, 5 * kMinute, kNow);
  EXPECT_EQ(Replicas(recs), (std::vector<int32_t>{10, 4, 5, 3}));
  EXPECT_EQ(recs[3].timestamp, kNow);
}

TEST(NormalizationLegacyTest, WindowEdgeIsStrict) {
  // A recommendation exactly at now - window is not "before the cutoff": it still counts.
  std::vector<TimestampedRecommendation> recs = {{8, kNow - 300}};
  EXPECT_EQ(StabilizeRecommendation(recs, 3, 300, kNow), 8);
  EXPECT_EQ(recs.size(), 2u);
  // Half a second older and it is out of the window (and its slot is reused).
  recs = {{8, kNow - 300.5}};
  EXPECT_EQ(StabilizeRecommendation(recs, 3, 300, kNow), 3);
  EXPECT_EQ(Replicas(recs), (std::vector<int32_t>{3}));
}

TEST(NormalizationLegacyTest, TestConvertDesiredReplicasWithRules_H12) {
  struct Case {
    int32_t current, desired, min, max, want;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {5, 7, 3, 8, 7, "DesiredWithinRange"},
      {3, 1, 2, 8, 2, "TooFewReplicas"},
      {1, 0, 0, 10, 0, "DesiredWithinRange"},
      {20, 1000, 1, 10, 10, "TooManyReplicas"},
      {3, 1000, 1, 2000, 6, "ScaleUpLimit"},  // calculateScaleUpLimit(3) = max(2 x 3, 4)
  };
  for (const auto& c : cases) {
    LimitedReplicas r = ConvertDesiredReplicasWithRules(c.current, c.desired, c.min, c.max);
    EXPECT_EQ(r.replicas, c.want) << c.current << "->" << c.desired;
    EXPECT_EQ(r.reason, c.reason) << c.current << "->" << c.desired;
  }
  EXPECT_EQ(CalculateScaleUpLimit(3), 6);
  EXPECT_EQ(CalculateScaleUpLimit(1), 4);  // the minimum of 4 applies to small targets
  EXPECT_EQ(CalculateScaleUpLimit(0), 4);
}

TEST(NormalizationLegacyTest, NormalizeLegacySetsConditions) {
  std::vector<TimestampedRecommendation> recs = {{6, kNow - 60}};
  Normalized n = NormalizeLegacy(recs, 6, 3, 1, 10, 300, kNow);
  EXPECT_EQ(n.replicas, 6);
  EXPECT_EQ(n.able_to_scale.reason, "ScaleDownStabilized");
  EXPECT_FALSE(n.scaling_limited.status);
  EXPECT_EQ(n.scaling_limited.reason, "DesiredWithinRange");

  recs.clear();
  n = NormalizeLegacy(recs, 2, 50, 1, 100, 300, kNow);  // scale-up capped at max(4, 4)
  EXPECT_EQ(n.replicas, 4);
  EXPECT_EQ(n.able_to_scale.reason, "ReadyForNewScale");
  EXPECT_TRUE(n.scaling_limited.status);
  EXPECT_EQ(n.scaling_limited.reason, "ScaleUpLimit");
}

// --- TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors) --------

struct BehaviorCase {
  const char* name;
  std::vector<TimestampedRecommendation> recs;
  int32_t current, proposal, want;
  std::vector<int32_t> want_recs;
  double up_window, down_window;
};

TEST(NormalizationBehaviorTest, TestNormalizeDesiredReplicasWithBehavior_H10) {
  const auto m = [](double minutes) { return kNow - minutes * kMinute; };
  const std::vector<BehaviorCase> cases = {
      {"empty recommendations for scaling down", {}, 100, 5, 5, {5}, 0, 0},
      {"simple scale down stabilization (H10a)", {{4, m(2)}, {5, m(1)}}, 100, 3, 5, {4, 5, 3}, 0, 180},
      {"simple scale up stabilization (H10b)", {{4, m(2)}, {5, m(1)}}, 1, 7, 4, {4, 5, 7}, 300, 0},
      {"no scale down stabilization", {{1, m(2)}, {2, m(1)}}, 100, 3, 3, {1, 2, 3}, 300, 0},
      {"no scale up stabilization", {{4, m(2)}, {5, m(1)}}, 1, 3, 3, {4, 5, 3}, 0, 300},
      {"no scale down stabilization, reuse recommendation element", {{10, m(10)}, {9, m(9)}}, 100, 3, 3,
       {10, 3}, 0, 0},
      {"no scale up stabilization, reuse recommendation element", {{10, m(10)}, {9, m(9)}}, 1, 100, 100,
       {10, 100}, 0, 0},
      {"scale down stabilization, reuse one of obsolete recommendation element",
       {{10, m(10)}, {4, m(1)}, {5, m(2)}, {9, m(9)}}, 100, 3, 5, {10, 4, 5, 3}, 0, 180},
      {"scale up stabilization, reuse one of obsolete recommendation element (H10c)",
       {{10, m(100)}, {6, m(1)}, {5, m(2)}, {9, m(3)}}, 1, 100, 5, {100, 6, 5, 9}, 300, 0},
      {"scale up stabilization, do not scale up when prenormalized rec goes down (H10d)",
       {{2, m(100)}, {3, m(3)}}, 2, 1, 2, {1, 3}, 300, 300},
  };
  for (const auto& c : cases) {
    auto recs = c.recs;
    NormalizationArg arg;
    arg.current_replicas = c.current;
    arg.desired_replicas = c.proposal;
    LimitedReplicas r = StabilizeRecommendationWithBehaviors(recs, arg, c.up_window, c.down_window, kNow);
    EXPECT_EQ(r.replicas, c.want) << c.name;
    EXPECT_EQ(Replicas(recs), c.want_recs) << c.name;
  }
}

TEST(NormalizationBehaviorTest, ZeroWindowReactsImmediatelyAndEdgesAreStrict) {
  // A record exactly at now - window is neither inside the window (After is strict) nor old
  // (Before is strict): it does not cap the scale-up, and its slot is not reused.
  std::vector<TimestampedRecommendation> recs = {{3, kNow - 60}};
  NormalizationArg arg;
  arg.current_replicas = 2;
  arg.desired_replicas = 8;
  EXPECT_EQ(StabilizeRecommendationWithBehaviors(recs, arg, 60, 60, kNow).replicas, 8);
  EXPECT_EQ(recs.size(), 2u);
  // Inside the window by a second: the up-window minimum (3) wins.
  recs = {{3, kNow - 59}};
  EXPECT_EQ(StabilizeRecommendationWithBehaviors(recs, arg, 60, 60, kNow).replicas, 3);
}

// --- Scale limits with policies ----------------------------------------------------------

ScalingRules MinPolicyRules() {
  ScalingRules r;
  r.stabilization_window_seconds = 300;
  r.select_policy = SelectPolicy::kMin;
  r.policies = std::vector<ScalingPolicy>{{PolicyType::kPods, 2, 60}, {PolicyType::kPercent, 50, 60}};
  return r;
}

TEST(NormalizationBehaviorTest, TestCalculateScaleUpLimitWithScalingRules_H9f) {
  EXPECT_EQ(CalculateScaleUpLimitWithScalingRules(1, {}, {}, MinPolicyRules(), kNow), 2);
}

TEST(NormalizationBehaviorTest, TestCalculateScaleDownLimitWithBehaviors_H9f) {
  EXPECT_EQ(CalculateScaleDownLimitWithBehaviors(5, {}, {}, MinPolicyRules(), kNow), 3);
}

TEST(NormalizationBehaviorTest, PercentScaleDownTruncatesTowardZero) {
  ScalingRules r;
  r.select_policy = SelectPolicy::kMax;
  r.policies = std::vector<ScalingPolicy>{{PolicyType::kPercent, 50, 60}};
  EXPECT_EQ(CalculateScaleDownLimitWithBehaviors(7, {}, {}, r, kNow), 3);  // int(3.5)
  r.policies = std::vector<ScalingPolicy>{{PolicyType::kPercent, 1000, 60}};
  EXPECT_EQ(CalculateScaleDownLimitWithBehaviors(7, {}, {}, r, kNow), -63);  // int(-63.0)
  r.policies = std::vector<ScalingPolicy>{{PolicyType::kPercent, 150, 60}};
  EXPECT_EQ(CalculateScaleDownLimitWithBehaviors(7, {}, {}, r, kNow), -3);  // int(-3.5) toward 0
  // Scale-up percent rounds up: 7 x 1.1 = 7.7 -> 8.
  r.policies = std::vector<ScalingPolicy>{{PolicyType::kPercent, 10, 60}};
  EXPECT_EQ(CalculateScaleUpLimitWithScalingRules(7, {}, {}, r, kNow), 8);
}

TEST(NormalizationBehaviorTest, DisabledSelectPolicyFreezesThatDirection) {
  ScalingRules r = DefaultScaleUpRules();
  r.select_policy = SelectPolicy::kDisabled;
  EXPECT_EQ(CalculateScaleUpLimitWithScalingRules(5, {}, {}, r, kNow), 5);
  EXPECT_EQ(CalculateScaleDownLimitWithBehaviors(5, {}, {}, r, kNow), 5);
  NormalizationArg arg{r, DefaultScaleDownRules(), 1, 100, 5, 9};
  LimitedReplicas l = ConvertDesiredReplicasWithBehaviorRate(arg, {}, {}, kNow);
  EXPECT_EQ(l.replicas, 5);
  EXPECT_EQ(l.reason, "ScaleUpLimit");
}

TEST(NormalizationBehaviorTest, ChangePerPeriodCutoffIsStrict) {
  std::vector<TimestampedScaleEvent> events = {{3, kNow - 60, false}, {4, kNow - 59.5, false}};
  EXPECT_EQ(ReplicasChangePerPeriod(60, events, kNow), 4);  // the event at exactly now - 60 is out
}

}  // namespace
}  // namespace podpilot::hpa
