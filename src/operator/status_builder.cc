#include "operator/status_builder.h"

#include <chrono>

#include "k8s/api_status.h"
#include "k8s/resources.h"

namespace podpilot::op {

using nlohmann::json;

namespace {
std::string TimeText(double unix_s) {
  return k8s::FormatTime(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(unix_s))));
}
}  // namespace

StatusBuilder::StatusBuilder(const json& object, double now) : object_(object), now_(TimeText(now)) {
  old_status_ = object.value("status", json::object());
  status_ = json::object();
  status_["observedGeneration"] = object["metadata"].value("generation", int64_t{0});
  status_["conditions"] = json::array();
  status_["proposals"] = json::array();
  if (old_status_.contains("lastScaleTime")) status_["lastScaleTime"] = old_status_["lastScaleTime"];
}

void StatusBuilder::SetCondition(const std::string& type, bool ok, const std::string& reason, const std::string& message) {
  const std::string value = ok ? "True" : "False";
  std::string since = now_;
  for (const auto& c : old_status_.value("conditions", json::array())) {
    if (c.value("type", "") == type && c.value("status", "") == value) since = c.value("lastTransitionTime", now_);
  }
  json cond{{"type", type}, {"status", value}, {"reason", reason}, {"message", message.substr(0, 2000)},
            {"lastTransitionTime", since}};
  for (auto& c : status_["conditions"]) {
    if (c["type"] == type) {
      c = cond;  // a later, more specific verdict replaces an earlier one of this reconcile
      return;
    }
  }
  status_["conditions"].push_back(cond);
}

void StatusBuilder::AddProposal(const std::string& policy, const std::string& target, int replicas, const std::string& reason) {
  status_["proposals"].push_back({{"policy", policy}, {"target", target}, {"replicas", replicas}, {"reason", reason.substr(0, 1000)}});
}

void StatusBuilder::SetTarget(size_t index, const std::string& /*name*/, int current, int desired) {
  if (index != 0) return;
  status_["currentReplicas"] = current;
  status_["desiredReplicas"] = desired;
}

void StatusBuilder::SetScaled(double now) { status_["lastScaleTime"] = TimeText(now); }

void StatusBuilder::SetDecision(const std::string& reason) {
  json d{{"replicas", status_.value("desiredReplicas", 0)}, {"reason", reason.substr(0, 2000)}, {"time", now_}};
  const json& old = old_status_.value("lastDecision", json::object());
  if (old.value("replicas", -1) == d["replicas"] && old.value("reason", "") == d["reason"]) d["time"] = old.value("time", now_);
  status_["lastDecision"] = d;
}

std::string StatusBuilder::ProposalSignature() const {
  std::string out;
  std::string last_policy;
  for (const auto& p : status_["proposals"]) {
    const std::string policy = p.value("policy", "");
    if (policy != last_policy) out += (out.empty() ? "" : "; ") + policy + ":";
    last_policy = policy;
    out += " " + p.value("target", "") + "=" + std::to_string(p.value("replicas", 0));
  }
  return out;
}

json StatusWithoutTimes(const json& status) {
  json s = status;
  s.erase("lastScaleTime");
  if (s.contains("lastDecision")) s["lastDecision"].erase("time");
  if (s.contains("conditions")) {
    for (auto& c : s["conditions"]) c.erase("lastTransitionTime");
  }
  return s;
}

StatusOr<bool> StatusBuilder::Write(const k8s::KubeClient& kube) const {
  if (StatusWithoutTimes(status_) == StatusWithoutTimes(old_status_) &&
      status_.value("lastScaleTime", json()) == old_status_.value("lastScaleTime", json())) {
    return false;
  }
  // Written whole, without a resourceVersion: the operator owns the status and rebuilds it each
  // reconcile, so a PUT conditional on the version last watched only bought 409s whenever the
  // operator's own previous write had not yet come back through the watch (one re-read each).
  const json& meta = object_["metadata"];
  auto r = k8s::ReplaceAutoscalerStatus(kube, meta.value("namespace", ""), meta.value("name", ""), meta.value("uid", ""),
                                        status_);
  if (!r.ok()) return r.status();
  return true;
}

}  // namespace podpilot::op
