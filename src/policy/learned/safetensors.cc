#include "policy/learned/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/file_util.h"

namespace podpilot::learned {
namespace {

using nlohmann::json;

// Every dtype name the format defines; only F32 is read, the others get a precise refusal.
constexpr const char* kKnownDtypes[] = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "I16", "U16", "F16",
                                        "BF16", "I32", "U32", "F32",     "F64",     "I64", "U64"};

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t GetU32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
uint64_t GetU64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  return "[" + fmt::format("{}", fmt::join(shape, ", ")) + "]";
}

// Elements of `shape`, or -1 when a dimension is negative or the product exceeds `limit`.
int64_t CheckedElements(const std::vector<int64_t>& shape, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d == 0) return 0;
    if (n > limit / d) return -1;
    n *= d;
  }
  return n;
}

struct Entry {
  std::string name;
  uint64_t begin = 0, end = 0;
};

// Parses one tensor entry of the header into `tensor` and `entry` (offsets unchecked against
// neighbours; that is done once all entries are known).
Status ParseEntry(const std::string& src, const std::string& name, const json& j, uint64_t data_size,
                  Tensor* tensor, Entry* entry) {
  const std::string where = fmt::format("{}: tensor '{}'", src, name);
  if (!j.is_object()) return DataLossError(where + ": header entry is not a JSON object");
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!j.contains(field)) return DataLossError(fmt::format("{}: missing field '{}'", where, field));
  }
  const json& dtype = j.at("dtype");
  if (!dtype.is_string()) return DataLossError(where + ": dtype is not a string: " + dtype.dump());
  const std::string dt = dtype.get<std::string>();
  if (dt != "F32") {
    const bool known = std::find(std::begin(kKnownDtypes), std::end(kKnownDtypes), dt) != std::end(kKnownDtypes);
    return InvalidArgumentError(
        fmt::format("{}: dtype '{}' {}; podpilot model files hold F32 tensors only", where, dt,
                    known ? "is not supported" : "is not a safetensors dtype"));
  }
  const json& shape = j.at("shape");
  if (!shape.is_array()) return DataLossError(where + ": shape is not an array: " + shape.dump());
  for (const json& d : shape) {
    if (!d.is_number_unsigned()) return DataLossError(where + ": shape " + shape.dump() + " has a non-integer or negative dimension");
    tensor->shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }
  const json& off = j.at("data_offsets");
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
    return DataLossError(where + ": data_offsets must be two non-negative integers, got " + off.dump());
  }
  entry->name = name;
  entry->begin = off[0].get<uint64_t>();
  entry->end = off[1].get<uint64_t>();
  if (entry->begin > entry->end) {
    return DataLossError(fmt::format("{}: data_offsets [{}, {}] end before they begin", where, entry->begin, entry->end));
  }
  if (entry->end > data_size) {
    return DataLossError(fmt::format(
        "{}: data_offsets [{}, {}] extend past the end of the data buffer ({} bytes); is the file truncated?", where,
        entry->begin, entry->end, data_size));
  }
  const int64_t elements = CheckedElements(tensor->shape, static_cast<int64_t>(data_size / 4 + 1));
  const uint64_t bytes = entry->end - entry->begin;
  if (elements < 0 || static_cast<uint64_t>(elements) * 4 != bytes) {
    return DataLossError(fmt::format("{}: data_offsets [{}, {}] hold {} bytes but shape {} of F32 needs {}", where,
                                     entry->begin, entry->end, bytes, ShapeString(tensor->shape),
                                     elements < 0 ? std::string("more than the file holds")
                                                  : std::to_string(static_cast<uint64_t>(elements) * 4)));
  }
  return Status::Ok();
}

}  // namespace

int64_t Tensor::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

