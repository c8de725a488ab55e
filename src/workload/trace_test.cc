// Trace readers on the sample files under tests/data/traces/ (expected values read off the files
// by hand, see the comments) and on small bad files written by the tests.
#include <cmath>
#include <numeric>

#include "workload/test_util.h"
#include "workload/trace.h"
#include "workload/workload.h"

namespace podpilot {
namespace {

using workload_testing::TraceData;
using workload_testing::WriteTemp;

StatusOr<WorkloadSeries> Trace(const std::string& source, const std::string& path, double duration_s,
                               const std::string& extra = "") {
  return MakeWorkload("trace:" + source + "=" + path + extra, duration_s, 1);
}

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// ---- plain CSV: sample_rps.csv --------------------------------------------------------------
// Rows every 15 s from 0 to 600 with rates 60.0, 63.9, ...; the 300 s row is missing (285 holds
// 63.9 until 315, which has 56.1); an extra row at 97.5 (81.3) splits the 90 (80.2) .. 105 step.

TEST(CsvTrace, SampleHoldsEachRowUntilTheNext) {
  auto s = Trace("csv", TraceData("sample_rps.csv"), 615);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& r = s->rps;
  ASSERT_EQ(r.size(), 615u);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(r[i], 60.0) << i;
  EXPECT_EQ(r[15], 63.9);
  for (int i = 90; i < 97; ++i) EXPECT_EQ(r[i], 80.2) << i;
  EXPECT_DOUBLE_EQ(r[97], (80.2 + 81.3) / 2);  // half a second of each row
  for (int i = 98; i < 105; ++i) EXPECT_EQ(r[i], 81.3) << i;
  for (int i = 285; i < 315; ++i) EXPECT_EQ(r[i], 63.9) << i;  // across the missing 300 s row
  EXPECT_EQ(r[315], 56.1);
  for (int i = 600; i < 615; ++i) EXPECT_EQ(r[i], 60.0) << i;  // last row holds one more step
  EXPECT_EQ(s->start_day_of_week, 0);
  EXPECT_EQ(s->start_time_of_day_s, 0.0);
  EXPECT_TRUE(s->warnings.empty());
  EXPECT_TRUE(s->poisson_noise);
}

TEST(CsvTrace, OffsetAndTimeScale) {
  auto a = Trace("csv", TraceData("sample_rps.csv"), 10, ",offset=97s");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_DOUBLE_EQ(a->rps[0], (80.2 + 81.3) / 2);
  EXPECT_EQ(a->rps[1], 81.3);
  auto b = Trace("csv", TraceData("sample_rps.csv"), 400, ",time_scale=2");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->rps[29], 60.0);   // covers [14.5, 15) of the trace
  EXPECT_EQ(b->rps[30], 63.9);   // [15, 15.5)
  EXPECT_EQ(b->rps[194], 80.2);  // [97, 97.5)
  EXPECT_EQ(b->rps[195], 81.3);  // [97.5, 98)
  auto c = Trace("csv", TraceData("sample_rps.csv"), 100, ",scale=0.5,offset=1m");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_DOUBLE_EQ(c->rps[0], 74.7 / 2);
}

TEST(CsvTrace, TooShortNamesBothLengths) {
  EXPECT_ERROR_MENTIONS(Trace("csv", TraceData("sample_rps.csv"), 616), "615 s", "616 s", "sample_rps.csv");
  EXPECT_ERROR_MENTIONS(Trace("csv", TraceData("sample_rps.csv"), 600, ",offset=1m"), "615 s", "660 s");
  EXPECT_ERROR_MENTIONS(Trace("csv", TraceData("sample_rps.csv"), 400, ",time_scale=0.5"), "615 s", "800 s");
}

TEST(CsvTrace, UnixTimestampsSetTheClock) {
  // 1700000000 is Tuesday 2023-11-14 22:13:20 UTC.
  const std::string path = WriteTemp("unix.csv", "1700000000,5\n1700000010,7\n");
  auto s = Trace("csv", path, 20);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->start_day_of_week, 1);
  EXPECT_EQ(s->start_time_of_day_s, 22 * 3600 + 13 * 60 + 20);
  EXPECT_EQ(s->rps[9], 5.0);
  EXPECT_EQ(s->rps[10], 7.0);
}

TEST(CsvTrace, HeaderIsOptionalAndCommentsAreSkipped) {
  const std::string path = WriteTemp("noheader.csv", "# exported\r\n0,1\r\n\r\n1,2\r\n2,3\r\n");
  auto s = Trace("csv", path, 3);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rps, (std::vector<double>{1, 2, 3}));
}

