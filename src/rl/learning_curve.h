// The learning curve CSV (DIR/learning_curve.csv): one row per trainer update, appended and
// flushed as training goes, so a killed run keeps every row it printed.
//
// Columns: update, step, wall_s, steps_per_s, episodes, mean_return, slo_attainment, cost,
// mean_step_reward, then the trainer's metrics (Trainer::MetricNames). mean_return,
// slo_attainment and cost are over the last 100 finished episodes (empty before the first).
//
// Resume: OpenForResume keeps the header and the rows whose update is <= the checkpoint's and
// drops the rest (rows written after the checkpoint, a torn last line), rewriting the file
// atomically, so the resumed run's rows follow without duplicates or gaps.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace podpilot::rl {

class LearningCurve {
 public:
  ~LearningCurve();
  // Creates (truncating) `path` with the header.
  static StatusOr<std::unique_ptr<LearningCurve>> Create(const std::string& path, const std::vector<std::string>& metric_names);
  // Keeps rows with update <= last_update (see above). A missing file or another header is an
  // error naming the file.
  static StatusOr<std::unique_ptr<LearningCurve>> OpenForResume(const std::string& path, const std::vector<std::string>& metric_names,
                                                int64_t last_update);
  static std::string Header(const std::vector<std::string>& metric_names);

  // Appends one row (values already formatted) and flushes.
  Status Append(const std::vector<std::string>& fields);

 private:
  LearningCurve(std::string path, std::FILE* f) : path_(std::move(path)), f_(f) {}
  std::string path_;
  std::FILE* f_;
};

}  // namespace podpilot::rl
