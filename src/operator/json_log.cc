#include "operator/json_log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <fmt/format.h>

namespace podpilot::op {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kJson};
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string Now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, ms);
}

}  // namespace

void SetLogFormat(LogFormat format) { g_format = format; }
void SetLogLevel(LogLevel level) { g_level = level; }

void Log(LogLevel level, const std::string& msg, const nlohmann::json& fields) {
  if (level < g_level.load()) return;
  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    nlohmann::json j{{"ts", Now()}, {"level", LevelName(level)}, {"msg", msg}};
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) j[k] = v;
    }
    // Replace invalid UTF-8 (from a server's error body) instead of throwing.
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = Now() + " " + LevelName(level) + " " + msg;
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) {
        line += " " + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    }
  }
  line += '\n';
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace podpilot::op
