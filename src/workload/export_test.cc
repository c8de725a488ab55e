// Stage compression and the k6 / Locust renderers (workload/export.h). The scripts are also run
// for real (node --check, py_compile, tick()) by tests/export/run_test.sh.
#include "workload/export.h"

#include <cmath>
#include <numeric>
#include <regex>

#include "workload/test_util.h"
#include "workload/workload.h"

namespace podpilot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<double> Series(const std::string& spec, double duration_s, uint64_t seed = 0) {
  auto s = MakeWorkload(spec, duration_s, seed);
  EXPECT_TRUE(s.ok()) << spec << ": " << s.status().ToString();
  return s.ok() ? s->rps : std::vector<double>{};
}

StagePlan Compress(const std::vector<double>& rps, CompressOptions o = {}) {
  auto plan = CompressSeries(rps, o);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : StagePlan{};
}

void ExpectStages(const StagePlan& plan, double start, const std::vector<Stage>& want) {
  EXPECT_NEAR(plan.start_rps, start, 1e-9);
  ASSERT_EQ(plan.stages.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(plan.stages[i].duration_s, want[i].duration_s) << "stage " << i;
    EXPECT_NEAR(plan.stages[i].target_rps, want[i].target_rps, 1e-9) << "stage " << i;
  }
}

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

TEST(CompressSeries, StepGivesHoldJumpHold) {
  ExpectStages(Compress(Series("step:low=20,high=200,at=10m", 1800)), 20, {{600, 20}, {0, 200}, {1200, 200}});
}

TEST(CompressSeries, StepOffTheGridIsFoundToTheSecond) {
  // at = 10m30s falls inside the 1-minute window [10m, 11m): the window is split at the jump.
  ExpectStages(Compress(Series("step:low=20,high=200,at=630s", 1800)), 20, {{630, 20}, {0, 200}, {1170, 200}});
}

TEST(CompressSeries, SpikeRampsAreReproducedExactly) {
  // base 50 until 20m, ramp to 400 by 20m30s, hold, ramp down over [24m30s, 25m), base again.
  const std::vector<double> rps = Series("spike:base=50,peak=400,at=20m,duration=5m,ramp=30s", 3600);
  const StagePlan plan = Compress(rps);
  ExpectStages(plan, 50, {{1200, 50}, {30, 400}, {240, 400}, {30, 50}, {2100, 50}});
  EXPECT_LT(MeasureStageFit(plan, rps).max_abs_error_rps, 1e-9);
}

TEST(CompressSeries, CornersBetweenWholeSecondsAreExactPerSecond) {
  // time_scale=1.3 puts the ramp corners at 1573 s, 1579.5 s, 1592.5 s and 1599 s. A corner at a
  // second's midpoint cannot be a stage boundary (stages are whole seconds), so a short jump
  // stands in for it; every second's mean is still exact and the five linear parts stay five.
  const std::vector<double> rps = Series("spike:base=50,peak=400,at=20m10s,duration=20s,ramp=5s,time_scale=1.3", 3600);
  const StagePlan plan = Compress(rps);
  EXPECT_LT(MeasureStageFit(plan, rps).max_abs_error_rps, 1e-9);
  int linear_parts = 0;
  for (const Stage& s : plan.stages) linear_parts += s.duration_s > 0;
  EXPECT_EQ(linear_parts, 5);
}

