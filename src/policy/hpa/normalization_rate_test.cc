// Ports of upstream TestScalingWithRules (convertDesiredReplicasWithBehaviorRate) and
// TestStoreScaleEvents (horizontal_test.go). baselines.md 1.11 vectors are marked Hn.
#include <cmath>

#include <gtest/gtest.h>

#include "policy/hpa/hpa_defaults.h"
#include "policy/hpa/hpa_test_util.h"
#include "policy/hpa/normalization_behavior.h"
#include "policy/hpa/recommendation_history.h"

namespace podpilot::hpa {
namespace {

using testutil::kNow;

// generateScalingRules: a Max policy holding only the non-zero policies.
ScalingRules Rules(int32_t pods, int32_t pods_period, int32_t percent, int32_t percent_period,
                   int32_t window) {
  ScalingRules r;
  r.stabilization_window_seconds = window;
  r.select_policy = SelectPolicy::kMax;
  std::vector<ScalingPolicy> policies;
  if (pods != 0) policies.push_back({PolicyType::kPods, pods, pods_period});
  if (percent != 0) policies.push_back({PolicyType::kPercent, percent, percent_period});
  // Go leaves Policies nil when both are zero, which defaulting then replaces.
  if (!policies.empty()) r.policies = policies;
  return r;
}

// generateEventsUniformDistribution: events centred in equal segments of the last `period`
// seconds; time.Duration(float) truncates the offset to whole seconds.
std::vector<TimestampedScaleEvent> Events(const std::vector<int>& raw, int period) {
  std::vector<TimestampedScaleEvent> out;
  const double segment = static_cast<double>(period) / static_cast<double>(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const double offset = std::trunc(period - segment * static_cast<double>(i + 1) + segment / 2);
    out.push_back({raw[i], kNow - offset, false});
  }
  return out;
}

struct RateCase {
  const char* name;
  std::vector<TimestampedScaleEvent> up_events, down_events;
  int32_t min, max;
  std::optional<ScalingRules> up_rules, down_rules;
  int32_t current, proposal, want;
  const char* reason;
};

TEST(NormalizationRateTest, TestScalingWithRules_H9) {
  const std::vector<RateCase> cases = {
      {"prenormalized desired replicas within range", {}, {}, 3, 8, {}, {}, 5, 7, 7, "DesiredWithinRange"},
      {"prenormalized desired replicas < minReplicas", {}, {}, 2, 8, {}, {}, 3, 1, 2, "TooFewReplicas"},
      {"prenormalized desired replicas within range when minReplicas is 0", {}, {}, 0, 10, {}, {}, 1, 0, 0,
       "DesiredWithinRange"},
      {"maxReplicas is the limit because maxReplicas < scaleUpLimit", {}, {}, 1, 10, {}, {}, 20, 1000, 10,
       "TooManyReplicas"},
      {"desired replica count is more than the maximum replica count", {}, {}, 100, 150, {}, {}, 100, 1000,
       150, "TooManyReplicas"},
      {"scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", {}, {}, 1, 2000,
       Rules(0, 0, 1, 60, 0), {}, 3, 1000, 4, "ScaleUpLimit"},
      {"scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies", {}, {},
       3, 2000, {}, Rules(20, 60, 0, 0, 0), 1000, 3, 980, "ScaleDownLimit"},
      {"scaleUp with default behavior (H9a)", {}, {}, 1, 1000, {}, {}, 10, 50, 20, "ScaleUpLimit"},
      {"scaleUp with pods policy larger than percent policy", {}, {}, 1, 1000, Rules(100, 60, 100, 60, 0), {},
       10, 500, 110, "ScaleUpLimit"},
      {"scaleUp with percent policy larger than pods policy", {}, {}, 1, 1000, Rules(2, 60, 100, 60, 0), {},
       10, 500, 20, "ScaleUpLimit"},
      {"scaleUp with spec MaxReplicas limitation with large pod policy", {}, {}, 1, 1000,
       Rules(100, 60, 0, 0, 0), {}, 10, 50, 50, "DesiredWithinRange"},
      {"scaleUp with spec MaxReplicas limitation with large percent policy", {}, {}, 1, 1000,
       Rules(10000, 60, 0, 0, 0), {}, 10, 50, 50, "DesiredWithinRange"},
      {"scaleUp with pod policy limitation", {}, {}, 1, 1000, Rules(30, 60, 0, 0, 0), {}, 10, 50, 40,
       "ScaleUpLimit"},
      {"scaleUp with percent policy limitation", {}, {}, 1, 1000, Rules(0, 0, 200, 60, 0), {}, 10, 50, 30,
       "ScaleUpLimit"},
      {"scaleDown with percent policy larger than pod policy", {}, {}, 1, 1000, {}, Rules(20, 60, 1, 60, 300),
       100, 2, 80, "ScaleDownLimit"},
      {"scaleDown with pod policy larger than percent policy", {}, {}, 1, 1000, {}, Rules(2, 60, 1, 60, 300),
       100, 2, 98, "ScaleDownLimit"},
      {"scaleDown with spec MinReplicas=nil limitation with large pod policy", {}, {}, 1, 1000, {},
       Rules(100, 60, 0, 0, 300), 10, 0, 1, "TooFewReplicas"},
      {"scaleDown with spec MinReplicas limitation with large percent policy", {}, {}, 5, 1000, {},
       Rules(0, 0, 100, 60, 300), 10, 2, 5, "TooFewReplicas"},
      {"scaleDown with pod policy limitation", {}, {}, 1, 1000, {}, Rules(5, 60, 0, 0, 300), 10, 2, 5,
       "ScaleDownLimit"},
      {"scaleDown with percent policy limitation", {}, {}, 1, 1000, {}, Rules(0, 0, 50, 60, 300), 10, 5, 5,
       "DesiredWithinRange"},
      {"scaleUp with spec MaxReplicas limitation with large pod policy and events", Events({1, 5, 9}, 120), {},
       1, 200, Rules(300, 60, 0, 0, 0), {}, 100, 500, 200, "TooManyReplicas"},
      {"scaleUp with spec MaxReplicas limitation with large percent policy and events", Events({1, 5, 9}, 120),
       {}, 1, 200, Rules(0, 0, 10000, 60, 0), {}, 100, 500, 200, "TooManyReplicas"},
      {"scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
       Events({1, 5, 9}, 120), {}, 1, 1000, Rules(5, 120, 0, 0, 0), {}, 100, 500, 100, "ScaleUpLimit"},
      {"scaleUp with pod policy and previous scale up events (H9b)", Events({1, 5, 9}, 120), {}, 1, 1000,
       Rules(150, 120, 0, 0, 0), {}, 100, 500, 235, "ScaleUpLimit"},
      {"scaleUp with percent policy and previous scale up events", Events({1, 5, 9}, 120), {}, 1, 1000,
       Rules(0, 0, 200, 120, 0), {}, 100, 500, 255, "ScaleUpLimit"},
      {"scaleUp with percent policy and previous scale up and down events (H9c)", Events({4}, 300),
       Events({2}, 300), 1, 1000, Rules(0, 0, 300, 300, 0), {}, 6, 24, 16, "ScaleUpLimit"},
      {"scaleDown with default policy and previous events", {}, Events({1, 5, 9}, 120), 1, 1000, {}, {}, 10,
       5, 5, "DesiredWithinRange"},
      {"scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", {},
       Events({1, 5, 9}, 120), 1, 1000, {}, Rules(115, 120, 0, 0, 300), 100, 0, 1, "TooFewReplicas"},
      {"scaleDown with spec MinReplicas limitation with large pod policy and previous events", {},
       Events({1, 5, 9}, 120), 5, 1000, {}, Rules(130, 120, 0, 0, 300), 100, 0, 5, "TooFewReplicas"},
      {"scaleDown with spec MinReplicas limitation with large percent policy and previous events", {},
       Events({1, 5, 9}, 120), 5, 1000, {}, Rules(0, 0, 100, 120, 300), 100, 2, 5, "TooFewReplicas"},
      {"scaleDown with pod policy limitation and previous events (H9e)", {}, Events({1, 5, 9}, 120), 1, 1000,
       {}, Rules(5, 120, 0, 0, 300), 100, 2, 100, "ScaleDownLimit"},
      {"scaleDown with percent policy limitation and previous events (H9d)", {}, Events({2, 4, 6}, 120), 1,
       1000, {}, Rules(0, 0, 50, 120, 300), 100, 0, 56, "ScaleDownLimit"},
      {"scaleDown with previous events preventing further scale down", {}, Events({10, 10, 10}, 120), 1, 1000,
       {}, Rules(0, 0, 10, 120, 300), 100, 0, 100, "ScaleDownLimit"},
      {"scaleDown with with previous events still allowing more scale down", {}, Events({10, 10, 10}, 120), 1,
       1000, {}, Rules(0, 0, 1000, 120, 300), 10, 5, 5, "DesiredWithinRange"},
      {"check 'outdated' flag for events for one behavior for up", Events({8, 12, 9, 11}, 120), {}, 1, 1000,
       Rules(1000, 60, 0, 0, 0), {}, 100, 200, 200, "DesiredWithinRange"},
      {"check that events were not marked 'outdated' for two different policies in the behavior for up",
       Events({8, 12, 9, 11}, 120), {}, 1, 1000, Rules(1000, 120, 100, 60, 0), {}, 100, 200, 200,
       "DesiredWithinRange"},
      {"check that events were marked 'outdated' for two different policies in the behavior for up",
       Events({8, 12, 9, 11}, 120), {}, 1, 1000, Rules(1000, 30, 100, 60, 0), {}, 100, 200, 200,
       "DesiredWithinRange"},
      {"check 'outdated' flag for events for one behavior for down", {}, Events({8, 12, 9, 11}, 120), 1, 1000,
       {}, Rules(1000, 60, 0, 0, 300), 100, 5, 5, "DesiredWithinRange"},
      {"check that events were not marked 'outdated' for two different policies in the behavior for down",
       {}, Events({8, 12, 9, 11}, 120), 1, 1000, {}, Rules(1000, 120, 100, 60, 300), 100, 5, 5,
       "DesiredWithinRange"},
      {"check that events were marked 'outdated' for two different policies in the behavior for down", {},
       Events({8, 12, 9, 11}, 120), 1, 1000, {}, Rules(1000, 30, 100, 60, 300), 100, 5, 5,
       "DesiredWithinRange"},
  };
  for (const auto& c : cases) {
    NormalizationArg arg;
    arg.scale_up = GenerateScaleUpRules(c.up_rules);
    arg.scale_down = GenerateScaleDownRules(c.down_rules);
    arg.min_replicas = c.min;
    arg.max_replicas = c.max;
    arg.current_replicas = c.current;
    arg.desired_replicas = c.proposal;
    LimitedReplicas r = ConvertDesiredReplicasWithBehaviorRate(arg, c.up_events, c.down_events, kNow);
    EXPECT_EQ(r.replicas, c.want) << c.name;
    EXPECT_EQ(r.reason, c.reason) << c.name;
  }
}

// --- TestStoreScaleEvents --------------------------------------------------------------------

struct StoreCase {
  const char* name;
  int32_t replica_change;
  std::vector<TimestampedScaleEvent> prev;
  std::vector<std::pair<int32_t, bool>> want;  // (replicaChange, outdated)
  std::optional<ScalingRules> rules;
  int32_t want_change_in_60s;
};

TEST(NormalizationRateTest, TestStoreScaleEvents) {
  const auto ago = [](double s) { return kNow - s; };
  const std::vector<StoreCase> cases = {
      {"empty entries with default behavior", 5, {}, {}, std::nullopt, 0},
      {"empty entries with two-policy-behavior", 5, {}, {{5, false}}, Rules(10, 60, 100, 60, 0), 0},
      {"one outdated entry to be kept untouched without behavior", 5, {{7, ago(61), false}}, {{7, false}},
       std::nullopt, 0},
      {"one outdated entry to be replaced with behavior", 5, {{7, ago(61), false}}, {{5, false}},
       Rules(10, 60, 100, 60, 0), 0},
      {"one actual entry to be not touched with behavior", 5, {{7, ago(58), false}}, {{7, false}, {5, false}},
       Rules(10, 60, 100, 60, 0), 7},
      {"two entries, one of them to be replaced", 5, {{7, ago(61), false}, {6, ago(59), false}},
       {{5, false}, {6, false}}, Rules(10, 60, 0, 0, 0), 6},
      {"replace one entry, use policies with different periods", 5,
       {{8, ago(29), false}, {6, ago(59), false}, {7, ago(61), false}, {9, ago(61), false}},
       {{8, false}, {6, false}, {7, true}, {5, false}}, Rules(10, 60, 100, 30, 0), 14},
      {"two entries, both actual", 5, {{7, ago(58), false}, {6, ago(59), false}},
       {{7, false}, {6, false}, {5, false}}, Rules(10, 120, 100, 30, 0), 13},
  };
  for (const auto& c : cases) {
    for (bool up : {true, false}) {
      std::optional<Behavior> behavior;
      if (c.rules) {
        behavior = Behavior{};
        (up ? behavior->scale_up : behavior->scale_down) = c.rules;
      }
      KeyHistory h;
      (up ? h.scale_up_events : h.scale_down_events) = c.prev;
      const auto& events = up ? h.scale_up_events : h.scale_down_events;
      EXPECT_EQ(ReplicasChangePerPeriod(60, events, kNow), c.want_change_in_60s) << c.name;
      StoreScaleEvent(h, behavior, 10, up ? 10 + c.replica_change : 10 - c.replica_change, kNow);
      ASSERT_EQ(events.size(), c.want.size()) << c.name << (up ? " up" : " down");
      for (size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].replica_change, c.want[i].first) << c.name << " idx " << i;
        EXPECT_EQ(events[i].outdated, c.want[i].second) << c.name << " idx " << i;
      }
    }
  }
}

