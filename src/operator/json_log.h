// Structured logs of the operator: one JSON object per line on stderr
//   {"ts":"2026-12-06T02:33:04.123Z","level":"info","msg":"scaled","autoscaler":"shop/web",...}
// or, with format kText, "2026-12-06T02:33:04.123Z info scaled autoscaler=shop/web ...".
// Serialised with nlohmann::json, so any message or field value is escaped correctly.
//
// Thread-safety: Log may be called from any thread; lines are never interleaved.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace podpilot::op {

enum class LogFormat { kJson, kText };
enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Process-wide settings (set once at start-up, before threads log).
void SetLogFormat(LogFormat format);
void SetLogLevel(LogLevel level);

// `fields` must be a JSON object (or null); its keys become top-level keys of the line.
void Log(LogLevel level, const std::string& msg, const nlohmann::json& fields = nullptr);
inline void LogInfo(const std::string& msg, const nlohmann::json& fields = nullptr) { Log(LogLevel::kInfo, msg, fields); }
inline void LogWarn(const std::string& msg, const nlohmann::json& fields = nullptr) { Log(LogLevel::kWarn, msg, fields); }
inline void LogError(const std::string& msg, const nlohmann::json& fields = nullptr) { Log(LogLevel::kError, msg, fields); }
inline void LogDebug(const std::string& msg, const nlohmann::json& fields = nullptr) { Log(LogLevel::kDebug, msg, fields); }

}  // namespace podpilot::op
