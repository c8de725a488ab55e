// vary_scale / vary_offset / vary_noise / vary_tempo: per-seed variation drawn from the workload's seed.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "workload/test_util.h"
#include "workload/workload.h"

namespace podpilot {
namespace {

using workload_testing::TraceData;

std::vector<double> Rates(const std::string& text, double duration_s, uint64_t seed) {
  auto s = MakeWorkload(text, duration_s, seed);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  return s.ok() ? s->rps : std::vector<double>{};
}

TEST(Variation, OffByDefaultAndDeterministicInTheSeed) {
  EXPECT_EQ(Rates("diurnal:vary_scale=1,vary_noise=0,vary_offset=0s", 7200, 3), Rates("diurnal", 7200, 3));
  const std::string text = "diurnal:vary_scale=1.5,vary_offset=1d,vary_noise=0.2";
  EXPECT_EQ(Rates(text, 7200, 3), Rates(text, 7200, 3));
  EXPECT_NE(Rates(text, 7200, 3), Rates(text, 7200, 4));
}

TEST(Variation, ScaleIsOneLogUniformFactorPerSeed) {
  const auto base = Rates("sinusoidal:mean=100,amplitude=50", 3600, 1);
  std::vector<double> factors;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    const auto v = Rates("sinusoidal:mean=100,amplitude=50,vary_scale=1.4", 3600, seed);
    ASSERT_EQ(v.size(), base.size());
    const double f = v[0] / base[0];
    for (size_t i = 0; i < v.size(); i += 97) ASSERT_NEAR(v[i] / base[i], f, 1e-9) << "seed " << seed;
    ASSERT_GE(f, 1 / 1.4 - 1e-12);
    ASSERT_LE(f, 1.4 + 1e-12);
    factors.push_back(std::log(f) / std::log(1.4));  // uniform on [-1, 1]
  }
  // Uniform on [-1, 1]: mean 0 (sd of the mean 0.029), a quarter of the draws in each quarter.
  EXPECT_NEAR(std::accumulate(factors.begin(), factors.end(), 0.0) / factors.size(), 0.0, 0.12);
  for (double lo : {-1.0, -0.5, 0.0, 0.5}) {
    const auto in = std::count_if(factors.begin(), factors.end(), [&](double x) { return x >= lo && x < lo + 0.5; });
    EXPECT_NEAR(in, 100, 35) << "quarter from " << lo;
  }
}

TEST(Variation, OffsetShiftsTheShapeAndItsClock) {
  // A step at 1 h, shifted a further U[0, 1 h): the jump comes earlier by exactly the shift, and
  // the series' clock starts that much later.
  std::vector<double> shifts;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto s = MakeWorkload("step:low=10,high=20,at=1h,vary_offset=1h", 7200, seed);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const auto jump = std::find(s->rps.begin(), s->rps.end(), 20.0) - s->rps.begin();
    ASSERT_GT(jump, 0);
    ASSERT_LE(jump, 3600);
    const double shift = s->start_time_of_day_s;
    EXPECT_NEAR(static_cast<double>(jump), std::ceil(3600 - shift - 0.5), 1.0) << "seed " << seed;
    shifts.push_back(shift);
  }
  EXPECT_LT(*std::min_element(shifts.begin(), shifts.end()), 900);
  EXPECT_GT(*std::max_element(shifts.begin(), shifts.end()), 2700);
}

