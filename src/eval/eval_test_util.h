// Helpers for the scorecard tests: temporary directories and a tiny suite that runs in well under
// a second even in a debug build (GourmetGram, 20-30 simulated minutes).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace podpilot::testing {

inline std::string SourceDir() {
  // Absolute, because suite files resolve relative paths against their own directory.
  const char* src = std::getenv("PODPILOT_SOURCE_DIR");
  return std::filesystem::absolute(src && *src ? src : ".").lexically_normal().string();
}

// Removes every FreshDir when the test program ends (they hold scorecards and series).
class FreshDirCleanup : public ::testing::Environment {
 public:
  static std::vector<std::string>& Dirs() {
    static std::vector<std::string> dirs;
    return dirs;
  }
  void TearDown() override {
    std::error_code ec;
    for (const auto& d : Dirs()) std::filesystem::remove_all(d, ec);
  }
};
inline ::testing::Environment* const kFreshDirCleanup = ::testing::AddGlobalTestEnvironment(new FreshDirCleanup);

// A fresh, empty directory under the test temp dir, unique to the running test and process (ctest
// runs tests in parallel, each in its own process).
inline std::string FreshDir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "none";
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ("podpilot_eval_" + std::to_string(::getpid()) + "_" + test + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  FreshDirCleanup::Dirs().push_back(dir.string());
  return dir.string();
}

inline std::string WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Two small scenarios; `extra` is appended inside the scenarios list.
inline std::string TinySuiteYaml(const std::string& extra = "") {
  return R"(name: tiny
required_attainment: 0.95
scenarios:
  - name: gg-step
    app: gourmetgram
    duration: 30m
    train:
      - step:low=2,high=9,at=10m
    eval:
      - step:low=3,high=11,at=12m
      - {workload: "step:low=2,high=9,at=10m", seed: 5}
  - name: gg-spike
    app: gourmetgram
    duration: 20m
    train:
      - spike:base=2,peak=10,at=5m,duration=6m,ramp=1m
    eval:
      - spike:base=3,peak=12,at=8m,duration=5m,ramp=1m
)" + extra;
}

}  // namespace podpilot::testing