TEST(CompressSeries, SinusoidStaysWithinTheStatedError) {
  const double mean = 100, amplitude = 60, period = 3600;
  const std::vector<double> rps = Series("sinusoidal:mean=100,amplitude=60,period=1h", 6 * 3600);
  const CompressOptions o;  // step 1m, 1 % + 0.01 req/s
  const StagePlan plan = Compress(rps, o);
  // export.h: error <= window fit error + band. A line fitted over h seconds to a curve with
  // |f''| <= M is within M h^2 / 8 of it; here M = amplitude * (2 pi / period)^2.
  const double w = 2 * M_PI / period;
  const double fit_bound = amplitude * w * w * o.step_s * o.step_s / 8;
  const std::vector<double> per = plan.PerSecond();
  ASSERT_EQ(per.size(), rps.size());
  double worst_excess = -1e300;
  for (size_t i = 0; i < rps.size(); ++i) {
    const double allowed = fit_bound + o.rel_tolerance * (rps[i] + fit_bound) + o.abs_tolerance_rps;
    worst_excess = std::max(worst_excess, std::abs(per[i] - rps[i]) - allowed);
  }
  EXPECT_LE(worst_excess, 1e-9);
  // Merging works: fewer stages than the 360 one-minute windows, but a curve is not one line.
  EXPECT_LT(plan.stages.size(), 360u);
  EXPECT_GT(plan.stages.size(), 6u * 4);
  EXPECT_LE(plan.peak_rps(), (mean + amplitude) * (1 + o.rel_tolerance) + o.abs_tolerance_rps);
}

TEST(CompressSeries, TotalRequestsWithinOnePercent) {
  for (const std::string spec : {"diurnal", "sinusoidal", "spike", "low_high", "random_walk:sigma=20",
                                 "step:low=5,high=500,at=777s", "diurnal:peak=1000,trough=3,weekend=0.2"}) {
    const std::vector<double> rps = Series(spec, 2 * 86400, 7);
    const StageFit fit = MeasureStageFit(Compress(rps), rps);
    EXPECT_NEAR(fit.series_requests, Sum(rps), 1e-6 * Sum(rps)) << spec;
    EXPECT_LE(std::abs(fit.relative_total_error()), 0.01) << spec;
  }
}

TEST(CompressSeries, NoisyArrivalsKeepOneLinePerWindow) {
  // Per-second Poisson counts: no split explains the noise, so pieces are whole windows and every
  // stage of positive length is a whole number of windows.
  auto series = MakeWorkload("diurnal", 86400, 3);
  ASSERT_TRUE(series.ok());
  const std::vector<double> counts = SampleArrivals(*series, 3);
  const StagePlan plan = Compress(counts);
  for (const Stage& s : plan.stages) {
    EXPECT_EQ(std::fmod(s.duration_s, 60), 0) << s.duration_s;
  }
  EXPECT_LE(plan.stages.size(), 2u * 1440);
  EXPECT_LE(std::abs(MeasureStageFit(plan, counts).relative_total_error()), 0.01);
}

TEST(CompressSeries, JumpInNoisyArrivalsIsFoundToTheSecond) {
  // Poisson counts around 20 then 200 req/s from 630 s: the misfit of the window [600 s, 660 s)
  // is far above its noise, so it is cut at the jump; the noisy windows around keep one line each.
  auto series = MakeWorkload("step:low=20,high=200,at=630s", 1800, 11);
  ASSERT_TRUE(series.ok());
  const std::vector<double> counts = SampleArrivals(*series, 11);
  const StagePlan plan = Compress(counts);
  std::vector<double> boundaries;
  double t = 0;
  for (const Stage& s : plan.stages) boundaries.push_back(t += s.duration_s);
  EXPECT_THAT(boundaries, ::testing::Contains(630.0));
  const std::vector<double> per = plan.PerSecond();
  EXPECT_NEAR(std::accumulate(per.begin(), per.begin() + 630, 0.0) / 630, 20, 2);
  EXPECT_NEAR(std::accumulate(per.begin() + 630, per.end(), 0.0) / 1170, 200, 5);
}

TEST(CompressSeries, LowRatesKeepTheContractTotalAndStayNonNegative) {
  // 0.2 req/s as integer counts: mostly zeros with single requests. export.h promises the total
  // within rel_tolerance * total + abs_tolerance_rps per second.
  auto series = MakeWorkload("constant:rps=0.2", 6 * 3600, 5);
  ASSERT_TRUE(series.ok());
  const std::vector<double> counts = SampleArrivals(*series, 5);
  const CompressOptions o;
  const StagePlan plan = Compress(counts, o);
  EXPECT_GE(plan.start_rps, 0);
  for (const Stage& s : plan.stages) EXPECT_GE(s.target_rps, 0);
  for (double r : plan.PerSecond()) EXPECT_GE(r, -1e-12);
  const StageFit fit = MeasureStageFit(plan, counts);
  EXPECT_LE(std::abs(fit.plan_requests - fit.series_requests),
            o.rel_tolerance * fit.series_requests + o.abs_tolerance_rps * counts.size());
}

