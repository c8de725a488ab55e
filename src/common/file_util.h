// File helpers with the "nothing is lost, no partial state" guarantee.
//
// WriteFileAtomically writes to "<path>.tmp.<pid>" in the same directory, fsyncs, and renames over
// `path`, so readers see either the old file or the complete new one, never a torn write. On any
// failure the temporary file is removed and `path` is untouched. Thread-safe for distinct paths.
#pragma once

#include <string>

#include "common/status.h"

namespace podpilot {

Status WriteFileAtomically(const std::string& path, const std::string& contents);
StatusOr<std::string> ReadFile(const std::string& path);

// Creates `dir` and its parents if missing.
Status EnsureDirectory(const std::string& dir);

}  // namespace podpilot
