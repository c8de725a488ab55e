// Upstream knative/serving pkg/autoscaler/aggregation/bucketing_test.go (vector K8 of
// baselines.md 3.4) and aggregation/max/window_test.go behaviour.
#include <gtest/gtest.h>

#include "policy/kpa/max_time_window.h"
#include "policy/kpa/timed_buckets.h"

namespace podpilot::kpa {
namespace {

// time.Now() has a sub-second part; so does this.
constexpr double kNow = 1700000000.3;

// K8.
TEST(TimedBuckets, TestTimedFloat64BucketsWindowAverage) {
  double now = kNow;
  TimedBuckets b(5);
  // firstWrite makes a single write average over one bucket, not five (0.2).
  b.Record(now, 1);
  EXPECT_EQ(b.WindowAverage(now), 1.0);
  for (int i = 1; i < 5; ++i) b.Record(now + i, i + 1);
  EXPECT_EQ(b.WindowAverage(now + 4), 15.0 / 5);
  EXPECT_EQ(b.WindowAverage(now + 3.6), 15.0 / 5);  // `now` lagging behind the last write
  EXPECT_EQ(b.WindowAverage(now + 6), (15.0 - 1 - 2) / (5 - 2));  // short hole
  EXPECT_EQ(b.WindowAverage(now + 10), 0.0);                       // long hole
  // Write with holes.
  b.Record(now + 6, 91);
  EXPECT_EQ(b.WindowAverage(now + 6), (15.0 - 1 - 2 + 91) / 5);
  // Much later: the history restarts.
  now += 60;
  b.Record(now, 1984);
  EXPECT_EQ(b.WindowAverage(now), 1984.0);
  // An earlier time moves firstWrite back.
  b.Record(now - 3, 4);
  EXPECT_EQ(b.WindowAverage(now), (4.0 + 1984) / 4);
  now += 1;
  b.Record(now, 5);
  EXPECT_EQ(b.WindowAverage(now), (4.0 + 1984 + 5) / 5);
  b.Record(now - 3, 10);
  EXPECT_EQ(b.WindowAverage(now), (4.0 + 10 + 1984 + 5) / 5);
  // A value more than a window old is ignored.
  b.Record(now - 6, 10);
  EXPECT_EQ(b.WindowAverage(now), (4.0 + 10 + 1984 + 5) / 5);
}

TEST(TimedBuckets, TestDescendingRecord) {
  TimedBuckets b(5);
  for (int i = 8; i >= 0; --i) b.Record(kNow + i, 5);
  EXPECT_EQ(b.WindowAverage(kNow + 5), 5.0);
}

TEST(TimedBuckets, TestTimedFloat64BucketsHoles) {
  TimedBuckets b(5);
  for (int i = 0; i < 5; ++i) b.Record(kNow + i, i + 1);
  EXPECT_EQ(b.WindowAverage(kNow + 4), 15.0 / 5);
  // Writing at +8 zeroes seconds 5..7 (ring slots of seconds 0..2) and second 8's slot (second 3):
  // left are second 4 (5) and second 8 (2).
  b.Record(kNow + 8, 2);
  EXPECT_EQ(b.WindowAverage(kNow + 8), 7.0 / 5);
}

TEST(TimedBuckets, SeveralRecordsInOneSecondAddUp) {
  TimedBuckets b(60);
  for (int p = 0; p < 5; ++p) b.Record(kNow, p);  // the collector records one stat per scrape
  EXPECT_EQ(b.WindowAverage(kNow), 10.0);
}

TEST(TimedBuckets, AverageIsFlooredToSixDigitsAndEmptinessFollowsTheWindow) {
  TimedBuckets b(60);
  EXPECT_TRUE(b.IsEmpty(kNow));
  b.Record(kNow, 1);
  b.Record(kNow + 1, 1);
  b.Record(kNow + 2, 0);
  EXPECT_EQ(b.WindowAverage(kNow + 2), 0.666666);
  EXPECT_FALSE(b.IsEmpty(kNow + 62));
  EXPECT_TRUE(b.IsEmpty(kNow + 63));
}

TEST(MaxTimeWindow, KeepsTheMaximumOfTheLastSlots) {
  MaxTimeWindow w(10, 2);  // 5 slots of 2 s
  EXPECT_EQ(w.slots(), 5);
  w.Record(0, 4);
  w.Record(2, 3);
  w.Record(4, 5);
  EXPECT_EQ(w.Current(), 5);
  w.Record(6, 1);
  EXPECT_EQ(w.Current(), 5);
  w.Record(14, 0);  // slot 7: slot 2 (value 5) is 5 slots old -> out
  EXPECT_EQ(w.Current(), 1);
  w.Record(15, 0.5);  // same slot as 14: the larger of the two stays
  w.Record(15, 0.2);
  EXPECT_EQ(w.Current(), 1);
  w.Record(24, 0);
  EXPECT_EQ(w.Current(), 0);
}

}  // namespace
}  // namespace podpilot::kpa
