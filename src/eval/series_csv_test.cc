#include "eval/series_csv.h"

#include <gtest/gtest.h>

namespace podpilot {
namespace {

TimeSeries Sample() {
  TimeSeries ts;
  ts.target_names = {"frontend", "cart"};
  ts.class_names = {"browse"};
  for (int i = 0; i < 3; ++i) {
    TimeSeries::Row r{};
    r.time_s = 15 * (i + 1);
    r.request_rate = 10.5 + i;
    r.slo_attainment = 0.99;
    r.p95_ms = 120 + i;
    r.error_rate = 0.25;
    r.cost_rate = 0.125;
    r.replicas = {2 + i, 1};
    r.ready = {2, 1};
    r.cpu_util = {0.5, 0.25};
    r.target_p95_ms = {100, 20};
    r.class_p95_ms = {130};
    r.reason = i == 1 ? "scale \"up\", 3 > 2" : "";
    ts.rows.push_back(r);
  }
  return ts;
}

TEST(SeriesCsvTest, RoundTripsToCsv) {
  const TimeSeries in = Sample();
  auto out = TimeSeriesFromCsv(in.ToCsv(), "x.csv");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->target_names, in.target_names);
  EXPECT_EQ(out->class_names, in.class_names);
  ASSERT_EQ(out->rows.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out->rows[i].time_s, in.rows[i].time_s);
    EXPECT_EQ(out->rows[i].replicas, in.rows[i].replicas);
    EXPECT_EQ(out->rows[i].ready, in.rows[i].ready);
    EXPECT_DOUBLE_EQ(out->rows[i].request_rate, in.rows[i].request_rate);
    EXPECT_DOUBLE_EQ(out->rows[i].cpu_util[1], 0.25);
    EXPECT_DOUBLE_EQ(out->rows[i].class_p95_ms[0], 130);
    EXPECT_EQ(out->rows[i].reason, in.rows[i].reason);
  }
}

TEST(SeriesCsvTest, NamesLineAndColumnOfABadNumber) {
  std::string csv = Sample().ToCsv();
  const size_t pos = csv.find("\n45,");
  ASSERT_NE(pos, std::string::npos);
  csv.replace(pos + 1, 2, "4x");
  auto out = TimeSeriesFromCsv(csv, "runs/a.csv");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("runs/a.csv:4"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("time_s"), std::string::npos);
  EXPECT_NE(out.status().message().find("4x"), std::string::npos);
}

TEST(SeriesCsvTest, RefusesAForeignHeader) {
  auto out = TimeSeriesFromCsv("a,b,reason\n1,2,\"\"\n", "f.csv");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("f.csv:1"), std::string::npos);
  EXPECT_FALSE(TimeSeriesFromCsv("", "e.csv").ok());
}

}  // namespace
}  // namespace podpilot
