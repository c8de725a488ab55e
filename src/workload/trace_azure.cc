// Azure Functions 2019 trace reader (invocations_per_function_md.anon.dNN.csv), see trace.h.
// Format reference: the dataset's README in Azure/AzurePublicDataset ("AzureFunctionsDataset2019").
#include <cmath>

#include "common/file_util.h"
#include "workload/params.h"
#include "workload/text_util.h"
#include "workload/trace.h"

namespace podpilot::workload_internal {
namespace {

constexpr const char* kKeyColumns[] = {"HashOwner", "HashApp", "HashFunction", "Trigger"};
constexpr size_t kNumKeyColumns = 4;
constexpr size_t kFunctionColumn = 2;
// One minute at the rate ceiling; larger counts are corrupt data.
constexpr uint64_t kMaxCountPerMinute = static_cast<uint64_t>(kMaxRps) * 60;

Status LineError(const std::string& origin, int64_t line, const std::string& what) {
  return InvalidArgumentError(origin + ":" + std::to_string(line) + ": " + what);
}

// Checks the header and returns the number of minute columns.
StatusOr<size_t> ParseHeader(const std::vector<std::string_view>& f, const std::string& origin, int64_t line) {
  for (size_t i = 0; i < kNumKeyColumns; ++i) {
    if (i >= f.size() || f[i] != kKeyColumns[i]) {
      return LineError(origin, line,
                       "not an Azure Functions 2019 invocation header: column " + std::to_string(i + 1) +
                           " should be '" + kKeyColumns[i] + "', is " + (i < f.size() ? Quote(f[i]) : "missing") +
                           " (want HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440)");
    }
  }
  if (f.size() == kNumKeyColumns) return LineError(origin, line, "header has no minute columns 1,2,...");
  for (size_t i = kNumKeyColumns; i < f.size(); ++i) {
    const std::string want = std::to_string(i - kNumKeyColumns + 1);
    if (f[i] != want) {
      return LineError(origin, line,
                       "minute column " + std::to_string(i + 1) + " should be '" + want + "', is " + Quote(f[i]));
    }
  }
  return f.size() - kNumKeyColumns;
}

}  // namespace

StatusOr<Trace> ParseAzureTrace(std::string_view text, const std::string& origin, const std::string& function) {
  LineCursor cursor(text);
  std::string_view line;
  int64_t no = 0;
  std::vector<std::string_view> f;
  size_t minutes = 0;
  // Skip leading blank lines, then the header.
  for (;;) {
    if (!cursor.Next(&line, &no)) return InvalidArgumentError(origin + ": empty file (no header, no rows)");
    if (!Trim(line).empty()) break;
  }
  SplitFields(line, ',', &f);
  PP_ASSIGN_OR_RETURN(minutes, ParseHeader(f, origin, no));

  std::vector<double> counts(minutes, 0.0);
  size_t rows = 0, used = 0;
  while (cursor.Next(&line, &no)) {
    if (Trim(line).empty()) continue;
    SplitFields(line, ',', &f);
    ++rows;
    if (f.size() != minutes + kNumKeyColumns) {
      return LineError(origin, no, "has " + std::to_string(f.size()) + " columns, the header has " +
                                       std::to_string(minutes + kNumKeyColumns));
    }
    if (!function.empty() && f[kFunctionColumn] != function) continue;  // not parsed: see trace.h
    ++used;
    for (size_t m = 0; m < minutes; ++m) {
      std::string_view cell = f[kNumKeyColumns + m];
      uint64_t c;
      // Built only on error: the real files have 66 million cells.
      auto where = [m] {
        return " at minute " + std::to_string(m + 1) + " (column " + std::to_string(kNumKeyColumns + m + 1) + ")";
      };
      if (cell.empty()) return LineError(origin, no, "missing count" + where());
      if (!ParseUint64(cell, &c)) {
        double d;
        if (ParseFiniteDouble(cell, &d) && d < 0) {
          return LineError(origin, no, "negative count " + std::string(cell) + where());
        }
        return LineError(origin, no, "count " + Quote(cell) + where() + " is not a non-negative integer");
      }
      if (c > kMaxCountPerMinute) {
        return LineError(origin, no, "count " + std::string(cell) + where() + " exceeds " +
                                         std::to_string(kMaxCountPerMinute) + " per minute");
      }
      counts[m] += static_cast<double>(c);
    }
  }
  if (rows == 0) return InvalidArgumentError(origin + ": no function rows after the header (empty trace)");
  if (used == 0) {
    return NotFoundError(origin + ": function=" + function + " not found among " + std::to_string(rows) +
                         " function rows (HashFunction is the 3rd column)");
  }
  Trace trace;
  for (size_t m = 0; m < minutes; ++m) {
    trace.rate.bounds.push_back(60.0 * static_cast<double>(m));
    trace.rate.rate.push_back(counts[m] / 60.0);
  }
  trace.rate.bounds.push_back(60.0 * static_cast<double>(minutes));
  trace.clock_start_s = 0;
  return trace;
}

StatusOr<Trace> ReadAzureTrace(const std::string& path, const std::string& function) {
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseAzureTrace(text, path, function);
}

}  // namespace podpilot::workload_internal
