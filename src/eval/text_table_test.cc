#include "eval/text_table.h"

#include <gtest/gtest.h>

namespace podpilot {
namespace {

TEST(TextTableTest, AlignsByCodePointsAndKeepsBlankSeparators) {
  const std::string t = FormatColumns({{"a", "1.0 ± 0.1", "x"}, {}, {"long name", "2", "y"}}, "> ");
  EXPECT_EQ(t,
            "> a          1.0 ± 0.1  x\n"
            "\n"
            "> long name  2          y\n");
}

}  // namespace
}  // namespace podpilot
