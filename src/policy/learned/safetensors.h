// A small reader and writer for the safetensors format (https://huggingface.co/docs/safetensors),
// restricted to F32 tensors, which is all podpilot's learned policies need.
//
// Why hand-written: the reference implementation is a Rust crate (with Python bindings); Debian
// packages no C++ library for it, and the format is simple enough (below) that a few hundred
// lines with strict validation are safer than vendoring a third-party header.
//
// Layout of a file:
//   bytes [0, 8)        N, an unsigned 64-bit little-endian integer: the size of the header
//   bytes [8, 8 + N)    the header: a UTF-8 JSON object
//                         { "__metadata__": {"key": "string value", ...},        (optional)
//                           "tensor name": {"dtype": "F32", "shape": [d0, d1, ...],
//                                           "data_offsets": [begin, end]}, ... }
//                       offsets are relative to the start of the data buffer; the header may be
//                       padded at its end with spaces (0x20)
//   bytes [8 + N, EOF)  the data buffer: each tensor's elements, row-major, little-endian
//
// Validation on read (every failure names the file and the offending tensor or field):
//   the file holds at least the 8 length bytes; N fits inside the file (and below 100 MB, the
//   reference implementation's limit); the header is a JSON object; every tensor entry has dtype,
//   shape and data_offsets of the right types; dtype is F32; the byte range matches the shape;
//   the tensors cover the data buffer exactly, without holes or overlaps (as the reference
//   implementation requires); metadata values are strings.
//
// The writer emits the header as compact JSON with keys in byte order ("__metadata__" included,
// no whitespace), lays the tensors out contiguously in name order and pads the header with
// spaces to a multiple of 8 bytes so that the data buffer is 8-byte aligned (as the reference
// writer does). The output is therefore a pure function of the content, byte for byte. Files are
// written atomically (common/file_util.h).
//
// Thread-safety: free functions on values; no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace podpilot::learned {

struct Tensor {
  std::vector<int64_t> shape;  // empty shape = a scalar (one element)
  std::vector<float> data;     // row-major; size == product of shape
  int64_t NumElements() const;
};

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;  // the "__metadata__" map
  std::map<std::string, Tensor> tensors;
};

// The size limit of the JSON header (bytes), as in the reference implementation.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// Serialises `file` to bytes. InvalidArgument if a tensor's data size does not match its shape,
// a dimension is negative, or a name is empty or "__metadata__".
StatusOr<std::string> EncodeSafetensors(const SafetensorsFile& file);

// Parses `bytes`. `source` names the input in error messages (usually the file path).
StatusOr<SafetensorsFile> DecodeSafetensors(const std::string& bytes, const std::string& source);

// EncodeSafetensors + WriteFileAtomically: `path` holds either its old content or the whole new
// file, never a torn write.
Status WriteSafetensors(const std::string& path, const SafetensorsFile& file);

// ReadFile + DecodeSafetensors; errors start with `path`.
StatusOr<SafetensorsFile> ReadSafetensors(const std::string& path);

}  // namespace podpilot::learned
