#include "rl/learning_curve.h"

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/file_util.h"

namespace podpilot::rl {
namespace {

const char* const kFixedColumns[] = {"update", "step", "wall_s", "steps_per_s", "episodes",
                                     "mean_return", "slo_attainment", "cost", "mean_step_reward"};

size_t CountFields(const std::string& line) {
  size_t n = 1;
  for (char c : line) n += c == ',';
  return n;
}

}  // namespace

std::string LearningCurve::Header(const std::vector<std::string>& metric_names) {
  std::string h;
  for (const char* c : kFixedColumns) h += (h.empty() ? "" : ",") + std::string(c);
  for (const auto& m : metric_names) h += "," + m;
  return h;
}

LearningCurve::~LearningCurve() {
  if (f_ != nullptr) std::fclose(f_);
}

StatusOr<std::unique_ptr<LearningCurve>> LearningCurve::Create(const std::string& path, const std::vector<std::string>& metric_names) {
  PP_RETURN_IF_ERROR(WriteFileAtomically(path, Header(metric_names) + "\n"));
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) return IoError(path + ": " + std::strerror(errno));
  return std::unique_ptr<LearningCurve>(new LearningCurve(path, f));
}

StatusOr<std::unique_ptr<LearningCurve>> LearningCurve::OpenForResume(const std::string& path,
                                                      const std::vector<std::string>& metric_names, int64_t last_update) {
  PP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  const std::string header = Header(metric_names);
  std::istringstream in(text);
  std::string line, kept;
  if (!std::getline(in, line) || line != header) {
    return FailedPreconditionError(path + ": header differs from this trainer's: '" + line + "'");
  }
  kept = header + "\n";
  const size_t fields = CountFields(header);
  while (std::getline(in, line)) {
    if (in.eof() && !text.empty() && text.back() != '\n') break;  // torn last line
    if (CountFields(line) != fields) continue;
    char* end = nullptr;
    const long long update = std::strtoll(line.c_str(), &end, 10);
    if (end == line.c_str() || *end != ',') continue;
    if (update <= last_update) kept += line + "\n";
  }
  PP_RETURN_IF_ERROR(WriteFileAtomically(path, kept));
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) return IoError(path + ": " + std::strerror(errno));
  return std::unique_ptr<LearningCurve>(new LearningCurve(path, f));
}

Status LearningCurve::Append(const std::vector<std::string>& fields) {
  std::string line;
  for (const auto& v : fields) line += (line.empty() ? "" : ",") + v;
  line += "\n";
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0) {
    return IoError(path_ + ": write failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace podpilot::rl