StatusOr<std::string> EncodeSafetensors(const SafetensorsFile& file) {
  json header = json::object();
  if (!file.metadata.empty()) {
    json meta = json::object();
    for (const auto& [k, v] : file.metadata) meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {  // std::map: name order
    if (name.empty() || name == "__metadata__") {
      return InvalidArgumentError("safetensors: invalid tensor name '" + name + "'");
    }
    for (int64_t d : t.shape) {
      if (d < 0) return InvalidArgumentError("safetensors: tensor '" + name + "' has a negative dimension");
    }
    if (t.NumElements() != static_cast<int64_t>(t.data.size())) {
      return InvalidArgumentError(fmt::format("safetensors: tensor '{}' has {} values but shape {} needs {}", name,
                                              t.data.size(), ShapeString(t.shape), t.NumElements()));
    }
    const uint64_t bytes = 4 * static_cast<uint64_t>(t.data.size());
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();  // compact; nlohmann's object keeps keys in byte order
  } catch (const json::exception& e) {  // names or metadata that are not valid UTF-8
    return InvalidArgumentError(std::string("safetensors: header cannot be written as JSON: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + text.size() + offset);
  PutU64(out, text.size());
  out += text;
  for (const auto& [name, t] : file.tensors) {
    for (float f : t.data) PutU32(out, std::bit_cast<uint32_t>(f));
  }
  return out;
}

StatusOr<SafetensorsFile> DecodeSafetensors(const std::string& bytes, const std::string& source) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 8) {
    return DataLossError(fmt::format("{}: truncated: {} bytes, but a safetensors file starts with an 8-byte header length",
                                     source, bytes.size()));
  }
  const uint64_t n = GetU64(p);
  const uint64_t rest = bytes.size() - 8;
  if (n > rest) {
    return DataLossError(fmt::format("{}: header length {} is beyond the end of the file ({} bytes follow the length); "
                                     "truncated or not a safetensors file",
                                     source, n, rest));
  }
  if (n > kMaxSafetensorsHeaderBytes) {
    return DataLossError(fmt::format("{}: header length {} exceeds the {} byte limit", source, n, kMaxSafetensorsHeaderBytes));
  }
  const std::string text = bytes.substr(8, n);
  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {  // the parser's message gives the byte position and reason
    return DataLossError(fmt::format("{}: header is not valid JSON: {}", source, e.what()));
  }
  if (!header.is_object()) return DataLossError(source + ": header is not a JSON object");

  const uint64_t data_size = rest - n;
  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) return DataLossError(source + ": __metadata__ is not a JSON object");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) {
          return DataLossError(fmt::format("{}: __metadata__['{}'] is not a string: {}", source, mk, mv.dump()));
        }
        file.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    Tensor t;
    Entry e;
    PP_RETURN_IF_ERROR(ParseEntry(source, key, value, data_size, &t, &e));
    file.tensors[key] = std::move(t);
    entries.push_back(std::move(e));
  }

  // The reference implementation requires the tensors to tile the data buffer exactly.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t covered = 0;
  for (const Entry& e : entries) {
    if (e.begin != covered) {
      return DataLossError(fmt::format("{}: tensor '{}' starts at byte {} of the data buffer but the previous tensor "
                                       "ends at byte {} (a hole or an overlap)",
                                       source, e.name, e.begin, covered));
    }
    covered = e.end;
  }
  if (covered != data_size) {
    return DataLossError(fmt::format("{}: the data buffer holds {} bytes but the tensors cover {} (trailing bytes)",
                                     source, data_size, covered));
  }
  const unsigned char* data = p + 8 + n;
  for (const Entry& e : entries) {
    Tensor& t = file.tensors[e.name];
    t.data.resize((e.end - e.begin) / 4);
    for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = std::bit_cast<float>(GetU32(data + e.begin + 4 * i));
  }
  return file;
}

Status WriteSafetensors(const std::string& path, const SafetensorsFile& file) {
  auto bytes = EncodeSafetensors(file);
  if (!bytes.ok()) return bytes.status().WithPrefix(path);
  return WriteFileAtomically(path, *bytes);
}

StatusOr<SafetensorsFile> ReadSafetensors(const std::string& path) {
  PP_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return DecodeSafetensors(bytes, path);
}

}  // namespace podpilot::learned
