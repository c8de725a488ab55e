#include "operator/zone_clock.h"

#include <date/tz.h>

#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string_view>

#include <fmt/format.h>

namespace podpilot::op {

StatusOr<ZoneClock> ZoneClock::Find(std::string_view name) {
  if (name == "UTC") return Utc();
  try {
    (void)date::get_tzdb();  // read once per process; a failure here is the database's, not the name's
  } catch (const std::exception& e) {
    return NotFoundError(fmt::format("cannot read the system's tz database (/usr/share/zoneinfo, package tzdata) "
                                     "for time zone '{}': {}",
                                     name, e.what()));
  }
  if (name == "localtime") {  // a link to /etc/localtime: the machine's zone, whatever it is
    return NotFoundError("time zone 'localtime' is the operator machine's zone, not a named one: name the zone");
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception&) {  // date/tz's answer for an unknown name
    return NotFoundError(fmt::format("time zone '{}' is not in the system's tz database (/usr/share/zoneinfo, "
                                     "package tzdata)",
                                     name));
  }
  // locate_zone only looks the name up among the files under the zoneinfo directory; the file is
  // parsed at the first get_info, which asserts (aborting the process) on a file that is not in
  // TZif format ("localtime", a table) and throws on one it cannot read. So check the magic, then
  // load it here, where a failure is an answer.
  // The directory date/tz 3.0.1 reads with USE_OS_TZDB (its discover_tz_dir on Linux).
  std::error_code ec;
  const char* dir = std::filesystem::is_directory("/usr/share/zoneinfo/uclibc", ec) ? "/usr/share/zoneinfo/uclibc"
                                                                                    : "/usr/share/zoneinfo";
  const std::string path = std::string(dir) + "/" + std::string(name);
  char magic[4] = {};
  std::ifstream file(path, std::ios::binary);
  if (!file.read(magic, sizeof magic) || std::string_view(magic, sizeof magic) != "TZif") {
    return NotFoundError(fmt::format("time zone '{}': {} is not a TZif zone file", name, path));
  }
  try {
    (void)zone->get_info(date::sys_seconds{});
  } catch (const std::exception& e) {
    return NotFoundError(fmt::format("time zone '{}': cannot load {}: {}", name, path, e.what()));
  }
  return ZoneClock(std::string(name), zone);
}

ZoneClock::LocalTime ZoneClock::At(double unix_s) const {
  using std::chrono::seconds;
  // Clocks read here are near now; anything outside +-10^12 s (or NaN) is a caller's bug, and
  // casting it to an integer would be undefined.
  if (!(std::fabs(unix_s) < 1e12)) unix_s = 0;
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