TEST(CsvTrace, GapsAreRefusedUnlessAllowed) {
  // Steps of 1 s, then 30 s: more than 10x the median step.
  const std::string path = WriteTemp("gap.csv", "timestamp,rps\n0,1\n1,1\n2,1\n3,1\n33,1\n34,1\n");
  EXPECT_ERROR_MENTIONS(Trace("csv", path, 10), path + ":6:", "gap of 30s", "line 5", "max_gap");
  auto ok = Trace("csv", path, 35, ",max_gap=1m");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->rps[20], 1.0);
  EXPECT_ERROR_MENTIONS(Trace("csv", path, 10, ",max_gap=20s"), path + ":6:", "max_gap 20s");
}

struct BadFile {
  const char* name;
  const char* contents;
  std::vector<std::string> mentions;  // besides the file name
};
void PrintTo(const BadFile& b, std::ostream* os) { *os << b.name; }

class BadCsv : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadCsv, IsRefusedNamingFileAndLine) {
  const BadFile& b = GetParam();
  const std::string path = WriteTemp(b.name, b.contents);
  auto s = Trace("csv", path, 1);
  ASSERT_FALSE(s.ok()) << b.name;
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr(path));
  for (const auto& m : b.mentions) EXPECT_THAT(s.status().message(), ::testing::HasSubstr(m)) << b.name;
}

INSTANTIATE_TEST_SUITE_P(
    Csv, BadCsv,
    ::testing::Values(
        BadFile{"empty.csv", "", {"no data rows"}},
        BadFile{"header_only.csv", "timestamp,rps\n", {"no data rows"}},
        BadFile{"garbage.csv", "timestamp,rps\n0,5\nhello world\n", {":3:", "2 columns"}},
        BadFile{"bad_ts.csv", "timestamp,rps\n0,5\nabc,6\n", {":3:", "timestamp 'abc'"}},
        BadFile{"bad_rps.csv", "timestamp,rps\n0,5\n1,fast\n", {":3:", "rps 'fast'"}},
        BadFile{"nan_rps.csv", "0,5\n1,nan\n", {":2:", "rps 'nan'"}},
        BadFile{"neg.csv", "timestamp,rps\n0,5\n1,-2\n", {":3:", "negative rps -2"}},
        BadFile{"huge.csv", "0,5\n1,3e7\n", {":2:", "exceeds"}},
        BadFile{"back.csv", "timestamp,rps\n0,5\n10,5\n5,5\n", {":4:", "goes back", "line 3"}},
        BadFile{"repeat.csv", "0,5\n10,5\n10,6\n", {":3:", "repeats"}},
        BadFile{"missing_ts.csv", "0,5\n,6\n", {":2:", "timestamp ''"}},
        BadFile{"three_cols.csv", "time,rps,host\n0,1,a\n", {":1:", "header", "3"}}));

TEST(CsvTrace, MissingFileIsNotFound) {
  auto s = Trace("csv", "/nonexistent/trace.csv", 10);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("/nonexistent/trace.csv"));
}

// ---- Azure Functions 2019: azure_functions_d01.csv ------------------------------------------
// Five functions, 1440 minutes. Minute 1 counts: checkout-http 21, cleanup-timer 1, orders-queue
// 55, telemetry-event 0, admin-http 0 (sum 77). Minute 721: 43, 1, 56, 0, 1 (sum 101). The timer
// fires at minutes 1, 6, 11, ... (288 a day); admin-http only at minute 721. Day total: 49535.

constexpr const char* kTimerHash = "787f49adbfa61bd627afd25f25001a01acecb6190d33a08b02b344c2f62f5ff7";
constexpr const char* kAdminHash = "e54a2ee9189df33c69170622775338ed3ce74876c4c44c6d46f02083271560c8";

TEST(AzureTrace, SumsAllFunctionsSpreadOverEachMinute) {
  auto s = Trace("azure", TraceData("azure_functions_d01.csv"), 86400);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->rps.size(), 86400u);
  for (int i = 0; i < 60; ++i) EXPECT_DOUBLE_EQ(s->rps[i], 77.0 / 60) << i;
  for (int i = 43200; i < 43260; ++i) EXPECT_DOUBLE_EQ(s->rps[i], 101.0 / 60) << i;
  EXPECT_NEAR(Sum(s->rps), 49535.0, 1e-6);
  EXPECT_EQ(s->start_time_of_day_s, 0.0);
}

TEST(AzureTrace, PicksOneFunction) {
  auto timer = Trace("azure", TraceData("azure_functions_d01.csv"), 86400, std::string(",function=") + kTimerHash);
  ASSERT_TRUE(timer.ok()) << timer.status().ToString();
  for (int i = 0; i < 60; ++i) EXPECT_DOUBLE_EQ(timer->rps[i], 1.0 / 60);
  for (int i = 60; i < 300; ++i) EXPECT_EQ(timer->rps[i], 0.0);
  for (int i = 300; i < 360; ++i) EXPECT_DOUBLE_EQ(timer->rps[i], 1.0 / 60);
  EXPECT_NEAR(Sum(timer->rps), 288.0, 1e-9);

  auto admin = Trace("azure", TraceData("azure_functions_d01.csv"), 7200,
                     std::string(",function=") + kAdminHash + ",offset=11h");
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  EXPECT_EQ(admin->rps[3599], 0.0);
  for (int i = 3600; i < 3660; ++i) EXPECT_DOUBLE_EQ(admin->rps[i], 1.0 / 60);
  EXPECT_EQ(admin->rps[3660], 0.0);
  EXPECT_EQ(admin->start_time_of_day_s, 11 * 3600.0);
}

