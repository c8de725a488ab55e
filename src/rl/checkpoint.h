// Training checkpoints: a directory of files made complete by a manifest written last.
//
//   DIR/ckpt-000000120/state.json     trainer and driver state (counters, normalisers, config)
//   DIR/ckpt-000000120/<blob>.bin     networks, optimizer state, RNG state, replay buffer ...
//   DIR/MANIFEST.json                 {"format":1,"latest":"ckpt-000000120","update":120,
//                                      "files":{"state.json":N,...}} (sizes checked on read)
//
// WriteCheckpoint writes every file (each with WriteFileAtomically, so fsynced) into a temporary
// directory, renames it to ckpt-<update>, then replaces MANIFEST.json atomically, then deletes the
// older ckpt-* and any leftover temporary directories. A process killed at any point (kill -9)
// leaves the previous manifest pointing at a complete checkpoint, or the new one: never a torn
// one. Files are only ever read through the manifest.
//
// Thread-safety: one writer per DIR.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace podpilot::rl {

struct CheckpointData {
  int64_t update = 0;
  nlohmann::json state = nlohmann::json::object();
  std::map<std::string, std::string> blobs;  // name ([A-Za-z0-9_.-]) -> bytes
};

Status WriteCheckpoint(const std::string& dir, const CheckpointData& data);

// True if DIR/MANIFEST.json exists (a checkpoint to resume from).
bool HasCheckpoint(const std::string& dir);

// Reads the checkpoint the manifest names. NotFound if there is no manifest; DataLoss naming the
// file if a file is missing, of the wrong size or state.json is malformed.
StatusOr<CheckpointData> ReadCheckpoint(const std::string& dir);

}  // namespace podpilot::rl
