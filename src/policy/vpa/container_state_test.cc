// Upstream model/container_test.go (vector R8 of baselines.md 2.7) and aggregate-state behaviour.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "policy/vpa/container_state.h"

namespace podpilot::vpa {
namespace {

using ::testing::InSequence;
using ::testing::StrictMock;

constexpr double kTestTimestamp = 1492536905.0;  // 2017-04-18 17:35:05 UTC, as upstream
constexpr ResourceAmount kMb = 1024 * 1024;
constexpr double kInterval = 24 * 3600.0;

MATCHER_P3(IsSample, time_s, usage, resource, "") {
  return arg.measure_start_s == time_s && arg.usage == usage && arg.resource == resource;
}

class MockAggregator : public ContainerStateAggregator {
 public:
  MOCK_METHOD(void, AddSample, (const UsageSample& sample), (override));
  MOCK_METHOD(void, SubtractSample, (const UsageSample& sample), (override));
};

UsageSample Sample(double t, ResourceAmount usage, ResourceKind r) { return {t, usage, 0, r}; }

TEST(ContainerState, TestAggregateContainerUsageSamples) {
  StrictMock<MockAggregator> agg;
  ContainerState c(&agg);
  const double step = kInterval / 2;
  const double end = kTestTimestamp + kInterval;
  {
    InSequence seq;
    EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp, 3140, ResourceKind::kCpu)));
    EXPECT_CALL(agg, AddSample(IsSample(end, 5, ResourceKind::kMemory)));
    EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp + step, 6280, ResourceKind::kCpu)));
    EXPECT_CALL(agg, SubtractSample(IsSample(end, 5, ResourceKind::kMemory)));
    EXPECT_CALL(agg, AddSample(IsSample(end, 10, ResourceKind::kMemory)));
    EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp + 2 * step, 1570, ResourceKind::kCpu)));
    EXPECT_CALL(agg, AddSample(IsSample(end + kInterval, 2, ResourceKind::kMemory)));
  }
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp, 3140, ResourceKind::kCpu)));
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp, 5, ResourceKind::kMemory)));
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp + step, 6280, ResourceKind::kCpu)));
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp + step, 10, ResourceKind::kMemory)));
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp + 2 * step, 1570, ResourceKind::kCpu)));
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp + 2 * step, 2, ResourceKind::kMemory)));
  // Invalid samples are discarded without reaching the aggregator.
  EXPECT_FALSE(c.AddSample(Sample(kTestTimestamp + 2 * step, 1000, ResourceKind::kCpu)));  // duplicate start
  EXPECT_FALSE(c.AddSample(Sample(kTestTimestamp + 4 * step, -1000, ResourceKind::kCpu)));
  EXPECT_FALSE(c.AddSample(Sample(kTestTimestamp + 4 * step, -1000, ResourceKind::kMemory)));
}

// R8: OOM with request 1000 Mi -> a 1200 Mi sample at the interval end.
TEST(ContainerState, TestRecordOOMIncreasedByBumpUp) {
  StrictMock<MockAggregator> agg;
  ContainerState c(&agg);
  EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp + kInterval, 1200 * kMb, ResourceKind::kMemory)));
  EXPECT_TRUE(c.RecordOom(kTestTimestamp, 1000 * kMb).ok());
}

// R8: smaller OOMs do not move the OOM peak; a larger one replaces it.
TEST(ContainerState, TestRecordOOMDontRunAway) {
  StrictMock<MockAggregator> agg;
  ContainerState c(&agg);
  const double end = kTestTimestamp + kInterval;
  {
    InSequence seq;
    EXPECT_CALL(agg, AddSample(IsSample(end, 1200 * kMb, ResourceKind::kMemory)));
    EXPECT_CALL(agg, SubtractSample(IsSample(end, 1200 * kMb, ResourceKind::kMemory)));
    EXPECT_CALL(agg, AddSample(IsSample(end, 2400 * kMb, ResourceKind::kMemory)));
  }
  EXPECT_TRUE(c.RecordOom(kTestTimestamp, 1000 * kMb).ok());
  EXPECT_TRUE(c.RecordOom(kTestTimestamp, 999 * kMb).ok());
  EXPECT_TRUE(c.RecordOom(kTestTimestamp, 999 * kMb).ok());
  EXPECT_TRUE(c.RecordOom(kTestTimestamp, 2000 * kMb).ok());
}

// R8: request 1 Mi -> the minimum bump of 100 Mi wins.
TEST(ContainerState, TestRecordOOMIncreasedByMin) {
  StrictMock<MockAggregator> agg;
  ContainerState c(&agg);
  EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp + kInterval, 101 * kMb, ResourceKind::kMemory)));
  EXPECT_TRUE(c.RecordOom(kTestTimestamp, 1 * kMb).ok());
}

// R8: a known usage peak above the request is the base of the bump.
TEST(ContainerState, TestRecordOOMMaxedWithKnownSample) {
  StrictMock<MockAggregator> agg;
  ContainerState c(&agg);
  const double end = kTestTimestamp + kInterval;
  {
    InSequence seq;
    EXPECT_CALL(agg, AddSample(IsSample(end, 3000 * kMb, ResourceKind::kMemory)));
    EXPECT_CALL(agg, SubtractSample(IsSample(end, 3000 * kMb, ResourceKind::kMemory)));
    EXPECT_CALL(agg, AddSample(IsSample(end, 3600 * kMb, ResourceKind::kMemory)));
  }
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp, 3000 * kMb, ResourceKind::kMemory)));
  EXPECT_TRUE(c.RecordOom(kTestTimestamp, 1000 * kMb).ok());
}

