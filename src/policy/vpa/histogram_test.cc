// Upstream vectors R1-R4 (baselines.md 2.7) and the other cases of util/histogram_test.go,
// util/decaying_histogram_test.go and util/histogram_options_test.go.
#include <gtest/gtest.h>

#include <cmath>

#include "policy/vpa/decaying_histogram.h"
#include "policy/vpa/histogram.h"
#include "policy/vpa/histogram_options.h"

namespace podpilot::vpa {
namespace {

constexpr double kWeightEpsilon = 1e-15;
constexpr double kStart = 1234567890.0;  // time.Unix(1234567890, 0), as upstream's startTime
constexpr double kHour = 3600.0;

std::shared_ptr<const HistogramOptions> TestOptions() {
  static auto options = *NewLinearHistogramOptions(10.0, 1.0, kWeightEpsilon);
  return options;
}

// --- histogram_options_test.go -------------------------------------------------------------------

TEST(HistogramOptions, TestLinearHistogramOptions) {
  auto o = *NewLinearHistogramOptions(5.0, 0.3, 0.001);
  EXPECT_EQ(o->Epsilon(), 0.001);
  EXPECT_EQ(o->NumBuckets(), 18);  // ceil(5 / 0.3) + 1
  EXPECT_DOUBLE_EQ(o->GetBucketStart(0), 0.0);
  EXPECT_DOUBLE_EQ(o->GetBucketStart(17), 5.1);
  EXPECT_EQ(o->FindBucket(-1), 0);
  EXPECT_EQ(o->FindBucket(0.0), 0);
  EXPECT_EQ(o->FindBucket(1.3), 4);
  EXPECT_EQ(o->FindBucket(100.0), 17);
}

// R1.
TEST(HistogramOptions, TestExponentialHistogramOptions) {
  auto o = *NewExponentialHistogramOptions(500.0, 40.0, 1.5, 0.001);
  EXPECT_EQ(o->Epsilon(), 0.001);
  ASSERT_EQ(o->NumBuckets(), 6);
  const double starts[] = {0, 40, 100, 190, 325, 527.5};
  for (int b = 0; b < 6; ++b) EXPECT_DOUBLE_EQ(o->GetBucketStart(b), starts[b]) << "bucket " << b;
  EXPECT_EQ(o->FindBucket(-1.0), 0);
  EXPECT_EQ(o->FindBucket(39.99), 0);
  EXPECT_EQ(o->FindBucket(40.0), 1);
  EXPECT_EQ(o->FindBucket(100.0), 2);
  EXPECT_EQ(o->FindBucket(900.0), 5);
}

TEST(HistogramOptions, RejectsInvalidArguments) {
  EXPECT_FALSE(NewLinearHistogramOptions(0, 1, 1e-3).ok());
  EXPECT_FALSE(NewLinearHistogramOptions(10, -1, 1e-3).ok());
  EXPECT_FALSE(NewExponentialHistogramOptions(10, 1, 1.0, 1e-3).ok());  // ratio must be > 1
  EXPECT_FALSE(NewExponentialHistogramOptions(10, 1, 1.5, 0).ok());
}

// R2 (derived from aggregations_config.go with the formulas of 2.3).
TEST(HistogramOptions, ProductionCpuAndMemoryLayouts) {
  auto cpu = CpuHistogramOptions();
  auto mem = MemoryHistogramOptions();
  EXPECT_EQ(cpu->NumBuckets(), 176);
  EXPECT_EQ(mem->NumBuckets(), 176);
  EXPECT_DOUBLE_EQ(cpu->GetBucketStart(1), 0.01);
  EXPECT_NEAR(cpu->GetBucketStart(26), 0.5111345375888712, 1e-15);
  EXPECT_EQ(cpu->FindBucket(0.5), 25);
  EXPECT_EQ(cpu->FindBucket(1.0), 36);
  EXPECT_NEAR(cpu->GetBucketStart(37), 1.0162813885540918, 1e-15);
  EXPECT_EQ(mem->FindBucket(1073741824.0), 37);
  EXPECT_NEAR(mem->GetBucketStart(38), 1077095457.98, 0.01);
  EXPECT_DOUBLE_EQ(cpu->Epsilon(), 1e-4);
}

// --- histogram_test.go ---------------------------------------------------------------------------

TEST(Histogram, TestPercentilesEmptyHistogram) {
  Histogram h(TestOptions());
  for (double p = -0.5; p <= 1.5; p += 0.5) EXPECT_EQ(h.Percentile(p), 0.0);
}

// R3.
TEST(Histogram, TestPercentiles) {
  Histogram h(TestOptions());
  for (int i = 1; i <= 4; ++i) h.AddSample(i, i);
  const std::pair<double, double> expected[] = {{0.0, 2}, {0.1, 2}, {0.2, 3}, {0.3, 3}, {0.4, 4}, {0.5, 4},
                                                {0.6, 4}, {0.7, 5}, {0.8, 5}, {0.9, 5}, {1.0, 5}};
  for (auto [p, v] : expected) EXPECT_DOUBLE_EQ(h.Percentile(p), v) << "p=" << p;
}

TEST(Histogram, TestPercentileOutOfBounds) {
  Histogram h(*NewLinearHistogramOptions(1.0, 0.1, kWeightEpsilon));
  h.AddSample(0.1, 0.1);
  h.AddSample(0.2, 0.2);
  EXPECT_NEAR(h.Percentile(-0.1), 0.2, 1e-15);
  EXPECT_NEAR(h.Percentile(1.1), 0.3, 1e-15);
  // Fill the boundary buckets.
  h.AddSample(0.0, 0.1);
  h.AddSample(1.0, 0.2);
  EXPECT_NEAR(h.Percentile(-0.1), 0.1, 1e-15);
  EXPECT_NEAR(h.Percentile(1.1), 1.0, 1e-15);
}

TEST(Histogram, TestEmptyHistogram) {
  Histogram h(*NewLinearHistogramOptions(1.0, 0.1, kWeightEpsilon));
  EXPECT_TRUE(h.IsEmpty());
  h.AddSample(0.1, kWeightEpsilon * 2.5);
  EXPECT_FALSE(h.IsEmpty());
  h.SubtractSample(0.1, kWeightEpsilon);  // 1.5 epsilon left
  EXPECT_FALSE(h.IsEmpty());
  h.SubtractSample(0.1, kWeightEpsilon);  // would leave 0.5 epsilon: the bucket is cleared
  EXPECT_TRUE(h.IsEmpty());
  EXPECT_EQ(h.bucket_weight(1), 0.0);
}

TEST(Histogram, TestNonEmptyOnEpsilonAddition) {
  Histogram h(*NewLinearHistogramOptions(1.0, 0.1, kWeightEpsilon));
  EXPECT_TRUE(h.IsEmpty());
  h.AddSample(9.9, kWeightEpsilon * 3);
  EXPECT_FALSE(h.IsEmpty());
  h.AddSample(0.1, kWeightEpsilon * 0.3);  // below epsilon: min bucket does not move
  EXPECT_FALSE(h.IsEmpty());
  h.AddSample(999.9, kWeightEpsilon * 0.3);
  EXPECT_FALSE(h.IsEmpty());
}

TEST(Histogram, TestHistogramMerge) {
  Histogram h1(TestOptions()), h2(TestOptions()), expected(TestOptions());
  h1.AddSample(1, 1);
  h1.AddSample(2, 1);
  h2.AddSample(2, 1);
  h2.AddSample(3, 1);
  for (double v : {1, 2, 2, 3}) expected.AddSample(v, 1);
  h1.Merge(h2);
  EXPECT_TRUE(h1.Equals(expected));
  EXPECT_DOUBLE_EQ(h1.total_weight(), 4.0);
}

TEST(Histogram, ScaleKeepsPercentilesAndDropsBucketsBelowEpsilon) {
  Histogram h(*NewLinearHistogramOptions(10.0, 1.0, 1e-3));
  h.AddSample(1, 1);
  h.AddSample(5, 1e-3);
  EXPECT_EQ(h.max_bucket(), 5);
  h.Scale(0.5);  // bucket 5 falls below epsilon
  EXPECT_EQ(h.max_bucket(), 1);
  EXPECT_DOUBLE_EQ(h.Percentile(1.0), 2.0);
}

// --- decaying_histogram_test.go ------------------------------------------------------------------

TEST(DecayingHistogram, TestPercentilesEmptyDecayingHistogram) {
  DecayingHistogram h(TestOptions(), kHour);
  for (double p = -0.5; p <= 1.5; p += 0.5) EXPECT_EQ(h.Percentile(p), 0.0);
}

TEST(DecayingHistogram, TestSimpleDecay) {
  DecayingHistogram h(TestOptions(), kHour);
  h.AddSample(2, 1000, kStart);
  // 20 half-lives later: relative weight 2^20 / 1000 > 1000 times the first sample.
  h.AddSample(1, 1, kStart + 20 * kHour);
  EXPECT_DOUBLE_EQ(h.Percentile(0.999), 2.0);
  EXPECT_DOUBLE_EQ(h.Percentile(1.0), 3.0);
}

TEST(DecayingHistogram, TestLongtermDecay) {
  DecayingHistogram h(TestOptions(), kHour);
  h.AddSample(2, 1, kStart);
  // More than 2^maxDecayExponent apart: the reference shifts and the old sample vanishes.
  h.AddSample(1, 1, kStart + 101 * kHour);
  EXPECT_DOUBLE_EQ(h.Percentile(1.0), 2.0);
}

// R4.
TEST(DecayingHistogram, TestDecayingHistogramPercentiles) {
  DecayingHistogram h(TestOptions(), kHour);
  for (int i = 1; i <= 4; ++i) h.AddSample(i, i, kStart + (i - 1) * kHour);
  // Relative weights 1, 4, 12, 32 (x 2^-3 of the newest scale).
  const std::pair<double, double> expected[] = {{0.00, 2}, {0.02, 2}, {0.03, 3}, {0.10, 3},
                                                {0.11, 4}, {0.34, 4}, {0.35, 5}, {1.00, 5}};
  for (auto [p, v] : expected) EXPECT_DOUBLE_EQ(h.Percentile(p), v) << "p=" << p;
  EXPECT_NEAR(h.histogram().bucket_weight(4) / h.histogram().bucket_weight(1), 32.0, 1e-9);
}

TEST(DecayingHistogram, TestNoDecay) {
  DecayingHistogram h(TestOptions(), kHour);
  for (int i = 1; i <= 4; ++i) h.AddSample(i, i, kStart);
  const std::pair<double, double> expected[] = {{0.0, 2}, {0.1, 2}, {0.2, 3}, {0.3, 3}, {0.4, 4}, {0.5, 4},
                                                {0.6, 4}, {0.7, 5}, {0.8, 5}, {0.9, 5}, {1.0, 5}};
  for (auto [p, v] : expected) EXPECT_DOUBLE_EQ(h.Percentile(p), v) << "p=" << p;
}

TEST(DecayingHistogram, TestDecayingHistogramMerge) {
  DecayingHistogram h1(TestOptions(), kHour), h2(TestOptions(), kHour), expected(TestOptions(), kHour);
  h1.AddSample(1, 1, kStart);
  h1.AddSample(2, 1, kStart + kHour);
  h2.AddSample(2, 1, kStart + 2 * kHour);
  h2.AddSample(3, 1, kStart + kHour);
  expected.AddSample(2, 1, kStart + 2 * kHour);
  expected.AddSample(2, 1, kStart + kHour);
  expected.AddSample(3, 1, kStart + kHour);
  expected.AddSample(1, 1, kStart);
  h1.Merge(h2);
  EXPECT_TRUE(h1.Equals(expected));
}

// The reference is a whole number of half-lives after Go's zero time; for 24 h that is UTC
// midnight, ties rounding up (baselines.md 2.3).
TEST(DecayingHistogram, FirstSampleShiftsReferenceToNearestMidnight) {
  DecayingHistogram h(TestOptions(), 86400.0);
  EXPECT_EQ(h.reference_s(), kGoZeroTimeUnixSeconds);
  h.AddSample(1, 1, 86400.0 * 100 + 43199);  // just before noon -> that midnight
  EXPECT_EQ(h.reference_s(), 86400.0 * 100);
  DecayingHistogram tie(TestOptions(), 86400.0);
  tie.AddSample(1, 1, 86400.0 * 100 + 43200);  // exactly noon -> next midnight
  EXPECT_EQ(tie.reference_s(), 86400.0 * 101);
  // The sample's weight is 2^((t - ref) / half_life).
  EXPECT_NEAR(tie.histogram().total_weight(), std::exp2(-0.5), 1e-12);
}

}  // namespace
}  // namespace podpilot::vpa