TEST(NormalizationRateTest, MarkOutdatedIsStrictAndSticky) {
  std::vector<TimestampedScaleEvent> events = {{1, kNow - 60, false}, {2, kNow - 61, false}};
  MarkScaleEventsOutdated(events, 60, kNow);
  EXPECT_FALSE(events[0].outdated);  // exactly at the cutoff: not Before
  EXPECT_TRUE(events[1].outdated);
  MarkScaleEventsOutdated(events, 3600, kNow);  // a longer period later does not revive it
  EXPECT_TRUE(events[1].outdated);
}

TEST(NormalizationRateTest, NormalizeWithBehaviorsFillsScaleDownWindowFromFlag) {
  // behavior set with the scale-down window unset: the controller flag (here 120 s) applies.
  KeyHistory h;
  h.recommendations = {{9, kNow - 100}};
  Behavior b;
  b.scale_up = DefaultScaleUpRules();
  b.scale_down = DefaultScaleDownRules();
  Normalized n = NormalizeWithBehaviors(h, b, 9, 3, 1, 20, 120, kNow);
  EXPECT_EQ(n.replicas, 9);  // the 9 of 100 s ago is inside the 120 s window
  EXPECT_EQ(n.able_to_scale.reason, "ScaleDownStabilized");
  h.recommendations = {{9, kNow - 130}};
  n = NormalizeWithBehaviors(h, b, 9, 3, 1, 20, 120, kNow);
  EXPECT_EQ(n.replicas, 3);  // out of the window; 100 %/15 s allows going straight to 3
  EXPECT_EQ(n.scaling_limited.reason, "DesiredWithinRange");
}

}  // namespace
}  // namespace podpilot::hpa
