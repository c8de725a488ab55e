// Aligned plain-text tables for the console reports (scorecard, sweep). Columns are padded to the
// widest cell counting UTF-8 code points, so "1.2 ± 0.1" lines up. An empty row prints as a blank
// line (a group separator). Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace podpilot {

std::string FormatColumns(const std::vector<std::vector<std::string>>& rows, const std::string& indent = "");

}  // namespace podpilot
