// VecEnv: N independent Envs stepped together on a pool of worker threads.
//
// Env i is reset with seed `base_seed + i`. Autoreset follows Gymnasium's NEXT_STEP mode (as
// EnvPool does): after a step that returns truncated or terminated for env i, the next Step()
// ignores env i's decision, resets it, and returns its first observation with zero reward.
//
// Results are identical for any number of threads (each env is stepped by exactly one thread per
// call, and envs share nothing mutable). Step() and Reset() must not be called concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sim/env.h"

namespace podpilot {

class VecEnv {
 public:
  // `threads` = 0 picks std::thread::hardware_concurrency().
  static StatusOr<std::unique_ptr<VecEnv>> Create(const EnvConfig& config, int num_envs, int threads);
  ~VecEnv();

  int size() const { return static_cast<int>(envs_.size()); }
  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Resets every env; results()[i] holds env i's first step result. An exception thrown by an env
  // (e.g. a trace file changed underneath) is rethrown here, on the caller's thread.
  void Reset(uint64_t base_seed);
  // Steps every env with decisions[i] (size() decisions required).
  void Step(const std::vector<Decision>& decisions);
  const std::vector<const StepResult*>& results() const { return results_; }
  // True for env i if its last returned result was the first of a new episode (after autoreset).
  const std::vector<uint8_t>& just_reset() const { return just_reset_; }
  Env& env(int i) { return *envs_[i]; }

 private:
  VecEnv() = default;
  void RunParallel(const std::function<void(int)>& fn);
  void WorkerLoop(int worker);

  std::vector<std::unique_ptr<Env>> envs_;
  std::vector<const StepResult*> results_;
  // One byte per env, not std::vector<bool>: workers write neighbouring envs' flags concurrently,
  // and packed bits sharing a word would be a data race.
  std::vector<uint8_t> just_reset_;
  std::vector<uint8_t> needs_reset_;
  std::vector<uint64_t> seeds_;

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(int)>* job_ = nullptr;
  std::vector<std::exception_ptr> errors_;  // per worker, rethrown by RunParallel on the caller's thread
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace podpilot