// R8: an OOM 30 h before the last memory sample is rejected and changes nothing.
TEST(ContainerState, TestRecordOOMDiscardsOldSample) {
  StrictMock<MockAggregator> agg;
  ContainerState c(&agg);
  EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp + kInterval, 1000 * kMb, ResourceKind::kMemory)));
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp, 1000 * kMb, ResourceKind::kMemory)));
  Status s = c.RecordOom(kTestTimestamp - 30 * 3600, 1000 * kMb);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr("OOM"));
}

// An OOM two intervals later opens a new interval (the peak used for the bump is the old one).
TEST(ContainerState, TestRecordOOMInNewWindow) {
  StrictMock<MockAggregator> agg;
  ContainerState c(&agg);
  {
    InSequence seq;
    EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp + kInterval, 2000 * kMb, ResourceKind::kMemory)));
    EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp + 3 * kInterval, 2400 * kMb, ResourceKind::kMemory)));
  }
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp, 2000 * kMb, ResourceKind::kMemory)));
  EXPECT_TRUE(c.RecordOom(kTestTimestamp + 2 * kInterval, 1000 * kMb).ok());
}

// Version note of 2.4: an OOM reported a few seconds before the last memory sample, which had
// already opened the next interval, is accepted by the current staleness rule (relative to the last
// sample); the pre-18445abe54 rule (relative to the interval end) rejected it.
TEST(ContainerState, LateOomJustBeforeIntervalBoundaryIsAccepted) {
  ::testing::NiceMock<MockAggregator> agg;
  ContainerState c(&agg);
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp, 10 * kMb, ResourceKind::kMemory)));
  EXPECT_TRUE(c.AddSample(Sample(kTestTimestamp + kInterval + 1, 10 * kMb, ResourceKind::kMemory)));
  EXPECT_EQ(*c.window_end_s(), kTestTimestamp + 2 * kInterval);
  EXPECT_CALL(agg, AddSample(IsSample(kTestTimestamp + 2 * kInterval, 500 * kMb, ResourceKind::kMemory)));
  EXPECT_TRUE(c.RecordOom(kTestTimestamp + kInterval - 5, 400 * kMb).ok());
  // More than an interval before the last (OOM) sample is still too old.
  EXPECT_FALSE(c.RecordOom(kTestTimestamp - 10, 400 * kMb).ok());
}

TEST(AggregateContainerState, CpuSamplesWeighConstantOrByRequestAndDriveSampleTimes) {
  AggregateContainerState constant;
  constant.AddSample({kTestTimestamp, 3140, 2300, ResourceKind::kCpu});
  constant.AddSample({kTestTimestamp + 60, 6280, 2300, ResourceKind::kCpu});
  EXPECT_EQ(constant.total_samples_count(), 2);
  EXPECT_EQ(*constant.first_sample_start_s(), kTestTimestamp);
  EXPECT_EQ(*constant.last_sample_start_s(), kTestTimestamp + 60);
  // Both samples weigh 0.1 (decay over one minute of a 24 h half-life is tiny).
  double scale = std::exp2((kTestTimestamp - constant.cpu_usage().reference_s()) / 86400.0);
  EXPECT_NEAR(constant.cpu_usage().histogram().total_weight(), 0.1 * scale * (1 + std::exp2(60 / 86400.0)), 1e-12);

  AggregationsConfig legacy;
  legacy.cpu_weight_from_request = true;  // pre-1.4.0: max(request cores, 0.1) = 2.3
  AggregateContainerState old(legacy);
  old.AddSample({kTestTimestamp, 3140, 2300, ResourceKind::kCpu});
  EXPECT_NEAR(old.cpu_usage().histogram().total_weight(), 2.3 * scale, 1e-12);

  // Memory samples do not count towards the CPU-driven history.
  constant.AddSample({kTestTimestamp + 120, 100 * kMb, 0, ResourceKind::kMemory});
  EXPECT_EQ(constant.total_samples_count(), 2);
  EXPECT_EQ(*constant.last_sample_start_s(), kTestTimestamp + 60);
}

TEST(AggregateContainerState, MergeTakesEarliestFirstLatestLastAndSumsCounts) {
  AggregateContainerState a, b, empty;
  a.AddSample({kTestTimestamp + 100, 500, 0, ResourceKind::kCpu});
  b.AddSample({kTestTimestamp, 1000, 0, ResourceKind::kCpu});
  b.AddSample({kTestTimestamp + 200, 1000, 0, ResourceKind::kCpu});
  a.MergeContainerState(empty);  // unset times are ignored
  EXPECT_EQ(*a.first_sample_start_s(), kTestTimestamp + 100);
  a.MergeContainerState(b);
  EXPECT_EQ(*a.first_sample_start_s(), kTestTimestamp);
  EXPECT_EQ(*a.last_sample_start_s(), kTestTimestamp + 200);
  EXPECT_EQ(a.total_samples_count(), 3);
  EXPECT_FALSE(a.IsExpired(kTestTimestamp + 200 + 8 * kInterval - 1));
  EXPECT_TRUE(a.IsExpired(kTestTimestamp + 200 + 8 * kInterval));
}

}  // namespace
}  // namespace podpilot::vpa