TEST(Variation, NoiseKeepsTheMeanWithTheAskedSpreadAndCorrelation) {
  const double sigma = 0.2;
  const auto v = Rates("constant:rps=100,vary_noise=0.2", 40 * 86400, 7);
  std::vector<double> x;
  for (double r : v) x.push_back(std::log(r / 100) + 0.5 * sigma * sigma);
  const double n = static_cast<double>(x.size());
  const double mean_rate = std::accumulate(v.begin(), v.end(), 0.0) / n;
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double var = 0, lag = 0;
  for (size_t i = 0; i < x.size(); ++i) var += (x[i] - mx) * (x[i] - mx);
  for (size_t i = 600; i < x.size(); ++i) lag += (x[i] - mx) * (x[i - 600] - mx);
  var /= n;
  lag /= n - 600;
  // 40 days hold ~5,800 correlation times: the sample moments are within a few percent.
  EXPECT_NEAR(mean_rate, 100, 2.5);
  EXPECT_NEAR(std::sqrt(var), sigma, 0.015);
  EXPECT_NEAR(lag / var, std::exp(-1.0), 0.05);  // correlation time 10 minutes
}

TEST(Variation, TempoPlaysTheShapeFasterOrSlowerAndLeavesTheOtherDraws) {
  // A step at 1 h of shape time, played at tempo T: the jump comes at 1 h / T of run time, T
  // log-uniform in [1/2, 2]; the clock is not moved; the scale factor is the one drawn without it.
  std::vector<double> tempos;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    auto s = MakeWorkload("step:low=10,high=20,at=1h,vary_tempo=2,vary_scale=1.4", 3 * 3600, seed);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const auto plain = Rates("step:low=10,high=20,at=1h,vary_scale=1.4", 60, seed);
    EXPECT_DOUBLE_EQ(s->rps[0], plain[0]) << "seed " << seed;
    const auto jump = std::find_if(s->rps.begin(), s->rps.end(), [&](double r) { return r > 1.5 * s->rps[0]; }) -
                      s->rps.begin();
    const double tempo = 3600.0 / static_cast<double>(jump);
    ASSERT_GE(tempo, 0.5 * (1 - 1e-3)) << "seed " << seed;
    ASSERT_LE(tempo, 2 * (1 + 1e-3)) << "seed " << seed;
    EXPECT_EQ(s->start_time_of_day_s, 0);
    tempos.push_back(tempo);
  }
  EXPECT_LT(*std::min_element(tempos.begin(), tempos.end()), 0.7);
  EXPECT_GT(*std::max_element(tempos.begin(), tempos.end()), 1.4);
  EXPECT_EQ(Rates("step:low=10,high=20,at=1h,vary_tempo=1", 7200, 5), Rates("step:low=10,high=20,at=1h", 7200, 5));
}

TEST(Variation, LeavesTheRandomWalkItself) {
  const auto walk = Rates("random_walk:sigma=5", 3600, 11);
  const auto varied = Rates("random_walk:sigma=5,vary_scale=2", 3600, 11);
  ASSERT_EQ(walk.size(), varied.size());
  const double f = varied[0] / walk[0];
  for (size_t i = 0; i < walk.size(); ++i) ASSERT_NEAR(varied[i], walk[i] * f, 1e-9 * walk[i]);
}

TEST(Variation, BadValuesAreRefusedNamingKeyAndValue) {
  EXPECT_ERROR_MENTIONS(MakeWorkload("diurnal:vary_scale=0.5", 600, 1), "vary_scale=0.5", ">= 1");
  EXPECT_ERROR_MENTIONS(MakeWorkload("diurnal:vary_noise=2", 600, 1), "vary_noise=2", "<= 1");
  EXPECT_ERROR_MENTIONS(MakeWorkload("diurnal:vary_offset=-1h", 600, 1), "vary_offset=-1h");
  EXPECT_ERROR_MENTIONS(MakeWorkload("trace:csv=" + TraceData("sample_rps.csv") + ",vary_offset=1h", 60, 1),
                        "vary_offset=1h", "shapes only");
  EXPECT_ERROR_MENTIONS(MakeWorkload("diurnal:vary_tempo=0.9", 600, 1), "vary_tempo=0.9", ">= 1");
  EXPECT_ERROR_MENTIONS(MakeWorkload("trace:csv=" + TraceData("sample_rps.csv") + ",vary_tempo=1.2", 60, 1),
                        "vary_tempo=1.2", "shapes only");
}

}  // namespace
}  // namespace podpilot