TEST(CompressSeries, IsolatedBurstIsKept) {
  // One second at 1000 req/s in a flat 10 req/s: no single cut explains it, three cuts do.
  std::vector<double> rps(600, 10.0);
  rps[100] = 1000;
  const StagePlan plan = Compress(rps);
  const std::vector<double> per = plan.PerSecond();
  EXPECT_NEAR(per[100], 1000, 1e-6);
  EXPECT_NEAR(per[99], 10, 1e-6);
  EXPECT_NEAR(per[101], 10, 1e-6);
  EXPECT_NEAR(Sum(per), Sum(rps), 1e-6);
  ExpectStages(plan, 10, {{100, 10}, {0, 1000}, {1, 1000}, {0, 10}, {499, 10}});
}

TEST(CompressSeries, SpikeShorterThanTheStepIsReproduced) {
  // A 20 s flash crowd (5 s ramps) inside the window [20m, 21m).
  const std::vector<double> rps = Series("spike:base=50,peak=400,at=20m10s,duration=20s,ramp=5s", 3600);
  const StagePlan plan = Compress(rps);
  EXPECT_LT(MeasureStageFit(plan, rps).max_abs_error_rps, 1e-9);
  ExpectStages(plan, 50, {{1210, 50}, {5, 400}, {10, 400}, {5, 50}, {2370, 50}});
}

TEST(CompressSeries, ConstantAndZeroAreOneStage) {
  ExpectStages(Compress(std::vector<double>(86400, 0.0)), 0, {{86400, 0}});
  ExpectStages(Compress(std::vector<double>(125, 7.5)), 7.5, {{125, 7.5}});
  ExpectStages(Compress({3.0}), 3, {{1, 3}});
}

TEST(CompressSeries, StepOptionSetsTheResolution) {
  // A sinusoid with a 10-minute period: a 5-minute window's line cannot follow it, and a curve's
  // second differences are tiny next to that misfit, so the windows are cut until every piece is
  // within the band; merging then adds at most one band more.
  const std::vector<double> rps = Series("sinusoidal:mean=100,amplitude=50,period=10m", 3600);
  CompressOptions coarse;
  coarse.step_s = 300;
  const std::vector<double> per = Compress(rps, coarse).PerSecond();
  ASSERT_EQ(per.size(), rps.size());
  for (size_t i = 0; i < rps.size(); ++i) {
    const double band = coarse.rel_tolerance * rps[i] + coarse.abs_tolerance_rps;
    ASSERT_LE(std::abs(per[i] - rps[i]), band + coarse.rel_tolerance * (rps[i] + band) + coarse.abs_tolerance_rps + 1e-9)
        << "second " << i;
  }
  CompressOptions fine;
  fine.step_s = 1;
  fine.rel_tolerance = 0;
  fine.abs_tolerance_rps = 0;
  const StageFit exact = MeasureStageFit(Compress(rps, fine), rps);
  EXPECT_LT(exact.max_abs_error_rps, 1e-9);
}

TEST(CompressSeries, RefusesBadInput) {
  EXPECT_ERROR_MENTIONS(CompressSeries({}, {}), "empty");
  EXPECT_ERROR_MENTIONS(CompressSeries({1, -2, 3}, {}), "rps[1]", "-2");
  EXPECT_ERROR_MENTIONS(CompressSeries({1, NAN}, {}), "rps[1]");
  CompressOptions o;
  o.step_s = 0;
  EXPECT_ERROR_MENTIONS(CompressSeries({1}, o), "step", "0");
  o.step_s = 1.5;
  EXPECT_ERROR_MENTIONS(CompressSeries({1}, o), "step", "1.5");
  o = {};
  o.rel_tolerance = 0.7;
  EXPECT_ERROR_MENTIONS(CompressSeries({1}, o), "tolerance", "0.7");
}

