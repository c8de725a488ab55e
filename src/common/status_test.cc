#include "common/status.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/file_util.h"

namespace podpilot {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

Status Chain(int x, int* out) {
  PP_ASSIGN_OR_RETURN(int h, Half(x));
  PP_ASSIGN_OR_RETURN(int q, Half(h));
  *out = q;
  return Status::Ok();
}

TEST(StatusTest, PropagatesTheFirstError) {
  int out = 0;
  EXPECT_TRUE(Chain(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Chain(6, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: odd: 3");
  EXPECT_EQ(s.WithPrefix("x.yaml").message(), "x.yaml: odd: 3");
}

TEST(FileUtilTest, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  const std::string dir = ::testing::TempDir() + "/pp_atomic";
  ASSERT_TRUE(EnsureDirectory(dir).ok());
  const std::string path = dir + "/f.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(*ReadFile(path), "second");
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) entries += e.path().filename() == "f.txt" ? 1 : 100;
  EXPECT_EQ(entries, 1);
  // A directory that does not exist: an error naming the path, nothing created.
  Status bad = WriteFileAtomically(dir + "/missing/f.txt", "x");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("missing/f.txt"), std::string::npos);
  EXPECT_FALSE(ReadFile(dir + "/nope").ok());
}

}  // namespace
}  // namespace podpilot
