// VecEnvCore: the C++ VecEnv (N envs on a thread pool, NEXT_STEP autoreset) behind
// podpilot.PodPilotVecEnv (a gymnasium.vector.VectorEnv).
//
// Zero-copy observations: Reset and Step return a float32 (num_envs, obs_size) numpy array that
// is a view of one buffer owned by this core (the array keeps the core alive through its base
// object). The next Reset or Step OVERWRITES that buffer in place: copy it (np.array(obs)) to keep
// it. Rewards, terminations, truncations and infos are fresh arrays on every call.
//
// The GIL is released while the envs step and while observations are encoded, so other Python
// threads run meanwhile.
//
// Thread-safety: one call at a time; a concurrent second call raises RuntimeError.
#pragma once

#include <memory>
#include <mutex>

#include "common.h"
#include "sim/vec_env.h"

namespace podpilot::python {

class VecEnvCore {
 public:
  // threads = 0: one per hardware thread (capped at num_envs). Throws ValueError on bad input.
  VecEnvCore(const CoreConfig& config, int num_envs, int threads);

  // Resets env i with seed base_seed + i. Returns (observations view, info dict). `self` is this
  // core's Python object: the base that keeps the buffer alive.
  py::tuple Reset(py::handle self, uint64_t base_seed);
  // actions: (num_envs, num_targets) integer choices. Returns (observations view, rewards float64,
  // terminated bool, truncated bool, info dict of float64 arrays with "_key" masks). Envs whose
  // previous step ended their episode ignore their action and reset (NEXT_STEP autoreset).
  py::tuple Step(py::handle self, py::handle actions);

  // int64[num_envs, num_targets]: the actions that change nothing (see EnvCore::NoopAction).
  py::array_t<int64_t> NoopAction();

  int num_envs() const { return vec_->size(); }
  int threads() const { return vec_->threads(); }
  const Setup& setup() const { return setup_; }
  int episode_steps() { return vec_->env(0).episode_steps(); }

 private:
  // Encodes every env's observation and info; runs without the GIL.
  void Collect();
  py::array_t<float> ObsView(py::handle self) const;
  py::dict Info() const;

  Setup setup_;
  std::unique_ptr<VecEnv> vec_;
  bool started_ = false;
  std::vector<learned::FeatureBuilder> features_;  // one per env: its episode's history
  std::vector<learned::ScaleDownHistory> histories_;  // one per env: setpoint recommendations
  Status feature_error_;          // set by Collect (which runs without the GIL)
  std::vector<float> obs_;        // num_envs x obs_size, row-major
  std::vector<int32_t> choices_;
  std::vector<Decision> decisions_;
  std::vector<StepInfo> infos_;
  // Scorecard items of envs whose episode ended on this step (valid where ended_[i]).
  std::vector<uint8_t> ended_;
  std::vector<double> ep_cost_, ep_requests_, ep_errors_, ep_slo_, ep_p95_;
  std::mutex busy_;
};

}  // namespace podpilot::python
