#include "policy/learned/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "common/file_util.h"

namespace podpilot::learned {
namespace {

// Bytes built by hand from the format description (not by the writer under test).
std::string Le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string LeF32(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(u >> (8 * i));
  return s;
}
std::string File(const std::string& header, const std::string& data) { return Le64(header.size()) + header + data; }

// A two-tensor file: "a" = [1.5, -2] (shape [2]), "b" = [[0.25], [3], [1e-3]] (shape [3, 1]).
std::string HandBuiltHeader() {
  return R"({"__metadata__":{"k":"v"},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},)"
         R"("b":{"data_offsets":[8,20],"dtype":"F32","shape":[3,1]}})";
}
std::string HandBuiltData() { return LeF32(1.5f) + LeF32(-2.0f) + LeF32(0.25f) + LeF32(3.0f) + LeF32(1e-3f); }

std::string ExpectError(const std::string& bytes, const std::string& expect) {
  auto r = DecodeSafetensors(bytes, "model.st");
  EXPECT_FALSE(r.ok()) << "accepted a file that should fail with: " << expect;
  if (r.ok()) return "";
  EXPECT_NE(r.status().message().find("model.st"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(expect), std::string::npos) << r.status().message();
  return r.status().message();
}

TEST(SafetensorsTest, ReadsAHandBuiltFile) {
  std::string header = HandBuiltHeader();
  header.append(3, ' ');  // the format allows trailing spaces in the header
  auto r = DecodeSafetensors(File(header, HandBuiltData()), "hand");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->metadata, (std::map<std::string, std::string>{{"k", "v"}}));
  ASSERT_EQ(r->tensors.size(), 2u);
  EXPECT_EQ(r->tensors["a"].shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(r->tensors["a"].data, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(r->tensors["b"].shape, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(r->tensors["b"].data, (std::vector<float>{0.25f, 3.0f, 1e-3f}));
}

TEST(SafetensorsTest, ReadsTensorsStoredOutOfNameOrder) {
  // Offsets, not the header's key order, place the data: "b" first in the buffer here.
  const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  auto r = DecodeSafetensors(File(header, LeF32(7) + LeF32(9)), "x");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tensors["a"].data, std::vector<float>{9});
  EXPECT_EQ(r->tensors["b"].data, std::vector<float>{7});
}

TEST(SafetensorsTest, WriterProducesTheSpecifiedBytes) {
  SafetensorsFile f;
  f.metadata["k"] = "v";
  f.tensors["b"] = Tensor{{3, 1}, {0.25f, 3.0f, 1e-3f}};
  f.tensors["a"] = Tensor{{2}, {1.5f, -2.0f}};
  auto bytes = EncodeSafetensors(f);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  std::string header = HandBuiltHeader();
  header.append((8 - header.size() % 8) % 8, ' ');  // padded so the data starts 8-byte aligned
  EXPECT_EQ(*bytes, File(header, HandBuiltData()));
  EXPECT_EQ((8 + header.size()) % 8, 0u);
}

TEST(SafetensorsTest, RoundTripIsExact) {
  SafetensorsFile f;
  f.metadata = {{"podpilot_format_version", "1"}, {"json", R"({"a":[1,2],"s":"x\"y"})"}, {"unicode", "caf\xc3\xa9"}};
  Tensor big{{4, 33}, {}};
  for (int i = 0; i < 4 * 33; ++i) big.data.push_back(static_cast<float>(i) * 0.37f - 11.0f);
  big.data[5] = -0.0f;
  big.data[6] = 1e-40f;  // subnormal
  f.tensors["layer.0.weight"] = big;
  f.tensors["scalar"] = Tensor{{}, {42.0f}};
  f.tensors["empty"] = Tensor{{0, 3}, {}};
  const std::string path = ::testing::TempDir() + "/pp_roundtrip.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, f).ok());
  auto r = ReadSafetensors(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->metadata, f.metadata);
  ASSERT_EQ(r->tensors.size(), 3u);
  for (const auto& [name, t] : f.tensors) {
    EXPECT_EQ(r->tensors[name].shape, t.shape) << name;
    ASSERT_EQ(r->tensors[name].data.size(), t.data.size()) << name;
    if (!t.data.empty()) {  // bit for bit (memcmp on an empty vector's null data is undefined)
      EXPECT_EQ(0, std::memcmp(r->tensors[name].data.data(), t.data.data(), 4 * t.data.size())) << name;
    }
  }
  // Atomic write leaves no temporary behind.
  for (const auto& e : std::filesystem::directory_iterator(::testing::TempDir())) {
    EXPECT_EQ(e.path().string().find("pp_roundtrip.safetensors.tmp"), std::string::npos) << e.path();
  }
}

TEST(SafetensorsTest, WriterRefusesInconsistentTensors) {
  SafetensorsFile f;
  f.tensors["w"] = Tensor{{2, 2}, {1, 2, 3}};
  auto r = EncodeSafetensors(f);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'w' has 3 values but shape [2, 2] needs 4"), std::string::npos) << r.status().message();
  SafetensorsFile g;
  g.tensors["__metadata__"] = Tensor{{1}, {1}};
  EXPECT_FALSE(EncodeSafetensors(g).ok());
  EXPECT_FALSE(WriteSafetensors(::testing::TempDir() + "/pp_bad.safetensors", f).ok());
  EXPECT_FALSE(std::filesystem::exists(::testing::TempDir() + "/pp_bad.safetensors"));
}

TEST(SafetensorsTest, RefusesTruncatedAndCorruptFiles) {
  const std::string good = File(HandBuiltHeader(), HandBuiltData());
  ASSERT_TRUE(DecodeSafetensors(good, "model.st").ok());

  ExpectError("", "truncated: 0 bytes");
  ExpectError(good.substr(0, 5), "truncated: 5 bytes");
  ExpectError(Le64(1000) + "{}", "header length 1000 is beyond the end of the file (2 bytes follow");
  ExpectError(Le64(UINT64_MAX) + "{}", "beyond the end of the file");
  // Cut inside the header: its length now points past the end.
  ExpectError(good.substr(0, 8 + 10), "is beyond the end of the file");
  // Cut inside the data: the last tensor's range no longer fits.
  ExpectError(good.substr(0, good.size() - 2), "tensor 'b': data_offsets [8, 20] extend past the end of the data buffer (18 bytes)");
  ExpectError(File(R"({"a": {"dtype": "F32",)", ""), "header is not valid JSON");
  ExpectError(File("[1,2]", ""), "header is not a JSON object");
  ExpectError(File(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", LeF32(1) + LeF32(2) + "xx"),
              "the data buffer holds 10 bytes but the tensors cover 8 (trailing bytes)");
  ExpectError(File(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                   std::string(12, '\0')),
              "tensor 'b' starts at byte 8 of the data buffer but the previous tensor ends at byte 4");
  ExpectError(File(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                   std::string(8, '\0')),
              "(a hole or an overlap)");
  ExpectError(File(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
              "tensor 'a': data_offsets [0, 8] hold 8 bytes but shape [3] of F32 needs 12");
  ExpectError(File(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", std::string(4, '\0')),
              "dtype 'F16' is not supported; podpilot model files hold F32 tensors only");
  ExpectError(File(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}})", std::string(4, '\0')),
              "dtype 'Q7' is not a safetensors dtype");
  ExpectError(File(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", std::string(4, '\0')),
              "non-integer or negative dimension");
  ExpectError(File(R"({"a":{"dtype":"F32","shape":[1]}})", ""), "tensor 'a': missing field 'data_offsets'");
  ExpectError(File(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", std::string(4, '\0')), "end before they begin");
  ExpectError(File(R"({"__metadata__":{"k":1}})", ""), "__metadata__['k'] is not a string");
  ExpectError(File(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", std::string(4, '\0')),
              "more than the file holds");
}

TEST(SafetensorsTest, ReadFileErrorsNameThePath) {
  const std::string path = ::testing::TempDir() + "/pp_missing_dir/none.safetensors";
  auto r = ReadSafetensors(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path), std::string::npos);
  const std::string junk = ::testing::TempDir() + "/pp_junk.safetensors";
  ASSERT_TRUE(WriteFileAtomically(junk, "abc").ok());
  auto j = ReadSafetensors(junk);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find(junk + ": truncated: 3 bytes"), std::string::npos) << j.status().message();
}

}  // namespace
}  // namespace podpilot::learned
