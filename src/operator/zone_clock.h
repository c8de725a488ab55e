// ZoneClock: the local wall clock of an IANA time zone ("Europe/Berlin"), from which an
// observation takes its time of day and day of week. The simulator's clock is the workload's
// local time, so a learned model's time-of-day features mean the users' local hours; on a cluster
// they must be read in the users' zone too (spec.timeZone), not in UTC.
//
// Zones come from the system's tz database (/usr/share/zoneinfo, Debian package tzdata) through
// Howard Hinnant's date/tz library (libhowardhinnant-date-dev), which follows each zone's rules,
// daylight saving included, as the zone file lists them: Debian's tzdata writes every transition
// up to 2037 ("fat" files); with "slim" files (the rule string only) date 3.0.1 would miss later
// ones. "UTC" needs no database.
//
// Thread safety: a ZoneClock is immutable after Find and may be shared between threads; the
// database it points into is process-wide and lives until exit.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace date {
class time_zone;
}

namespace podpilot::op {

class ZoneClock {
 public:
  // The clock of zone `name` ("UTC", "Europe/Berlin", "America/New_York"), its zone file loaded.
  // NotFound naming it when the tz database has no such zone, or its file is not a readable TZif
  // file ("localtime" is refused: it is the machine's zone, not one a spec can rely on).
  static StatusOr<ZoneClock> Find(std::string_view name);
  // UTC, which needs no database.
  static ZoneClock Utc() { return ZoneClock("UTC", nullptr); }

  struct LocalTime {
    double time_of_day_s = 0;  // seconds since local midnight, in [0, 86400)
    int day_of_week = 0;       // 0 = Monday ... 6 = Sunday, of the local date
  };

  // The local time of day and weekday at `unix_s` seconds since the epoch (fractions kept).
  LocalTime At(double unix_s) const;

  const std::string& name() const { return name_; }

 private:
  ZoneClock(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}

  std::string name_;
  const date::time_zone* zone_;  // null for UTC; otherwise owned by the process-wide tz database
};

}  // namespace podpilot::op
