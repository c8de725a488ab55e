#include "policy/learned/actions.h"

#include <gtest/gtest.h>

#include <cmath>

namespace podpilot::learned {
namespace {

TargetObservation Target(int spec, int ready, double util, int min = 1, int max = 10) {
  TargetObservation t;
  t.name = "svc";
  t.replicas_spec = spec;
  t.replicas_ready = ready;
  t.cpu_utilization = util;
  t.min_replicas = min;
  t.max_replicas = max;
  return t;
}

Observation Obs(std::vector<TargetObservation> targets) {
  Observation o;
  o.targets = std::move(targets);
  return o;
}

TEST(ActionsTest, DeltaMovesAndClampsToMinMax) {
  const ActionLayout l = *MakeDeltaActions(3, {-2, -1, 0, 1, 2});
  EXPECT_EQ(l.nvec(), (std::vector<int>{5, 5, 5}));
  const Observation o = Obs({Target(5, 5, 0.5, 1, 10), Target(2, 2, 0.5, 1, 10), Target(9, 9, 0.5, 1, 10)});
  Decision d;
  const int32_t a[] = {3, 0, 4};  // +1, -2, +2
  ASSERT_TRUE(ApplyActions(l, o, a, &d).ok());
  ASSERT_EQ(d.targets.size(), 3u);
  EXPECT_EQ(d.targets[0].replicas, 6);
  EXPECT_EQ(d.targets[1].replicas, 1);   // 2 - 2 = 0, clamped to min 1
  EXPECT_EQ(d.targets[2].replicas, 10);  // 9 + 2 = 11, clamped to max 10
  EXPECT_FALSE(d.targets[0].set_resources);
}

TEST(ActionsTest, NoChangeIsKeep) {
  const ActionLayout l = *MakeDeltaActions(2, {-1, 0, 1});
  const Observation o = Obs({Target(4, 4, 0.5), Target(1, 1, 0.5, 1, 5)});
  Decision d;
  const int32_t a[] = {1, 0};  // 0 on the first; -1 at min on the second
  ASSERT_TRUE(ApplyActions(l, o, a, &d).ok());
  EXPECT_EQ(d.targets[0].replicas, TargetDecision::kKeep);
  EXPECT_EQ(d.targets[1].replicas, TargetDecision::kKeep);
}

TEST(ActionsTest, DeltaBringsAnOutOfRangeTargetBackIntoRange) {
  const ActionLayout l = *MakeDeltaActions(1, {0});
  Decision d;
  const int32_t a[] = {0};
  ASSERT_TRUE(ApplyActions(l, Obs({Target(12, 12, 0.5, 2, 8)}), a, &d).ok());
  EXPECT_EQ(d.targets[0].replicas, 8);
}

TEST(ActionsTest, SetpointFollowsTheHpaFormula) {
  const std::vector<double> sp = {0.3, 0.5, 0.7, 0.9};
  const ActionLayout l = *MakeSetpointActions(1, sp, /*tolerance=*/0.0);
  // Compare with desired = ceil(replicas * util / target), clamped to [1, 50], over a grid.
  for (int spec : {1, 2, 3, 7, 20}) {
    for (double util : {0.0, 0.12, 0.31, 0.5, 0.66, 0.9, 1.4, 3.0}) {
      for (int k = 0; k < 4; ++k) {
        const TargetObservation t = Target(spec, spec, util, 1, 50);
        const double ratio = util / sp[k];  // the HPA computes the ratio first
        const int expect = std::clamp(static_cast<int>(std::ceil(spec * ratio)), 1, 50);
        EXPECT_EQ(ReplicasForChoice(l, t, k), expect) << spec << " " << util << " " << sp[k];
      }
    }
  }
}

TEST(ActionsTest, SetpointToleranceKeepsNearTheTarget) {
  const ActionLayout l = *MakeSetpointActions(1, {0.5}, 0.1);
  EXPECT_EQ(ReplicasForChoice(l, Target(4, 4, 0.54), 0), 4);  // ratio 1.08: within 10 %
  EXPECT_EQ(ReplicasForChoice(l, Target(4, 4, 0.46), 0), 4);  // ratio 0.92
  EXPECT_EQ(ReplicasForChoice(l, Target(4, 4, 0.56), 0), 5);  // ratio 1.12: ceil(4.48)
  EXPECT_EQ(ReplicasForChoice(l, Target(4, 4, 0.25), 0), 2);
}

TEST(ActionsTest, SetpointNeedsAMeasurement) {
  const ActionLayout l = *MakeSetpointActions(1, {0.5}, 0.1);
  EXPECT_EQ(ReplicasForChoice(l, Target(3, 0, 0.0), 0), 3);   // nothing measured: keep
  EXPECT_EQ(ReplicasForChoice(l, Target(3, 3, 0.0), 0), 1);   // measured idle: down to min
  EXPECT_EQ(ReplicasForChoice(l, Target(1, 0, 1.5), 0), 3);   // the crashed pod's window still counts
  EXPECT_EQ(ReplicasForChoice(l, Target(3, 3, std::nan("")), 0), 3);
  EXPECT_EQ(ReplicasForChoice(l, Target(3, 3, 1e9, 1, 10), 0), 10);  // saturates, then clamps
}

TEST(ActionsTest, BadIndicesAndTargetCountsAreRefused) {
  const ActionLayout l = *MakeDeltaActions(2, {-1, 0, 1});
  Decision d;
  d.reason = "untouched";
  const int32_t bad[] = {1, 3};
  Status s = ApplyActions(l, Obs({Target(1, 1, 0), Target(1, 1, 0)}), bad, &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("index 3 for target 1 ('svc') is outside [0, 3)"), std::string::npos) << s.message();
  EXPECT_TRUE(d.targets.empty());
  const int32_t neg[] = {-1, 0};
  EXPECT_FALSE(ApplyActions(l, Obs({Target(1, 1, 0), Target(1, 1, 0)}), neg, &d).ok());
  const int32_t ok[] = {1, 1, 1};
  s = ApplyActions(l, Obs({Target(1, 1, 0), Target(1, 1, 0), Target(1, 1, 0)}), ok, &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("the observation has 3 targets but the action layout 2"), std::string::npos) << s.message();
  EXPECT_EQ(d.reason, "untouched");
}

TEST(ActionsTest, LayoutValidation) {
  EXPECT_FALSE(MakeDeltaActions(1, {}).ok());
  EXPECT_FALSE(MakeDeltaActions(0, {0}).ok());
  EXPECT_FALSE(MakeDeltaActions(1, {1, 1}).ok());
  EXPECT_FALSE(MakeDeltaActions(1, {5000}).ok());
  EXPECT_FALSE(MakeSetpointActions(1, {0.0}).ok());
  EXPECT_FALSE(MakeSetpointActions(1, {std::nan("")}).ok());
  EXPECT_FALSE(MakeSetpointActions(1, {0.5, 0.5}).ok());
  EXPECT_FALSE(MakeSetpointActions(1, {0.5}, 1.5).ok());
  EXPECT_FALSE(MakeSetpointActions(1, {0.5}, 0.1, -1).ok());
  EXPECT_FALSE(MakeSetpointActions(1, {0.5}, 0.1, 3601).ok());
  EXPECT_FALSE(MakeSetpointActions(1, {0.5}, 0.1, std::nan("")).ok());
  EXPECT_TRUE(MakeSetpointActions(1, {0.5}, 0.1, 3600).ok());
}

// Set-point actions with a scale-down window: one target at 4 pods whose CPU falls to 25 % of the
// request, under a 50 % setpoint (the rule alone asks for ceil(4 x 0.5) = 2).
class ScaleDownWindowTest : public ::testing::Test {
 protected:
  Decision At(double now, int spec, double util) {
    Observation o = Obs({Target(spec, spec, util)});
    o.time_s = now;
    Decision d;
    const int32_t a[] = {0};
    EXPECT_TRUE(ApplyActions(layout_, o, a, &d, &history_).ok());
    return d;
  }
  int Replicas(double now, int spec, double util) {
    const Decision d = At(now, spec, util);
    return d.targets[0].replicas == TargetDecision::kKeep ? spec : d.targets[0].replicas;
  }
  const ActionLayout layout_ = *MakeSetpointActions(1, {0.5}, 0.1, 300);
  ScaleDownHistory history_;
};

TEST_F(ScaleDownWindowTest, ScaleDownWaitsForTheWindowAsTheHpaDoes) {
  // The first call seeds the history with the current 4 pods, so 2 is held back for 300 s.
  EXPECT_EQ(At(1000, 4, 0.25).targets[0].replicas, TargetDecision::kKeep);
  EXPECT_EQ(Replicas(1150, 4, 0.25), 4);
  EXPECT_EQ(Replicas(1300, 4, 0.25), 4);  // 4 recorded at 1000 is not older than 1300 - 300
  EXPECT_EQ(Replicas(1301, 4, 0.25), 2);  // now it is, and every later recommendation was 2
}

TEST_F(ScaleDownWindowTest, ScaleUpIsImmediateAndAPeakIsHeld) {
  EXPECT_EQ(Replicas(0, 4, 0.5), 4);
  EXPECT_EQ(Replicas(15, 4, 1.0), 8);     // up at once: ceil(4 x 2)
  EXPECT_EQ(Replicas(30, 8, 0.25), 8);    // the rule says 4; 8 was asked for 15 s ago
  EXPECT_EQ(Replicas(314, 8, 0.25), 8);
  EXPECT_EQ(Replicas(316, 8, 0.25), 4);   // the 8 of t = 15 has left the window
}

TEST_F(ScaleDownWindowTest, ResetForgetsThePastEpisode) {
  EXPECT_EQ(Replicas(0, 4, 1.0), 8);
  history_.Reset();
  // A new episode whose clock restarts: only its own current replicas are remembered.
  EXPECT_EQ(Replicas(0, 3, 0.25), 3);
  EXPECT_EQ(Replicas(301, 3, 0.25), 2);
}

TEST_F(ScaleDownWindowTest, TheHistoryIsRequiredAndZeroWindowIsMemoryless) {
  Observation o = Obs({Target(4, 4, 0.25)});
  Decision d;
  const int32_t a[] = {0};
  const Status s = ApplyActions(layout_, o, a, &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("scale-down window"), std::string::npos) << s.message();
  const ActionLayout memoryless = *MakeSetpointActions(1, {0.5});
  ASSERT_TRUE(ApplyActions(memoryless, o, a, &d).ok());
  EXPECT_EQ(d.targets[0].replicas, 2);
  ScaleDownHistory unused;
  ASSERT_TRUE(ApplyActions(memoryless, o, a, &d, &unused).ok());
  EXPECT_EQ(d.targets[0].replicas, 2);
}

TEST(ActionsTest, JsonRoundTripAndErrors) {
  const ActionLayout d = *MakeDeltaActions(2, {-3, 0, 4});
  auto rd = ActionLayoutFromJson(ActionLayoutToJson(d), "m");
  ASSERT_TRUE(rd.ok()) << rd.status().ToString();
  EXPECT_EQ(rd->mode, ActionMode::kDelta);
  EXPECT_EQ(rd->num_targets, 2);
  EXPECT_EQ(rd->deltas, d.deltas);
  const ActionLayout s = *MakeSetpointActions(3, {0.3, 0.55}, 0.05);
  auto rs = ActionLayoutFromJson(ActionLayoutToJson(s), "m");
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  EXPECT_EQ(rs->mode, ActionMode::kSetpoint);
  EXPECT_EQ(rs->setpoints, s.setpoints);
  EXPECT_EQ(rs->tolerance, 0.05);
  EXPECT_EQ(rs->scale_down_window_s, 0);
  // The window's key is written only when set: older model files read and write as before.
  EXPECT_EQ(ActionLayoutToJson(s).find("scale_down_window_s"), std::string::npos);
  const ActionLayout w = *MakeSetpointActions(1, {0.5}, 0.1, 300);
  auto rw = ActionLayoutFromJson(ActionLayoutToJson(w), "m");
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  EXPECT_EQ(rw->scale_down_window_s, 300);
  for (const auto& [json, expect] : std::vector<std::pair<std::string, std::string>>{
           {R"({"mode":"teleport","num_targets":1})", "unknown mode 'teleport'"},
           {R"({"mode":"delta","num_targets":1})", "delta mode needs an array 'deltas'"},
           {R"({"mode":"delta","num_targets":1,"deltas":[0.5]})", "deltas holds a non-integer: 0.5"},
           {R"({"mode":"setpoint","num_targets":1,"setpoints":[-1]})", "setpoint -1 is outside (0, 10]"},
           {R"({"mode":"setpoint","num_targets":1,"setpoints":[0.5],"scale_down_window_s":"5m"})",
            "scale_down_window_s is not a number: \"5m\""},
           {R"({"mode":"setpoint","num_targets":1,"setpoints":[0.5],"scale_down_window_s":-15})",
            "scale_down_window_s must be in [0, 3600] seconds, got -15"},
           {R"([])", "not a JSON object"}}) {
    auto r = ActionLayoutFromJson(json, "model.st");
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_NE(r.status().message().find("model.st"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(expect), std::string::npos) << r.status().message();
  }
}

TEST(ActionsTest, DescribeChoice) {
  const ActionLayout d = *MakeDeltaActions(1, {-2, 0, 1});
  EXPECT_EQ(DescribeChoice(d, 0), "-2");
  EXPECT_EQ(DescribeChoice(d, 1), "0");
  EXPECT_EQ(DescribeChoice(d, 2), "+1");
  const ActionLayout s = *MakeSetpointActions(1, {0.5, 0.75});
  EXPECT_EQ(DescribeChoice(s, 1), "cpu 75%");
}

}  // namespace
}  // namespace podpilot::learned
