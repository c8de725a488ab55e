#include "eval/series_downsample.h"

#include <gtest/gtest.h>

namespace podpilot {
namespace {

TimeSeries::Row MakeRow(double t, double rate, double att, double p95, int replicas) {
  TimeSeries::Row r{};
  r.time_s = t;
  r.request_rate = rate;
  r.slo_attainment = att;
  r.p95_ms = p95;
  r.cost_rate = rate / 10;
  r.replicas = {replicas};
  r.ready = {replicas};
  r.cpu_util = {rate / 100};
  r.target_p95_ms = {p95};
  r.class_p95_ms = {p95};
  r.reason = "at " + std::to_string(static_cast<int>(t));
  return r;
}

TEST(SeriesDownsampleTest, AggregatesFlowsTailsAndState) {
  TimeSeries in;
  in.target_names = {"web"};
  in.class_names = {"get"};
  // Four 15 s intervals = one minute, then two more in the next minute.
  in.rows = {MakeRow(15, 10, 1.0, 50, 1), MakeRow(30, 30, 0.5, 300, 2), MakeRow(45, 0, 0.0, 10, 2),
             MakeRow(60, 20, 1.0, 80, 3), MakeRow(75, 40, 1.0, 90, 3), MakeRow(90, 40, 0.5, 70, 4)};
  TimeSeries out = DownsampleSeries(in, 60);
  ASSERT_EQ(out.rows.size(), 2u);
  const auto& a = out.rows[0];
  EXPECT_DOUBLE_EQ(a.time_s, 60);
  EXPECT_DOUBLE_EQ(a.request_rate, 15);                         // (10 + 30 + 0 + 20) / 4
  EXPECT_DOUBLE_EQ(a.slo_attainment, (10 + 15 + 0 + 20) / 60.0);  // weighted by requests
  EXPECT_DOUBLE_EQ(a.p95_ms, 300);                              // the worst interval
  EXPECT_DOUBLE_EQ(a.class_p95_ms[0], 300);
  EXPECT_DOUBLE_EQ(a.cpu_util[0], 0.15);
  EXPECT_EQ(a.replicas[0], 3);                                  // state at the bucket's end
  EXPECT_EQ(a.reason, "at 60");
  const auto& b = out.rows[1];
  EXPECT_DOUBLE_EQ(b.time_s, 90);
  EXPECT_DOUBLE_EQ(b.slo_attainment, 0.75);
  EXPECT_EQ(b.replicas[0], 4);
  EXPECT_EQ(out.target_names, in.target_names);
}

TEST(SeriesDownsampleTest, StepNotLargerThanTheSpacingKeepsEveryRow) {
  TimeSeries in;
  in.rows = {MakeRow(15, 1, 1, 1, 1), MakeRow(30, 2, 1, 1, 1)};
  EXPECT_EQ(DownsampleSeries(in, 15).rows.size(), 2u);
  EXPECT_EQ(DownsampleSeries(in, 30).rows.size(), 1u);
}

TEST(SeriesDownsampleTest, NoTrafficFallsBackToThePlainMean) {
  TimeSeries in;
  in.rows = {MakeRow(15, 0, 1.0, 1, 1), MakeRow(30, 0, 0.0, 1, 1)};
  EXPECT_DOUBLE_EQ(DownsampleSeries(in, 60).rows[0].slo_attainment, 0.5);
}

}  // namespace
}  // namespace podpilot
