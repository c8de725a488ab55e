#include "sim/vec_env.h"

#include <algorithm>

namespace podpilot {

StatusOr<std::unique_ptr<VecEnv>> VecEnv::Create(const EnvConfig& config, int num_envs, int threads) {
  if (num_envs < 1 || num_envs > 65536) {
    return InvalidArgumentError("vec env: num_envs " + std::to_string(num_envs) + " outside [1, 65536]");
  }
  if (threads < 0 || threads > 1024) return InvalidArgumentError("vec env: threads " + std::to_string(threads));
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, num_envs);
  std::unique_ptr<VecEnv> v(new VecEnv());
  for (int i = 0; i < num_envs; ++i) {
    PP_ASSIGN_OR_RETURN(auto env, Env::Create(config));
    v->envs_.push_back(std::move(env));
  }
  v->results_.assign(num_envs, nullptr);
  v->just_reset_.assign(num_envs, 0);
  v->needs_reset_.assign(num_envs, 0);
  v->errors_.assign(threads, nullptr);
  v->seeds_.assign(num_envs, 0);
  for (int w = 1; w < threads; ++w) v->workers_.emplace_back(&VecEnv::WorkerLoop, v.get(), w);
  return v;
}

VecEnv::~VecEnv() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

namespace {
// A pool step lasts tens of microseconds, about what waking a thread from a futex costs on a VM;
// so both sides spin briefly (~50 us) before sleeping on the condition variable.
constexpr int kSpinIterations = 4000;
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}
}  // namespace

void VecEnv::WorkerLoop(int worker) {
  uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < kSpinIterations && generation_.load(std::memory_order_acquire) == seen &&
                    !stop_.load(std::memory_order_relaxed);
         ++i) {
      CpuRelax();
    }
    const std::function<void(int)>* job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_start_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
      if (stop_.load()) return;
      seen = generation_.load();
      job = job_;
    }
    try {
      (*job)(worker);
    } catch (...) {
      errors_[worker] = std::current_exception();
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);  // pairs with the caller's predicate check
      cv_done_.notify_one();
    }
  }
}

void VecEnv::RunParallel(const std::function<void(int)>& fn) {
  if (workers_.empty()) {
    fn(0);
    return;
  }
  for (auto& e : errors_) e = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_start_.notify_all();
  try {
    fn(0);
  } catch (...) {
    errors_[0] = std::current_exception();
  }
  for (int i = 0; i < kSpinIterations && pending_.load(std::memory_order_acquire) != 0; ++i) CpuRelax();
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
  }
  for (const auto& e : errors_) {
    if (e) std::rethrow_exception(e);
  }
}

void VecEnv::Reset(uint64_t base_seed) {
  const int n = size(), t = threads();
  for (int i = 0; i < n; ++i) seeds_[i] = base_seed + static_cast<uint64_t>(i);
  std::function<void(int)> fn = [&](int w) {
    // Static contiguous partition: env i always runs on the same worker for a given thread count.
    for (int i = w * n / t; i < (w + 1) * n / t; ++i) {
      results_[i] = &envs_[i]->Reset(seeds_[i]);
      just_reset_[i] = 1;
      needs_reset_[i] = 0;
    }
  };
  RunParallel(fn);
}

void VecEnv::Step(const std::vector<Decision>& decisions) {
  const int n = size(), t = threads();
  std::function<void(int)> fn = [&](int w) {
    for (int i = w * n / t; i < (w + 1) * n / t; ++i) {
      if (needs_reset_[i]) {
        // A new episode gets a fresh seed derived from the env's base seed and its episode count,
        // so it does not replay the previous episode.
        seeds_[i] = Rng::Derive(seeds_[i], 0xE915);
        results_[i] = &envs_[i]->Reset(seeds_[i]);
        just_reset_[i] = 1;
      } else {
        results_[i] = &envs_[i]->Step(decisions[i]);
        just_reset_[i] = 0;
      }
      needs_reset_[i] = results_[i]->truncated || results_[i]->terminated;
    }
  };
  RunParallel(fn);
}

}  // namespace podpilot
