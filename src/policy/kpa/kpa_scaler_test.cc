// The KPA reconciler (scaler.go handleScaleToZero / applyBounds, kpa.go computeActiveCondition and
// SKS mode), following the rules of baselines.md 3.3.
#include <gtest/gtest.h>

#include "policy/kpa/kpa_scaler.h"

namespace podpilot::kpa {
namespace {

ScaleResult Want(int desired, int ebc = 10) { return {desired, ebc, true}; }

// A reconciler that has seen one ready pod at t=0 (PA Active since 0).
KpaReconciler ActiveAt0(ScalerConfig config = {}) {
  KpaReconciler r(config, 0);
  auto out = r.Reconcile(0, Want(1), 1, 1);
  EXPECT_FALSE(out.apply_replicas.has_value());
  EXPECT_EQ(r.activity(), PaActivity::kActive);
  return r;
}

TEST(KpaReconciler, IdleActivePaHoldsOnePodForAStableWindow) {
  KpaReconciler r = ActiveAt0();
  auto out = r.Reconcile(30, Want(0), 2, 2);
  ASSERT_TRUE(out.apply_replicas.has_value());
  EXPECT_EQ(*out.apply_replicas, 1);
  EXPECT_EQ(r.activity(), PaActivity::kActive);
}

TEST(KpaReconciler, ActiveForAStableWindowMarksInactiveThenScalesToZeroAfterGrace) {
  KpaReconciler r = ActiveAt0();
  // EBC >= 0 so far: serve mode. At 60 s of activity: mark inactive, do not scale yet.
  auto out = r.Reconcile(60, Want(0), 1, 1);
  EXPECT_FALSE(out.apply_replicas.has_value());
  EXPECT_EQ(out.want, 0);
  EXPECT_EQ(r.activity(), PaActivity::kInactive);
  EXPECT_TRUE(r.proxy_mode());  // want == 0 puts the activator in the path
  // Inactive, activator in path since 60 s: wait out the 30 s grace period (strictly more).
  EXPECT_FALSE(r.Reconcile(62, Want(0), 1, 1).apply_replicas.has_value());
  EXPECT_FALSE(r.Reconcile(89, Want(0), 1, 1).apply_replicas.has_value());
  auto last = r.Reconcile(90, Want(0), 1, 1);
  ASSERT_TRUE(last.apply_replicas.has_value());  // in proxy mode for the grace period
  EXPECT_EQ(*last.apply_replicas, 0);
}

TEST(KpaReconciler, ActivatorAlreadyInPathScalesToZeroRightAfterGoingInactive) {
  KpaReconciler r = ActiveAt0();
  // Negative excess burst capacity: the activator has been in the path for a long time.
  r.Reconcile(10, Want(1, -5), 1, 1);
  EXPECT_TRUE(r.proxy_mode());
  EXPECT_FALSE(r.Reconcile(70, Want(0, -5), 1, 1).apply_replicas.has_value());
  EXPECT_EQ(r.activity(), PaActivity::kInactive);
  auto out = r.Reconcile(72, Want(0, -5), 1, 1);
  ASSERT_TRUE(out.apply_replicas.has_value());
  EXPECT_EQ(*out.apply_replicas, 0);
}

TEST(KpaReconciler, RetentionPeriodExtendsTheWaitWhenNotProxying) {
  ScalerConfig c;
  c.scale_to_zero_pod_retention_s = 120;
  c.scale_to_zero_grace_period_s = 30;
  KpaReconciler r = ActiveAt0(c);
  r.Reconcile(60, Want(0), 1, 1);  // inactive at 60, proxy since 60
  // The proxy fast path only looks at the grace period.
  EXPECT_TRUE(r.Reconcile(90, Want(0), 1, 1).apply_replicas.has_value());
}

TEST(KpaReconciler, ScaleToZeroDisabledKeepsOnePod) {
  ScalerConfig c;
  c.enable_scale_to_zero = false;
  KpaReconciler r = ActiveAt0(c);
  auto out = r.Reconcile(500, Want(0), 3, 3);
  ASSERT_TRUE(out.apply_replicas.has_value());
  EXPECT_EQ(*out.apply_replicas, 1);
}

TEST(KpaReconciler, BoundsClampTheDecision) {
  ScalerConfig c;
  c.min_scale = 2;
  c.max_scale = 5;
  KpaReconciler r(c, 0);
  // One ready pod is below min-scale 2: raised to 2, and the PA is still activating.
  EXPECT_EQ(*r.Reconcile(0, Want(1), 1, 1).apply_replicas, 2);
  EXPECT_EQ(r.activity(), PaActivity::kActivating);
  EXPECT_EQ(*r.Reconcile(10, Want(9), 1, 2).apply_replicas, 5);
  EXPECT_EQ(*r.Reconcile(12, Want(0), 5, 5).apply_replicas, 2);  // min-scale 2: never to zero
  EXPECT_FALSE(r.Reconcile(14, Want(2), 2, 2).apply_replicas.has_value());  // already there
}

TEST(KpaReconciler, ScaleFromZeroActivatesThenBecomesActive) {
  KpaReconciler r = ActiveAt0();
  r.Reconcile(60, Want(0), 1, 1);
  r.Reconcile(91, Want(0), 1, 1);  // scaled to zero
  EXPECT_EQ(r.activity(), PaActivity::kInactive);
  // Requests arrive at the activator: the decider wants 1.
  auto out = r.Reconcile(200, Want(1, -1), 0, 0);
  ASSERT_TRUE(out.apply_replicas.has_value());
  EXPECT_EQ(*out.apply_replicas, 1);
  EXPECT_EQ(r.activity(), PaActivity::kActivating);
  r.Reconcile(210, Want(1, -1), 1, 1);
  EXPECT_EQ(r.activity(), PaActivity::kActive);
}

TEST(KpaReconciler, ActivatingScalesToZeroOnlyAfterTheActivationTimeout) {
  KpaReconciler r(ScalerConfig{}, 0);  // starts Activating (no pod ready yet)
  auto out = r.Reconcile(10, Want(0), 1, 0);
  EXPECT_FALSE(out.apply_replicas.has_value());
  EXPECT_EQ(out.want, -1);
  // No metrics while activating: bounds turn -1 into 0, still held.
  EXPECT_FALSE(r.Reconcile(20, ScaleResult{}, 1, 0).apply_replicas.has_value());
  auto late = r.Reconcile(631, Want(0), 1, 0);
  ASSERT_TRUE(late.apply_replicas.has_value());
  EXPECT_EQ(*late.apply_replicas, 0);
  EXPECT_EQ(r.activity(), PaActivity::kInactive);
}

TEST(KpaReconciler, InvalidDecisionLeavesTheScaleAlone) {
  KpaReconciler r = ActiveAt0();
  auto out = r.Reconcile(10, ScaleResult{}, 3, 3);
  EXPECT_FALSE(out.apply_replicas.has_value());
  EXPECT_EQ(out.want, -1);
  EXPECT_EQ(r.activity(), PaActivity::kActive);
}

}  // namespace
}  // namespace podpilot::kpa
