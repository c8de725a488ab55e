#include "rl/checkpoint.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "common/file_util.h"

namespace podpilot::rl {
namespace fs = std::filesystem;
namespace {

constexpr int kCheckpointFormat = 1;

bool ValidBlobName(const std::string& name) {
  if (name.empty() || name == "state.json" || name[0] == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace

Status WriteCheckpoint(const std::string& dir, const CheckpointData& data) {
  PP_RETURN_IF_ERROR(EnsureDirectory(dir));
  const std::string name = fmt::format("ckpt-{:09d}", data.update);
  const fs::path tmp = fs::path(dir) / fmt::format(".tmp-{}-{}", name, getpid());
  const fs::path final_dir = fs::path(dir) / name;
  std::error_code ec;
  fs::remove_all(tmp, ec);
  PP_RETURN_IF_ERROR(EnsureDirectory(tmp.string()));
  nlohmann::json files = nlohmann::json::object();
  const std::string state = data.state.dump();
  PP_RETURN_IF_ERROR(WriteFileAtomically((tmp / "state.json").string(), state));
  files["state.json"] = state.size();
  for (const auto& [blob, bytes] : data.blobs) {
    if (!ValidBlobName(blob)) return InvalidArgumentError("checkpoint: bad blob name '" + blob + "'");
    PP_RETURN_IF_ERROR(WriteFileAtomically((tmp / (blob + ".bin")).string(), bytes));
    files[blob + ".bin"] = bytes.size();
  }
  // A directory of the same name can only be left by a run killed between this rename and the
  // manifest below (the manifest still names an older checkpoint), so it is garbage.
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  if (ec) return IoError(fmt::format("checkpoint: cannot rename {} to {}: {}", tmp.string(), final_dir.string(), ec.message()));
  nlohmann::json manifest = {{"format", kCheckpointFormat}, {"latest", name}, {"update", data.update}, {"files", files}};
  PP_RETURN_IF_ERROR(WriteFileAtomically((fs::path(dir) / "MANIFEST.json").string(), manifest.dump(1) + "\n"));
  // Only now are the older checkpoints unneeded.
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string n = entry.path().filename().string();
    if (n != name && (n.rfind("ckpt-", 0) == 0 || n.rfind(".tmp-", 0) == 0)) fs::remove_all(entry.path(), ec);
  }
  return Status::Ok();
}

bool HasCheckpoint(const std::string& dir) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / "MANIFEST.json", ec);
}

StatusOr<CheckpointData> ReadCheckpoint(const std::string& dir) {
  const std::string manifest_path = (fs::path(dir) / "MANIFEST.json").string();
  if (!HasCheckpoint(dir)) return NotFoundError("checkpoint: no " + manifest_path);
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(manifest_path));
  CheckpointData data;
  try {
    const auto manifest = nlohmann::json::parse(text);
    if (manifest.at("format").get<int>() != kCheckpointFormat) {
      return DataLossError(manifest_path + ": unsupported format " + manifest.at("format").dump());
    }
    const std::string name = manifest.at("latest").get<std::string>();
    if (name.rfind("ckpt-", 0) != 0 || name.find('/') != std::string::npos) {
      return DataLossError(manifest_path + ": bad 'latest' " + name);
    }
    data.update = manifest.at("update").get<int64_t>();
    const fs::path ckpt = fs::path(dir) / name;
    for (const auto& [file, size] : manifest.at("files").items()) {
      const std::string path = (ckpt / file).string();
      auto bytes = ReadFile(path);
      if (!bytes.ok()) return DataLossError(path + ": " + bytes.status().message());
      if (bytes->size() != size.get<size_t>()) {
        return DataLossError(fmt::format("{}: {} bytes, the manifest says {}", path, bytes->size(), size.get<size_t>()));
      }
      if (file == "state.json") {
        data.state = nlohmann::json::parse(*bytes);
      } else {
        if (file.size() < 5 || file.substr(file.size() - 4) != ".bin") return DataLossError(path + ": unexpected file");
        data.blobs[file.substr(0, file.size() - 4)] = std::move(*bytes);
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(manifest_path + ": " + e.what());
  }
  return data;
}

}  // namespace podpilot::rl
