// Helpers shared by the operator's integration tests (header-only: each test is its own binary).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace podpilot::op::testing {

// Polls pred() every `poll` until it holds or `timeout` passed; returns pred()'s last value.
template <typename P>
bool WaitUntil(P pred, std::chrono::seconds timeout, std::chrono::milliseconds poll = std::chrono::milliseconds(1000)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(poll);
  }
  return pred();
}

// "True/Reason" of the autoscaler's status condition `type`; "" when it has none.
inline std::string ConditionOf(const nlohmann::json& ppa, const std::string& type) {
  for (const auto& c : ppa.value("status", nlohmann::json::object()).value("conditions", nlohmann::json::array())) {
    if (c.value("type", "") == type) return c.value("status", "") + "/" + c.value("reason", "");
  }
  return "";
}

}  // namespace podpilot::op::testing
