#include "operator/work_queue.h"

namespace podpilot::op {

void WorkQueue::Add(const std::string& key, Clock::time_point when) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = due_.emplace(key, when);
  if (!inserted && when < it->second) it->second = when;
  cv_.notify_all();
}

void WorkQueue::Remove(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  due_.erase(key);
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!shutdown_) {
    // Linear scan: a few thousand keys at most, a few hundred Gets per second; simpler than
    // keeping an index consistent with in-flight keys.
    auto best = due_.end();
    for (auto it = due_.begin(); it != due_.end(); ++it) {
      if (in_flight_.count(it->first) == 0 && (best == due_.end() || it->second < best->second)) best = it;
    }
    const auto now = Clock::now();
    if (best != due_.end() && best->second <= now) {
      std::string key = best->first;
      due_.erase(best);
      in_flight_.insert(key);
      return key;
    }
    if (best == due_.end()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, best->second);
    }
  }
  return std::nullopt;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase(key);
  cv_.notify_all();
}

void WorkQueue::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
}

size_t WorkQueue::Queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return due_.size();
}

}  // namespace podpilot::op
