// Helpers shared by the workload tests (header-only; included by *_test.cc only).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/status.h"

namespace podpilot::workload_testing {

// Path of a file under tests/data/traces/ in the source tree.
inline std::string TraceData(const std::string& name) {
  const char* root = std::getenv("PODPILOT_SOURCE_DIR");
  return std::string(root ? root : ".") + "/tests/data/traces/" + name;
}

// Writes `contents` to a fresh file in the test's temporary directory and returns its path.
inline std::string WriteTemp(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + "/podpilot_workload_" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// Asserts that `s` is an error whose message contains every one of `parts`.
#define EXPECT_ERROR_MENTIONS(expr, ...)                                                   \
  do {                                                                                      \
    const ::podpilot::Status pp_st_ = (expr).status();                                      \
    EXPECT_FALSE(pp_st_.ok()) << "expected an error from " #expr;                           \
    for (const std::string& pp_part_ : std::initializer_list<std::string>{__VA_ARGS__}) {   \
      EXPECT_THAT(pp_st_.message(), ::testing::HasSubstr(pp_part_)) << "from " #expr;       \
    }                                                                                       \
  } while (0)

}  // namespace podpilot::workload_testing