TEST(StagePlan, PerSecondIntegratesRampsAndJumps) {
  StagePlan ramp{0, {{10, 100}, {0, 50}, {5, 50}}};
  const std::vector<double> per = ramp.PerSecond();
  ASSERT_EQ(per.size(), 15u);
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(per[i], 10 * i + 5, 1e-9) << i;
  for (int i = 10; i < 15; ++i) EXPECT_NEAR(per[i], 50, 1e-9) << i;
  EXPECT_EQ(ramp.duration_s(), 15);
  EXPECT_EQ(ramp.peak_rps(), 100);
  // A jump half-way through a second counts half of each rate.
  StagePlan half{10, {{0.5, 10}, {0, 20}, {1.5, 20}}};
  EXPECT_EQ(half.PerSecond(), (std::vector<double>{15, 20}));
}

// ---- rendering --------------------------------------------------------------------------------

double GoDurationSeconds(const std::string& text) {
  static const std::regex re(R"(^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$)");
  std::smatch m;
  EXPECT_TRUE(std::regex_match(text, m, re)) << text;
  double s = 0;
  if (m[1].matched) s += 3600 * std::stod(m[1]);
  if (m[2].matched) s += 60 * std::stod(m[2]);
  if (m[3].matched) s += std::stod(m[3]);
  return s;
}

// Reads the stages back out of a rendered k6 script, in req/s.
StagePlan ParseK6(const std::string& js) {
  std::smatch m;
  StagePlan plan;
  double per_unit = 0;
  if (std::regex_search(js, m, std::regex(R"(timeUnit: '(1s|1m)')"))) per_unit = m[1] == "1s" ? 1 : 60;
  EXPECT_GT(per_unit, 0) << js;
  if (std::regex_search(js, m, std::regex(R"(startRate: (\d+),)"))) plan.start_rps = std::stod(m[1]) / per_unit;
  const std::regex stage(R"(\{ duration: '([^']*)', target: (\d+) \})");
  for (auto it = std::sregex_iterator(js.begin(), js.end(), stage); it != std::sregex_iterator(); ++it) {
    plan.stages.push_back({GoDurationSeconds((*it)[1]), std::stod((*it)[2]) / per_unit});
  }
  return plan;
}

int IntField(const std::string& text, const std::string& name) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(text, m, std::regex(name + R"(: (\d+),)"))) << name;
  return m.empty() ? -1 : std::stoi(m[1]);
}

TEST(RenderK6Script, StagesRoundTripWithWholeRatesPerSecond) {
  const StagePlan plan = Compress(Series("spike:base=50,peak=400,at=20m", 3600));
  ScriptOptions o;
  o.workload = "spike:base=50,peak=400,at=20m";
  o.seed = 42;
  auto js = RenderK6Script(plan, o);
  ASSERT_TRUE(js.ok()) << js.status().ToString();
  EXPECT_THAT(*js, HasSubstr("executor: 'ramping-arrival-rate'"));
  EXPECT_THAT(*js, HasSubstr("timeUnit: '1s'"));
  EXPECT_THAT(*js, HasSubstr("\"spike:base=50,peak=400,at=20m\" (seed 42)"));
  ExpectStages(ParseK6(*js), plan.start_rps, plan.stages);
  // Little's law at 0.2 s and 400 req/s: 80 VUs, 4x headroom.
  EXPECT_EQ(IntField(*js, "preAllocatedVUs"), 80);
  EXPECT_EQ(IntField(*js, "maxVUs"), 320);
}