TEST(AzureTrace, UnknownFunctionAndShortTrace) {
  auto s = Trace("azure", TraceData("azure_functions_d01.csv"), 60, ",function=deadbeef");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("deadbeef"));
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("azure_functions_d01.csv"));
  EXPECT_ERROR_MENTIONS(Trace("azure", TraceData("azure_functions_d01.csv"), 86401), "86400 s", "86401 s");
}

std::string AzureHeader(int minutes) {
  std::string h = "HashOwner,HashApp,HashFunction,Trigger";
  for (int m = 1; m <= minutes; ++m) h += "," + std::to_string(m);
  return h + "\n";
}

class BadAzure : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadAzure, IsRefusedNamingFileAndLine) {
  const BadFile& b = GetParam();
  std::string contents = b.contents;
  if (contents.rfind("HEADER3", 0) == 0) contents = AzureHeader(3) + contents.substr(7);
  const std::string path = WriteTemp(b.name, contents);
  auto s = Trace("azure", path, 60);
  ASSERT_FALSE(s.ok()) << b.name;
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr(path));
  for (const auto& m : b.mentions) EXPECT_THAT(s.status().message(), ::testing::HasSubstr(m)) << b.name;
}

INSTANTIATE_TEST_SUITE_P(
    Azure, BadAzure,
    ::testing::Values(
        BadFile{"az_empty.csv", "", {"empty file"}},
        BadFile{"az_header_only.csv", "HEADER3", {"no function rows"}},
        BadFile{"az_not_azure.csv", "timestamp,rps\n0,1\n", {":1:", "HashOwner", "'timestamp'"}},
        BadFile{"az_bad_minutes.csv", "HashOwner,HashApp,HashFunction,Trigger,1,3\n", {":1:", "'2'", "'3'"}},
        BadFile{"az_negative.csv", "HEADER3o,a,f,http,1,-4,2\n", {":2:", "negative count -4", "minute 2"}},
        BadFile{"az_missing.csv", "HEADER3o,a,f,http,1,2,3\no,a,g,timer,1,,3\n", {":3:", "missing count", "minute 2"}},
        BadFile{"az_garbage.csv", "HEADER3o,a,f,http,1,x2,3\n", {":2:", "'x2'", "minute 2"}},
        BadFile{"az_fraction.csv", "HEADER3o,a,f,http,1,2.5,3\n", {":2:", "'2.5'"}},
        BadFile{"az_short_row.csv", "HEADER3o,a,f,http,1,2\n", {":2:", "6 columns", "7"}}));

// ---- Common Log Format: nasa_style_access.log -----------------------------------------------
// 891 lines from 01/Jul/1995:00:00:01 -0400 to 00:03:00 (180 s). Three are malformed (lines 51,
// 401, 701), leaving 888 requests. Counts (grep -c on the timestamp): 00:00:01 -> 7, 00:00:02 ->
// 6, 00:01:40 -> 7 (one of them logged out of order after 00:01:41's), 00:01:41 -> 2, 00:03:00 -> 2.

TEST(ClfTrace, SampleCountsPerSecond) {
  auto s = Trace("clf", TraceData("nasa_style_access.log"), 180);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& r = s->rps;
  ASSERT_EQ(r.size(), 180u);
  EXPECT_EQ(r[0], 7.0);
  EXPECT_EQ(r[1], 6.0);
  EXPECT_EQ(r[99], 7.0);
  EXPECT_EQ(r[100], 2.0);
  EXPECT_EQ(r[179], 2.0);
  EXPECT_EQ(Sum(r), 888.0);
  // 1 July 1995 was a Saturday; the log starts one second after local midnight.
  EXPECT_EQ(s->start_day_of_week, 5);
  EXPECT_EQ(s->start_time_of_day_s, 1.0);
  ASSERT_EQ(s->warnings.size(), 1u);
  EXPECT_THAT(s->warnings[0], ::testing::HasSubstr("skipped 3 malformed of 891 lines (first at line 51"));
  EXPECT_ERROR_MENTIONS(Trace("clf", TraceData("nasa_style_access.log"), 181), "180 s", "181 s");
}

std::string ClfLine(const std::string& stamp, const std::string& path = "/index.html") {
  return "host.example.com - - [" + stamp + "] \"GET " + path + " HTTP/1.0\" 200 1024\n";
}

