// Upstream kedacore/keda pkg/scaling/executor/scale_scaledobjects_test.go (vectors E1-E4 of
// baselines.md 4.4) and the derived cooldown vector E6.
#include <gtest/gtest.h>

#include "policy/keda/keda_executor.h"

namespace podpilot::keda {
namespace {

constexpr Time kNow = 5000.0;

ScaledObjectSpec Spec(std::optional<int32_t> min, std::optional<int32_t> idle = std::nullopt) {
  ScaledObjectSpec s;
  s.min_replica_count = min;
  s.idle_replica_count = idle;
  return s;
}

// E1.
TEST(KedaExecutor, TestScaleToMinReplicasWhenNotActive) {
  ScaledObjectStatus st{kNow - 10, std::nullopt, 0};  // never active, initialCooldown 0
  ScaleAction a = RequestScale(Spec(0), st, /*active=*/false, /*error=*/false, 10, kNow);
  ASSERT_TRUE(a.set_replicas.has_value());
  EXPECT_EQ(*a.set_replicas, 0);
}

// E2.
TEST(KedaExecutor, TestScaleToMinReplicasFromLowerInitialReplicaCount) {
  ScaledObjectStatus st{kNow - 10, std::nullopt, 0};
  ScaleAction a = RequestScale(Spec(5), st, false, false, 1, kNow);
  ASSERT_TRUE(a.set_replicas.has_value());
  EXPECT_EQ(*a.set_replicas, 5);
}

// E3.
TEST(KedaExecutor, TestScaleFromMinReplicasWhenActive) {
  ScaledObjectStatus st{kNow - 10, std::nullopt, 0};
  ScaleAction a = RequestScale(Spec(0), st, true, false, 0, kNow);
  ASSERT_TRUE(a.set_replicas.has_value());
  EXPECT_EQ(*a.set_replicas, 1);
  ASSERT_TRUE(st.last_active_time_s.has_value());
  EXPECT_EQ(*st.last_active_time_s, kNow);
}

// E4.
TEST(KedaExecutor, TestScaleToIdleReplicasWhenNotActive) {
  ScaledObjectStatus st{kNow - 10, std::nullopt, 0};
  ScaleAction a = RequestScale(Spec(5, 0), st, false, false, 10, kNow);
  ASSERT_TRUE(a.set_replicas.has_value());
  EXPECT_EQ(*a.set_replicas, 0);
}

// E4.
TEST(KedaExecutor, TestScaleFromIdleToMinReplicasWhenActive) {
  ScaledObjectStatus st{kNow - 10, std::nullopt, 0};
  ScaleAction a = RequestScale(Spec(5, 0), st, true, false, 0, kNow);
  ASSERT_TRUE(a.set_replicas.has_value());
  EXPECT_EQ(*a.set_replicas, 5);
}

// E6 (derived): cooldown 300 s is strict — 299 s after the last activity holds, 301 s scales down.
TEST(KedaExecutor, CooldownHoldsUntilStrictlyPast) {
  ScaledObjectSpec s = Spec(0);
  ScaledObjectStatus recent{0, kNow - 299, 0};
  ScaleAction hold = RequestScale(s, recent, false, false, 3, kNow);
  EXPECT_FALSE(hold.set_replicas.has_value());
  EXPECT_EQ(hold.note, "ScalerCooldown");
  ScaledObjectStatus exact{0, kNow - 300, 0};
  EXPECT_FALSE(RequestScale(s, exact, false, false, 3, kNow).set_replicas.has_value());
  ScaledObjectStatus old{0, kNow - 301, 0};
  ScaleAction down = RequestScale(s, old, false, false, 3, kNow);
  ASSERT_TRUE(down.set_replicas.has_value());
  EXPECT_EQ(*down.set_replicas, 0);
}

TEST(KedaExecutor, InitialCooldownCountsFromCreationWhenNeverActive) {
  ScaledObjectSpec s = Spec(0);
  s.initial_cooldown_period_s = 120;
  ScaledObjectStatus young{kNow - 100, std::nullopt, 0};
  EXPECT_FALSE(RequestScale(s, young, false, false, 2, kNow).set_replicas.has_value());
  ScaledObjectStatus old{kNow - 121, std::nullopt, 0};
  EXPECT_EQ(*RequestScale(s, old, false, false, 2, kNow).set_replicas, 0);
}

TEST(KedaExecutor, ActiveWithReplicasOnlyRefreshesLastActiveTime) {
  ScaledObjectStatus st{0, kNow - 1000, 0};
  ScaleAction a = RequestScale(Spec(0), st, true, false, 4, kNow);
  EXPECT_FALSE(a.set_replicas.has_value());
  EXPECT_EQ(*st.last_active_time_s, kNow);
}

TEST(KedaExecutor, ErrorsWithoutActivityNeverScaleToZero) {
  ScaledObjectSpec with_fallback = Spec(0);
  with_fallback.fallback = FallbackSpec{3, 4, FallbackBehavior::kStatic};
  ScaledObjectStatus st{0, std::nullopt, 0};
  ScaleAction a = RequestScale(with_fallback, st, false, /*error=*/true, 3, kNow);
  EXPECT_FALSE(a.set_replicas.has_value());
  EXPECT_NE(a.note.find("fallback"), std::string::npos);
  ScaleAction b = RequestScale(Spec(0), st, false, true, 3, kNow);
  EXPECT_FALSE(b.set_replicas.has_value());
  EXPECT_NE(b.note.find("not Ready"), std::string::npos);
}

TEST(KedaExecutor, MinAboveZeroIsNeverScaledToZeroAndPausedDoesNothing) {
  ScaledObjectStatus st{0, std::nullopt, 0};
  EXPECT_FALSE(RequestScale(Spec(2), st, false, false, 3, kNow).set_replicas.has_value());
  ScaledObjectSpec paused = Spec(0);
  paused.paused = true;
  EXPECT_FALSE(RequestScale(paused, st, true, false, 0, kNow).set_replicas.has_value());
}

TEST(KedaExecutor, GeneratedHpaBounds) {
  EXPECT_EQ(Spec(0).HpaMinReplicas(), 1);
  EXPECT_EQ(Spec(std::nullopt).HpaMinReplicas(), 1);
  EXPECT_EQ(Spec(3).HpaMinReplicas(), 3);
  EXPECT_EQ(Spec(0).HpaMaxReplicas(), 100);
}

}  // namespace
}  // namespace podpilot::keda
