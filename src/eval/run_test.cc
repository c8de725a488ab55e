#include "eval/run.h"

#include <gtest/gtest.h>

#include "eval/policy_registry.h"
#include "sim/sim_test_util.h"

namespace podpilot {
namespace {

TimeSeries RunStatic(double lag_s, RunSummary* summary) {
  EnvConfig cfg;
  // Enough load to overload two pods now and then (SLO misses, OOM kills): every column moves.
  cfg.app = testing::MustParseApp(testing::OneServiceYaml(0.01, "500m", 2, "    memory_per_inflight: 10Mi\n"));
  cfg.workload = "constant:rps=150,noise=poisson";
  cfg.duration_s = 600;
  cfg.sim.metrics_lag_s = lag_s;
  auto env = testing::MustCreateEnv(cfg);
  auto policy = MakePolicy("static");
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  TimeSeries series;
  *summary = RunEpisode(*env, **policy, 3, &series);
  return series;
}

// With a metrics lag the time series still has a row for every control interval from the first
// (the warm-up's too, so that the rows' cost adds up to the run's), and its application columns
// show what happened in each interval, as the same run without a lag shows them; a static policy
// makes both runs the same run.
TEST(RunEpisodeTest, TimeSeriesShowsEveryIntervalAsItHappened) {
  RunSummary instant_summary, lagged_summary;
  const TimeSeries instant = RunStatic(0, &instant_summary);
  const TimeSeries lagged = RunStatic(30, &lagged_summary);
  ASSERT_EQ(instant.rows.size(), 40u);
  ASSERT_EQ(lagged.rows.size(), instant.rows.size());
  EXPECT_EQ(lagged.class_names, instant.class_names);
  EXPECT_EQ(lagged.target_names, instant.target_names);
  double cost = 0;
  bool missed = false;
  for (size_t i = 0; i < lagged.rows.size(); ++i) {
    const TimeSeries::Row& a = instant.rows[i];
    const TimeSeries::Row& b = lagged.rows[i];
    EXPECT_EQ(b.time_s, 15.0 * static_cast<double>(i + 1));
    EXPECT_EQ(b.time_s, a.time_s);
    EXPECT_NEAR(b.request_rate, a.request_rate, 1e-9 * a.request_rate) << i;
    EXPECT_EQ(b.slo_attainment, a.slo_attainment) << i;
    EXPECT_EQ(b.p95_ms, a.p95_ms) << i;
    EXPECT_EQ(b.class_p95_ms, a.class_p95_ms) << i;
    EXPECT_EQ(b.error_rate, a.error_rate) << i;
    EXPECT_EQ(b.cost_rate, a.cost_rate) << i;
    EXPECT_EQ(b.ready, a.ready) << i;
    cost += b.cost_rate * 15 / 3600;
    missed = missed || b.slo_attainment < 0.99;
  }
  EXPECT_TRUE(missed) << "the run must miss the SLO somewhere";
  EXPECT_NEAR(cost, lagged_summary.cost, 1e-9 * lagged_summary.cost);
  EXPECT_EQ(lagged_summary.cost, instant_summary.cost);
  EXPECT_EQ(lagged_summary.steps, instant_summary.steps - 2);  // two more intervals of warm-up
}

}  // namespace
}  // namespace podpilot
