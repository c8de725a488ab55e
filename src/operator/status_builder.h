// Builds a PodPilotAutoscaler's status from one reconcile and writes it only when it changed
// (times aside), so a steady autoscaler costs the API server no writes.
//
// Conditions follow the HPA's (AbleToScale, ScalingActive, ScalingLimited) plus FallbackActive;
// a condition's lastTransitionTime changes only when its status does. lastDecision.time changes
// only when the decision (replicas or reason) does.
//
// Not thread-safe; one per reconcile.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "k8s/kube_client.h"

namespace podpilot::op {

class StatusBuilder {
 public:
  // `object`: the autoscaler as last read (its status is the starting point).
  StatusBuilder(const nlohmann::json& object, double now_unix_s);

  void SetCondition(const std::string& type, bool status, const std::string& reason, const std::string& message);
  void AddProposal(const std::string& policy, const std::string& target, int replicas, const std::string& reason);
  // Target `index` is at `current` and should be at `desired`; the first target feeds
  // status.currentReplicas / desiredReplicas (the printer columns).
  void SetTarget(size_t index, const std::string& name, int current, int desired);
  void SetScaled(double now_unix_s);
  void SetDecision(const std::string& reason);

  // "hpa: web=3; learned: web=2" from the proposals.
  std::string ProposalSignature() const;
  const nlohmann::json& status() const { return status_; }

  // Replaces the status subresource (k8s::ReplaceAutoscalerStatus: last writer wins, the object's
  // uid as precondition) if it differs from the status read (ignoring times). Returns whether it
  // wrote; an error is the API server's answer (k8s::IsConflict tells a 409).
  StatusOr<bool> Write(const k8s::KubeClient& kube) const;

 private:
  nlohmann::json object_;
  nlohmann::json old_status_;
  nlohmann::json status_;
  std::string now_;
};

// The status without time fields, to compare two statuses.
nlohmann::json StatusWithoutTimes(const nlohmann::json& status);

}  // namespace podpilot::op
