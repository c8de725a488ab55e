// Upstream knative/serving pkg/autoscaler/scaling/autoscaler_test.go (vectors K1-K7 of
// baselines.md 3.4). Fixture: PanicThreshold 2, MaxScaleUpRate 10, MaxScaleDownRate 10,
// TotalValue = target / 0.75, stable window 60 s, reachable, created with 1 ready pod.
#include <gtest/gtest.h>

#include <cmath>

#include "policy/kpa/kpa_autoscaler.h"

namespace podpilot::kpa {
namespace {

constexpr double kTargetUtilization = 0.75;
constexpr double kNow = 1000000.0;

DeciderSpec TestSpec(double target, double tbc, ScalingMetric metric = ScalingMetric::kConcurrency) {
  DeciderSpec s;
  s.scaling_metric = metric;
  s.target_value = target;
  s.total_value = target / kTargetUtilization;
  s.target_burst_capacity = tbc;
  s.panic_threshold = 2;
  s.max_scale_up_rate = 10;
  s.max_scale_down_rate = 10;
  s.stable_window_s = 60;
  s.reachable = true;
  return s;
}

int32_t ExpectedEbc(double tot_cap, double target_bc, double recorded, double pods) {
  return static_cast<int32_t>(std::floor(tot_cap / kTargetUtilization * pods - target_bc - recorded));
}

void ExpectScale(KpaAutoscaler& a, double now, int ready, double stable, double panic, int32_t want,
                 int32_t want_ebc) {
  ScaleResult r = a.Scale(now, ready, ObservedMetrics{stable, panic});
  EXPECT_TRUE(r.scale_valid);
  EXPECT_EQ(r.desired_pod_count, want) << "stable=" << stable << " panic=" << panic << " ready=" << ready;
  EXPECT_EQ(r.excess_burst_capacity, want_ebc);
}

// K1.
TEST(KpaAutoscaler, TestAutoscalerStableModeIncreaseWithConcurrencyDefault) {
  KpaAutoscaler a(TestSpec(10, 101), 1, kNow);
  ExpectScale(a, kNow, 1, 50, 10, 5, ExpectedEbc(10, 101, 10, 1));
  EXPECT_EQ(ExpectedEbc(10, 101, 10, 1), -98);
  ExpectScale(a, kNow, 1, 100, 10, 10, ExpectedEbc(10, 101, 10, 1));
}

TEST(KpaAutoscaler, TestAutoscalerStableModeIncreaseWithRPS) {
  KpaAutoscaler a(TestSpec(10, 101, ScalingMetric::kRps), 1, kNow);
  ExpectScale(a, kNow, 1, 50, 50, 5, ExpectedEbc(10, 101, 50, 1));
  ExpectScale(a, kNow, 1, 100, 99, 10, ExpectedEbc(10, 101, 99, 1));
}

TEST(KpaAutoscaler, TestAutoscalerUnpanicAfterSlowIncrease) {
  KpaAutoscaler a(TestSpec(1, 98), 1, kNow);
  double tm = kNow;
  ExpectScale(a, tm, 10, 11, 25, 25, ExpectedEbc(1, 98, 25, 10));
  EXPECT_TRUE(a.panicking());
  tm += 30;  // half the stable window, +15 pods
  ExpectScale(a, tm, 40, 30, 41, 41, ExpectedEbc(1, 98, 41, 40));
  EXPECT_TRUE(a.panicking());
  tm += 30 + kDeciderTickS;  // past the window: panic ends
  ExpectScale(a, tm, 55, 50, 56, 50, ExpectedEbc(1, 98, 56, 55));
  EXPECT_FALSE(a.panicking());
}

TEST(KpaAutoscaler, TestAutoscalerExtendPanicWindow) {
  KpaAutoscaler a(TestSpec(1, 98), 1, kNow);
  ExpectScale(a, kNow, 10, 11, 25, 25, ExpectedEbc(1, 98, 25, 10));
  ExpectScale(a, kNow + 30, 40, 30, 80, 80, ExpectedEbc(1, 98, 80, 40));
  // Still surging at +30 s: the panic is extended from there, so +61 s keeps panicking.
  ExpectScale(a, kNow + 61, 80, 1, 1, 80, ExpectedEbc(1, 98, 1, 80));
  ExpectScale(a, kNow + 91, 80, 1, 1, 8, ExpectedEbc(1, 98, 1, 80));
}

TEST(KpaAutoscaler, TestAutoscalerStableModeDecrease) {
  KpaAutoscaler a(TestSpec(10, 98), 1, kNow);
  ExpectScale(a, kNow, 8, 100, 100, 10, ExpectedEbc(10, 98, 100, 8));
  ExpectScale(a, kNow, 8, 50, 50, 5, ExpectedEbc(10, 98, 50, 8));
}

TEST(KpaAutoscaler, TestAutoscalerStableModeNoTrafficScaleToZero) {
  KpaAutoscaler a(TestSpec(10, 75), 1, kNow);
  ExpectScale(a, kNow, 1, 1, 0, 1, ExpectedEbc(10, 75, 0, 1));
  ExpectScale(a, kNow, 1, 0, 0, 0, ExpectedEbc(10, 75, 0, 1));
}

// K6.
TEST(KpaAutoscaler, TestAutoscalerActivationScale) {
  DeciderSpec spec = TestSpec(10, 75);
  spec.activation_scale = 2;
  KpaAutoscaler a(spec, 1, kNow);
  ExpectScale(a, kNow, 1, 0, 0, 0, ExpectedEbc(10, 75, 0, 1));
  ExpectScale(a, kNow, 1, 1, 0, 2, ExpectedEbc(10, 75, 0, 1));
}

TEST(KpaAutoscaler, TestAutoscalerPanicModeExponentialTrackAndStabilize) {
  KpaAutoscaler a(TestSpec(1, 101), 1, kNow);
  ExpectScale(a, kNow, 1, 6, 6, 6, ExpectedEbc(1, 101, 6, 1));
  double tm = kNow + 1;
  ExpectScale(a, tm, 6, 36, 36, 36, ExpectedEbc(1, 101, 36, 6));
  EXPECT_TRUE(a.panicking());
  tm += 1;
  ExpectScale(a, tm, 36, 216, 216, 216, ExpectedEbc(1, 101, 216, 36));
  ExpectScale(a, tm, 216, 1296, 1296, 1296, ExpectedEbc(1, 101, 1296, 216));
  tm += 1;
  ExpectScale(a, tm, 1296, 1296, 1296, 1296, ExpectedEbc(1, 101, 1296, 1296));
}

// K5 and the rest of the TestAutoscalerScale table.
TEST(KpaAutoscaler, TestAutoscalerScale) {
  struct Case {
    const char* label;
    double target, tbc, stable, panic;
    int base_scale;
    int32_t want_scale, want_ebc;
    double up_rate = 10, down_rate = 10;
    bool reachable = true;
    bool start_panicking = false;  // panicTime = now - 5 s, maxPanicPods 5
  };
  const Case cases[] = {
      {"AutoscalerNoDataAtZeroNoAutoscale", 10, 100, 0, 0, 1, 0, ExpectedEbc(10, 100, 0, 1)},
      {"AutoscalerStableModeUnlimitedTBC", 181, -1, 21, 26, 1, 1, -1},
      {"Autoscaler0TBC", 10, 0, 50, 49, 1, 5, 0},
      {"AutoscalerStableModeNoChange", 10, 100, 50, 50, 1, 5, ExpectedEbc(10, 100, 50, 1)},
      {"AutoscalerPanicStableLargerThanPanic", 1, 100, 50, 30, 5, 50, ExpectedEbc(1, 100, 30, 5), 10, 10, true, true},
      {"AutoscalerPanicStableLessThanPanic", 1, 100, 20, 30, 5, 30, ExpectedEbc(1, 100, 30, 5), 10, 10, true, true},
      {"AutoscalerStableModeNoChangeAlreadyScaled", 10, 100, 50, 50, 5, 5, ExpectedEbc(10, 100, 50, 5)},
      {"AutoscalerStableModeIncreaseWithSmallScaleUpRate", 1, 1982, 3, 3.1, 2, 3, ExpectedEbc(1, 1982, 3.1, 2), 1.1},
      {"AutoscalerStableModeDecreaseWithSmallScaleDownRate", 10, 1982, 1, 1, 100, 90, ExpectedEbc(10, 1982, 1, 100), 10, 1.1},
      {"AutoscalerStableModeDecreaseNonReachable", 10, 1982, 1, 1, 100, 1, ExpectedEbc(10, 1982, 1, 100), 10, 1.1, false},
      {"AutoscalerPanicModeDoublePodCount", 10, 84, 50, 100, 1, 10, ExpectedEbc(10, 84, 100, 1)},
  };
  for (const Case& c : cases) {
    DeciderSpec spec = TestSpec(c.target, c.tbc);
    spec.max_scale_up_rate = c.up_rate;
    spec.max_scale_down_rate = c.down_rate;
    spec.reachable = c.reachable;
    // Starting with 5 ready pods 5 s ago reproduces the table's panicTime/maxPanicPods prep.
    KpaAutoscaler a(spec, c.start_panicking ? 5 : 1, c.start_panicking ? kNow - 5 : kNow);
    ScaleResult r = a.Scale(kNow, c.base_scale, ObservedMetrics{c.stable, c.panic});
    EXPECT_TRUE(r.scale_valid) << c.label;
    EXPECT_EQ(r.desired_pod_count, c.want_scale) << c.label;
    EXPECT_EQ(r.excess_burst_capacity, c.want_ebc) << c.label;
  }
}

// K4.
TEST(KpaAutoscaler, TestAutoscalerPanicThenUnPanicScaleDown) {
  KpaAutoscaler a(TestSpec(10, 93), 1, kNow);
  ExpectScale(a, kNow, 1, 100, 100, 10, ExpectedEbc(10, 93, 100, 1));
  EXPECT_TRUE(a.panicking());  // 10 / 1 >= 2
  const double panic_time = kNow + 1;
  ExpectScale(a, panic_time, 10, 100, 1000, 100, ExpectedEbc(10, 93, 1000, 10));
  // Traffic dropped off; the scale stays while panicking.
  ExpectScale(a, panic_time + 30, 10, 1, 1, 100, ExpectedEbc(10, 93, 1, 10));
  // A stable window after the last over-threshold tick: panic ends, down to floor(10/10) = 1.
  ExpectScale(a, panic_time + 61, 10, 1, 1, 1, ExpectedEbc(10, 93, 1, 10));
  EXPECT_FALSE(a.panicking());
}

// K2.
TEST(KpaAutoscaler, TestAutoscalerRateLimitScaleUp) {
  KpaAutoscaler a(TestSpec(10, 61), 1, kNow);
  ExpectScale(a, kNow, 1, 1000, 1001, 10, ExpectedEbc(10, 61, 1001, 1));  // need 100, only x10
  EXPECT_TRUE(a.panicking());
  ExpectScale(a, kNow, 10, 1000, 1001, 100, ExpectedEbc(10, 61, 1001, 10));
}

// K3.
TEST(KpaAutoscaler, TestAutoscalerRateLimitScaleDown) {
  KpaAutoscaler a(TestSpec(10, 61), 1, kNow);
  ExpectScale(a, kNow, 100, 1, 1, 10, ExpectedEbc(10, 61, 1, 100));  // need 1, only /10
  ExpectScale(a, kNow, 10, 1, 1, 1, ExpectedEbc(10, 61, 1, 10));
}

TEST(KpaAutoscaler, TestAutoscalerUseOnePodAsMinimumIfEndpointsNotFound) {
  KpaAutoscaler a(TestSpec(10, 81), 1, kNow);
  ExpectScale(a, kNow, 0, 1000, 888, 10, ExpectedEbc(10, 81, 888, 0));
}

TEST(KpaAutoscaler, TestAutoscalerNoDataNoAutoscale) {
  KpaAutoscaler a(TestSpec(10, 100), 1, kNow);
  ScaleResult r = a.Scale(kNow, 1, std::nullopt);
  EXPECT_FALSE(r.scale_valid);
  EXPECT_EQ(r.desired_pod_count, 0);
  EXPECT_EQ(r.excess_burst_capacity, 0);
}

TEST(KpaAutoscaler, TestStartInPanicMode) {
  DeciderSpec spec = TestSpec(100, 11);
  for (int ready = 0; ready < 2; ++ready) {
    KpaAutoscaler a(spec, ready, kNow);
    EXPECT_FALSE(a.panicking()) << ready;
    EXPECT_EQ(a.max_panic_pods(), ready);
  }
  KpaAutoscaler a(spec, 2, kNow);
  EXPECT_TRUE(a.panicking());
  EXPECT_EQ(a.max_panic_pods(), 2);
}

DeciderSpec DelaySpec(double delay_s) {
  DeciderSpec s;
  s.target_value = 10;
  s.max_scale_down_rate = 10;
  s.max_scale_up_rate = 10;
  s.panic_threshold = 100;  // never panics
  s.scale_down_delay_s = delay_s;
  s.reachable = true;
  s.target_burst_capacity = 0;
  return s;
}

// K7: 0 ready pods (readyF = 1); the "simple" and then "gradual" steps on one autoscaler.
TEST(KpaAutoscaler, TestAutoscalerScaleDownDelay) {
  KpaAutoscaler a(DelaySpec(300), 0, 0);
  auto scale = [&](double t, double c) { return a.Scale(t, 0, ObservedMetrics{c, c}).desired_pod_count; };
  // simple
  EXPECT_EQ(scale(2, 40), 4);
  EXPECT_EQ(scale(300, 0), 4);      // less than the delay at reduced concurrency
  EXPECT_EQ(scale(302, 0), 0);      // 5 min 2 s: scale down
  // gradual
  EXPECT_EQ(scale(9 * 60, 40), 4);
  EXPECT_EQ(scale(10 * 60, 30), 4);  // 4 still dominates
  EXPECT_EQ(scale(11 * 60, 0), 4);
  EXPECT_EQ(scale(14 * 60, 0), 3);   // 4 scrolls out
  EXPECT_EQ(scale(15 * 60, 0), 0);   // everything scrolled out
}

TEST(KpaAutoscaler, TestAutoscalerScaleDownDelayNotReachable) {
  KpaAutoscaler a(DelaySpec(300), 0, 0);
  EXPECT_EQ(a.Scale(2, 0, ObservedMetrics{40, 40}).desired_pod_count, 4);
  EXPECT_EQ(a.Scale(60, 0, ObservedMetrics{0, 0}).desired_pod_count, 4);
  // Another revision comes up: this one becomes unreachable and stops holding the delay.
  DeciderSpec unreachable = DelaySpec(300);
  unreachable.reachable = false;
  a.Update(unreachable);
  EXPECT_EQ(a.Scale(2, 0, ObservedMetrics{0, 0}).desired_pod_count, 0);
}

TEST(KpaAutoscaler, TestAutoscalerScaleDownDelayZero) {
  KpaAutoscaler a(DelaySpec(0), 0, 0);
  EXPECT_EQ(a.Scale(0, 0, ObservedMetrics{40, 40}).desired_pod_count, 4);
  EXPECT_EQ(a.Scale(0.5, 0, ObservedMetrics{20, 20}).desired_pod_count, 2);  // no window: immediate
}

}  // namespace
}  // namespace podpilot::kpa