TEST(ClfTrace, TimezonesAreAppliedAndCombinedFormatAccepted) {
  // The same instant in three zones, then one request two seconds later in UTC.
  const std::string log = ClfLine("01/Jul/1995:00:00:00 -0400") + ClfLine("01/Jul/1995:04:00:00 +0000") +
                          ClfLine("01/Jul/1995:09:30:00 +0530") +
                          "10.0.0.1 - frank [01/Jul/1995:04:00:02 +0000] \"GET /a HTTP/1.1\" 304 - "
                          "\"http://ref/\" \"Mozilla/4.08\"\n";
  auto s = Trace("clf", WriteTemp("tz.log", log), 3);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rps, (std::vector<double>{3, 0, 1}));
  EXPECT_EQ(s->start_time_of_day_s, 0.0);  // local midnight of the earliest line's zone
  EXPECT_TRUE(s->warnings.empty());
}

std::string ClfLines(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "01/Jul/1995:00:%02d:%02d -0400", i / 60, i % 60);
    out += ClfLine(stamp);
  }
  return out;
}

TEST(ClfTrace, OnePercentMalformedIsTheLimit) {
  const std::string two_bad = ClfLines(198) + "garbage\n" + "x - - [32/Jul/1995:00:00:00 -0400] \"GET /\" 200 1\n";
  auto ok = Trace("clf", WriteTemp("two_bad.log", two_bad), 198);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_THAT(ok->warnings.at(0), ::testing::HasSubstr("skipped 2 malformed of 200 lines (first at line 199"));

  const std::string path = WriteTemp("three_bad.log", ClfLines(197) + "garbage\n" + "more garbage\n" + "x\n");
  EXPECT_ERROR_MENTIONS(Trace("clf", path, 10), path, "3 of 200 lines are malformed", "1%",
                        "first at line 198: 'garbage'");
}

TEST(ClfTrace, OutOfOrderWithinAMinuteIsAcceptedBeyondIsRefused) {
  const std::string ok_log = ClfLine("01/Jul/1995:00:00:30 -0400") + ClfLine("01/Jul/1995:00:00:00 -0400") +
                             ClfLine("01/Jul/1995:00:00:31 -0400");
  auto s = Trace("clf", WriteTemp("jitter.log", ok_log), 32);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rps[0], 1.0);  // starts at the earliest request, not the first line
  EXPECT_EQ(s->rps[30], 1.0);
  EXPECT_EQ(Sum(s->rps), 3.0);

  const std::string path = WriteTemp("back.log", ClfLine("01/Jul/1995:00:05:00 -0400") +
                                                     ClfLine("01/Jul/1995:00:05:01 -0400") +
                                                     ClfLine("01/Jul/1995:00:01:00 -0400"));
  EXPECT_ERROR_MENTIONS(Trace("clf", path, 10), path + ":3:", "backwards by 4m1s", "line 2");
}

TEST(ClfTrace, LongSilenceIsAGap) {
  const std::string path = WriteTemp("outage.log", ClfLine("01/Aug/1995:14:52:01 -0400") +
                                                       ClfLine("03/Aug/1995:04:36:13 -0400"));
  EXPECT_ERROR_MENTIONS(Trace("clf", path, 10), path + ":2:", "gap of 1d13h44m12s", "after line 1", "max_gap");
  auto ok = Trace("clf", path, 10, ",max_gap=2d");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->rps.size(), 10u);
}

TEST(ClfTrace, EmptyAndMissingFiles) {
  const std::string path = WriteTemp("empty.log", "\n\n");
  EXPECT_ERROR_MENTIONS(Trace("clf", path, 10), path, "empty file");
  auto s = Trace("clf", "/nonexistent/access.log", 10);
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

// ---- resampling -----------------------------------------------------------------------------

TEST(ResampleMean, AveragesIrregularPiecesExactly) {
  workload_internal::PiecewiseRate r;
  r.bounds = {0, 0.5, 2, 3};
  r.rate = {10, 20, 40};
  std::vector<double> out(3);
  workload_internal::ResampleMean(r, 0, 1, 3, out.data());
  EXPECT_EQ(out, (std::vector<double>{15, 20, 40}));
  std::vector<double> slow(6);
  workload_internal::ResampleMean(r, 0, 2, 6, slow.data());  // each output second is half a trace second
  EXPECT_EQ(slow, (std::vector<double>{10, 20, 20, 20, 40, 40}));
  std::vector<double> fast(1);
  workload_internal::ResampleMean(r, 0.5, 0.4, 1, fast.data());  // [0.5, 3) -> (20*1.5 + 40) / 2.5
  EXPECT_DOUBLE_EQ(fast[0], 28.0);
}

}  // namespace
}  // namespace podpilot
