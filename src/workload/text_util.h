// Small text helpers shared by the workload spec parser and the trace readers.
//
// All functions are pure and thread-safe. Views returned point into the caller's text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace podpilot::workload_internal {

// Removes ASCII spaces, tabs and CR/LF from both ends.
std::string_view Trim(std::string_view s);

// Splits `line` at every `sep` (no quoting: none of the supported formats quotes fields).
// Fields are trimmed. "a,,b" gives three fields, the middle one empty.
void SplitFields(std::string_view line, char sep, std::vector<std::string_view>* out);

// Strict full-match parse of a finite decimal number ("12", "-1.5", "2e3"). Rejects "", "nan",
// "inf", "12abc" and a leading '+'.
bool ParseFiniteDouble(std::string_view s, double* out);

// Strict full-match parse of a non-negative decimal integer.
bool ParseUint64(std::string_view s, uint64_t* out);

// `line` shortened to at most 80 characters and single-quoted, for error messages.
std::string Quote(std::string_view line);

// Formats a number compactly ("200", "0.5", "1e+07") for messages.
std::string FormatNumber(double v);

// Iterates over the lines of `text` (LF or CRLF endings; a UTF-8 byte-order mark is skipped).
// Line numbers are 1-based and count every physical line, blank or not.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text);
  // Sets *line (without its end-of-line bytes) and *number; false at end of text.
  bool Next(std::string_view* line, int64_t* number);

 private:
  std::string_view rest_;
  int64_t number_ = 0;
};

}  // namespace podpilot::workload_internal
