// EnvCore: one simulator Env behind the calls podpilot.PodPilotEnv (a gymnasium.Env) makes.
//
// Reset and Step return fresh numpy arrays and dicts on every call (Gymnasium requires that the
// data a user keeps is never overwritten). The GIL is released while the simulator advances.
//
// Thread-safety: one call at a time. A second thread calling into the same core while a step runs
// gets RuntimeError rather than a data race.
#pragma once

#include <memory>
#include <mutex>

#include "common.h"

namespace podpilot::python {

class EnvCore {
 public:
  // Throws ValueError on a bad configuration (unknown app, bad workload spec, ...).
  explicit EnvCore(const CoreConfig& config);

  // (observation float32[obs_size], info dict). The info dict carries the (last) warm-up interval's
  // scorecard components (see InfoKeys()), "time_s" and "replicas".
  py::tuple Reset(uint64_t seed);
  // (observation, reward, terminated, truncated, info). On the truncating step info also holds
  // "scorecard" (see Scorecard()). Throws ValueError / TypeError on a bad action, RuntimeError
  // when called before Reset or after the episode ended.
  py::tuple Step(py::handle action);
  // int64[num_targets]: the action that changes nothing from the current state (what
  // `--policy static` decides). RuntimeError before Reset.
  py::array_t<int64_t> NoopAction() const;
  // The scorecard of the current episode so far.
  py::dict CurrentScorecard() const;

  const Setup& setup() const { return setup_; }
  int episode_steps() const { return env_->episode_steps(); }

 private:
  py::array_t<float> Observe();
  py::dict Info(const StepResult& r) const;

  Setup setup_;
  std::unique_ptr<Env> env_;
  learned::FeatureBuilder features_;  // holds the episode's feature history
  learned::ScaleDownHistory history_;  // the episode's setpoint recommendations (scale-down window)
  const StepResult* last_ = nullptr;  // null before the first Reset
  std::vector<int32_t> choices_;
  Decision decision_;
  int steps_ = 0;
  std::mutex busy_;
};

}  // namespace podpilot::python
