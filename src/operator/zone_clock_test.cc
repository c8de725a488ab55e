#include "operator/zone_clock.h"

#include <gtest/gtest.h>

namespace podpilot::op {
namespace {

// Expected values from Python's zoneinfo over the same tz database.
constexpr double kTuesday2023 = 1700000000;  // 2023-11-14 22:13:20 UTC, a Tuesday

ZoneClock::LocalTime At(const char* zone, double unix_s) {
  auto clock = ZoneClock::Find(zone);
  EXPECT_TRUE(clock.ok()) << clock.status().ToString();
  return clock.ok() ? clock->At(unix_s) : ZoneClock::LocalTime{-1, -1};
}

TEST(ZoneClock, UtcNeedsNoDatabase) {
  const auto t = At("UTC", kTuesday2023);
  EXPECT_DOUBLE_EQ(t.time_of_day_s, 22 * 3600 + 13 * 60 + 20);
  EXPECT_EQ(t.day_of_week, 1);  // Tuesday
}

TEST(ZoneClock, ZonesWestAndEastMoveTheDate) {
  auto ny = At("America/New_York", kTuesday2023);  // 17:13:20 EST, Tuesday
  EXPECT_DOUBLE_EQ(ny.time_of_day_s, 62000);
  EXPECT_EQ(ny.day_of_week, 1);
  auto tokyo = At("Asia/Tokyo", kTuesday2023);  // 07:13:20 the next day, Wednesday
  EXPECT_DOUBLE_EQ(tokyo.time_of_day_s, 26000);
  EXPECT_EQ(tokyo.day_of_week, 2);
  auto kolkata = At("Asia/Kolkata", kTuesday2023);  // +05:30: 03:43:20 Wednesday
  EXPECT_DOUBLE_EQ(kolkata.time_of_day_s, 13400);
  EXPECT_EQ(kolkata.day_of_week, 2);
}

TEST(ZoneClock, FollowsDaylightSavingBothWays) {
  // New York springs forward at 02:00 EST on 2024-03-10: 01:59:59 is followed by 03:00:00.
  EXPECT_DOUBLE_EQ(At("America/New_York", 1710053999).time_of_day_s, 7199);
  EXPECT_DOUBLE_EQ(At("America/New_York", 1710054000).time_of_day_s, 10800);
  // Berlin falls back at 03:00 CEST on 2024-10-27: 02:59:59 is followed by 02:00:00 again.
  EXPECT_DOUBLE_EQ(At("Europe/Berlin", 1729990799).time_of_day_s, 10799);
  EXPECT_DOUBLE_EQ(At("Europe/Berlin", 1729990800).time_of_day_s, 7200);
  EXPECT_EQ(At("Europe/Berlin", 1729990800).day_of_week, 6);  // Sunday
}

TEST(ZoneClock, KeepsFractionsOfASecond) {
  EXPECT_DOUBLE_EQ(At("Europe/Berlin", kTuesday2023 + 0.25).time_of_day_s, 23 * 3600 + 13 * 60 + 20.25);
}

TEST(ZoneClock, UnknownZoneIsNotFoundNamingIt) {
  auto clock = ZoneClock::Find("Mars/Olympus_Mons");
  ASSERT_FALSE(clock.ok());
  EXPECT_EQ(clock.status().code(), StatusCode::kNotFound);
  EXPECT_NE(clock.status().message().find("'Mars/Olympus_Mons'"), std::string::npos) << clock.status().message();
  EXPECT_NE(clock.status().message().find("tzdata"), std::string::npos);
  EXPECT_FALSE(ZoneClock::Find("").ok());
}

// Names of files under /usr/share/zoneinfo that are not zones: refused, not a crash at first use.
TEST(ZoneClock, FilesThatAreNotZonesAreRefused) {
  for (const char* name : {"localtime", "zone.tab", "iso3166.tab", "tzdata.zi"}) {
    auto clock = ZoneClock::Find(name);
    if (clock.ok()) ADD_FAILURE() << name << " accepted";
  }
}

}  // namespace
}  // namespace podpilot::op
