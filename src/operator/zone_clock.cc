#include "operator/zone_clock.h"

#include <date/tz.h>

#include <chrono>
#include <cmath>
#include <exception>

#include <fmt/format.h>

namespace podpilot::op {

StatusOr<ZoneClock> ZoneClock::Find(std::string_view name) {
  if (name == "UTC") return ZoneClock(std::string(name), nullptr);
  try {
    (void)date::get_tzdb();  // read once per process; a failure here is the database's, not the name's
  } catch (const std::exception& e) {
    return NotFoundError(fmt::format("cannot read the system's tz database (/usr/share/zoneinfo, package tzdata) "
                                     "for time zone '{}': {}",
                                     name, e.what()));
  }
  try {
    return ZoneClock(std::string(name), date::locate_zone(name));
  } catch (const std::exception&) {  // date/tz's answer for an unknown name
    return NotFoundError(fmt::format("time zone '{}' is not in the system's tz database (/usr/share/zoneinfo, "
                                     "package tzdata)",
                                     name));
  }
}

ZoneClock::LocalTime ZoneClock::At(double unix_s) const {
  using std::chrono::seconds;
  const double whole = std::floor(unix_s);
  const date::sys_seconds utc{seconds{static_cast<long long>(whole)}};
  const seconds offset = zone_ == nullptr ? seconds{0} : zone_->get_info(utc).offset;
  // Seconds since 1970-01-01 00:00 local time; its day part names the local date.
  const seconds local = utc.time_since_epoch() + offset;
  const date::days day = date::floor<date::days>(local);
  LocalTime t;
  t.time_of_day_s = static_cast<double>((local - day).count()) + (unix_s - whole);
  t.day_of_week = static_cast<int>((date::weekday(date::sys_days(day)).c_encoding() + 6) % 7);  // c: 0 = Sunday
  return t;
}

}  // namespace podpilot::op
