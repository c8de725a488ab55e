#include "eval/text_table.h"

#include <algorithm>

namespace podpilot {
namespace {

size_t Columns(const std::string& s) {
  size_t cols = 0;
  for (unsigned char c : s) cols += (c & 0xC0) != 0x80;  // count lead bytes only
  return cols;
}

}  // namespace

std::string FormatColumns(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (row.size() > width.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], Columns(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = row.empty() ? "" : indent;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - Columns(row[c]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace podpilot
