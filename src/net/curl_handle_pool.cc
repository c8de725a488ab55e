#include "net/curl_handle_pool.h"

namespace podpilot::net {

CurlHandlePool::~CurlHandlePool() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CurlHandlePool::Lease::Lease(CurlHandlePool* pool) : pool_(pool) {
  if (pool_ != nullptr) {
    std::lock_guard<std::mutex> lock(pool_->mu_);
    if (!pool_->idle_.empty()) {
      h_ = pool_->idle_.back();
      pool_->idle_.pop_back();
    }
  }
  if (h_ != nullptr) {
    curl_easy_reset(h_);
  } else {
    h_ = curl_easy_init();
  }
}

CurlHandlePool::Lease::~Lease() {
  if (h_ == nullptr) return;
  if (pool_ != nullptr) {
    curl_easy_reset(h_);  // drop pointers into the finished request (error buffer, headers, body)
    std::lock_guard<std::mutex> lock(pool_->mu_);
    if (pool_->idle_.size() < kMaxIdle) {
      pool_->idle_.push_back(h_);
      return;
    }
  }
  curl_easy_cleanup(h_);
}

}  // namespace podpilot::net
