// A delaying work queue of object keys, as controller-runtime's: each key is queued at most once
// (the earliest due time wins), a key is handed to one worker at a time, and a key added again
// while a worker holds it is handed out again only after Done. Level-based reconciles need no
// more: the worker reads the latest object when it gets the key.
//
// Thread-safety: every method is safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace podpilot::op {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // Queues `key` to be handed out at `when` (or earlier if already queued for earlier).
  void Add(const std::string& key, Clock::time_point when);
  void AddNow(const std::string& key) { Add(key, Clock::now()); }
  // Forgets a queued key (an in-flight one finishes normally).
  void Remove(const std::string& key);
  // Blocks until a key is due and not held by another worker, or Shutdown(): then nullopt.
  std::optional<std::string> Get();
  // The worker is done with `key`.
  void Done(const std::string& key);
  // Wakes every Get with nullopt, now and later.
  void Shutdown();
  size_t Queued() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Clock::time_point> due_;  // queued keys
  std::set<std::string> in_flight_;
  bool shutdown_ = false;
};

}  // namespace podpilot::op