TEST(RenderK6Script, FractionalRatesArePerMinute) {
  const StagePlan plan{0.5, {{90, 12.25}, {0, 3}, {3600, 3}}};
  ScriptOptions o;
  o.assumed_latency_s = 1;
  o.vu_headroom = 2.5;
  auto js = RenderK6Script(plan, o);
  ASSERT_TRUE(js.ok()) << js.status().ToString();
  EXPECT_THAT(*js, HasSubstr("timeUnit: '1m'"));
  EXPECT_THAT(*js, HasSubstr("duration: '1m30s', target: 735 }"));
  EXPECT_THAT(*js, HasSubstr("duration: '1h', target: 180 }"));
  ExpectStages(ParseK6(*js), 0.5, plan.stages);
  EXPECT_EQ(IntField(*js, "preAllocatedVUs"), 13);  // ceil(12.25 x 1 s)
  EXPECT_EQ(IntField(*js, "maxVUs"), 33);           // ceil(13 x 2.5)
}

TEST(RenderK6Script, EscapesTextAndRefusesBadOptions) {
  const StagePlan plan{1, {{10, 1}}};
  ScriptOptions o;
  o.workload = "trace:csv=/tmp/a\"b\nc.csv";
  o.target_url = "https://shop.example:8443/cart?q='x'";
  auto js = RenderK6Script(plan, o);
  ASSERT_TRUE(js.ok());
  EXPECT_THAT(*js, HasSubstr(R"("trace:csv=/tmp/a\"b\nc.csv")"));
  EXPECT_THAT(*js, Not(HasSubstr("b\nc")));
  EXPECT_THAT(*js, HasSubstr(R"(__ENV.TARGET_URL || "https://shop.example:8443/cart?q='x'")"));

  o.target_url = "ftp://x/";
  EXPECT_ERROR_MENTIONS(RenderK6Script(plan, o), "target URL", "ftp://x/");
  o.target_url = "http:///path";
  EXPECT_ERROR_MENTIONS(RenderK6Script(plan, o), "target URL");
  o.target_url = "http://a b/";
  EXPECT_ERROR_MENTIONS(RenderK6Script(plan, o), "target URL");
  o = {};
  o.assumed_latency_s = 0;
  EXPECT_ERROR_MENTIONS(RenderK6Script(plan, o), "latency");
  o = {};
  o.vu_headroom = 0.5;
  EXPECT_ERROR_MENTIONS(RenderK6Script(plan, o), "headroom", "0.5");
  EXPECT_ERROR_MENTIONS(RenderK6Script(StagePlan{}, {}), "empty");
  EXPECT_ERROR_MENTIONS(RenderK6Script(StagePlan{1, {{10, -1}}}, {}), "stages[0]");
}

TEST(RenderLocustFile, StagesUsersAndHost) {
  const StagePlan plan = Compress(Series("step:low=20,high=200,at=10m", 1800));
  ScriptOptions o;
  o.workload = "step:low=20,high=200,at=10m";
  o.target_url = "https://shop.example:8443/cart?x=1";
  o.user_rps = 2.5;
  auto py = RenderLocustFile(plan, o);
  ASSERT_TRUE(py.ok()) << py.status().ToString();
  EXPECT_THAT(*py, HasSubstr("STAGES = [\n    (600, 20),\n    (0, 200),\n    (1200, 200),\n]\n"));
  EXPECT_THAT(*py, HasSubstr("START_RPS = 20\n"));
  EXPECT_THAT(*py, HasSubstr("USER_RPS = 2.5\n"));
  EXPECT_THAT(*py, HasSubstr("host = \"https://shop.example:8443\"\n"));
  EXPECT_THAT(*py, HasSubstr("PATH = \"/cart?x=1\"\n"));
  EXPECT_THAT(*py, HasSubstr("wait_time = constant_throughput(USER_RPS)"));
  EXPECT_THAT(*py, HasSubstr("class WorkloadShape(LoadTestShape):"));
  o.user_rps = 0;
  EXPECT_ERROR_MENTIONS(RenderLocustFile(plan, o), "user rps");
}

}  // namespace
}  // namespace podpilot
