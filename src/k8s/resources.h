// Thin typed helpers, on JSON, for the objects the podpilot operator touches: Deployments and
// their scale subresource, Pods, Events, Leases, HorizontalPodAutoscalers (read) and the
// PodPilotAutoscaler custom resource.
// Each is one request through KubeClient (errors as described there); nothing is cached.
//
// Optimistic concurrency: UpdateScale, UpdateLease and UpdateAutoscalerStatus send the
// object's metadata.resourceVersion, so a write based on a stale read fails with kAborted
// (HTTP 409 Conflict) instead of overwriting someone else's change. Wrap read-modify-write in
// RetryOnConflict. ReplaceAutoscalerStatus is the exception, on purpose (see there).
//
// Thread-safety: free functions; safe to call concurrently (KubeClient is).
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "k8s/backoff.h"
#include "k8s/kube_client.h"

namespace podpilot::k8s {

// A resource type's coordinates. group "" is the core API (/api/v1).
struct ResourceType {
  std::string group;
  std::string version;
  std::string plural;
  bool namespaced = true;

  // ".../namespaces/NS/PLURAL[/NAME[/SUBRESOURCE]]"; ns "" for a namespaced type means all
  // namespaces (valid for list and watch only). Names are used as given (Kubernetes names are
  // DNS labels/subdomains and need no escaping).
  std::string Path(const std::string& ns, const std::string& name = "", const std::string& subresource = "") const;
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
};

// The PodPilotAutoscaler custom resource (design.md §6): group autoscaling.podpilot.dev.
inline constexpr const char* kAutoscalerGroup = "autoscaling.podpilot.dev";
inline constexpr const char* kAutoscalerVersion = "v1alpha1";
inline constexpr const char* kAutoscalerKind = "PodPilotAutoscaler";

const ResourceType& Deployments();
const ResourceType& Pods();
const ResourceType& Events();
const ResourceType& Leases();
const ResourceType& Namespaces();
const ResourceType& PodPilotAutoscalers();
const ResourceType& ConfigMaps();
const ResourceType& StatefulSets();
const ResourceType& ReplicaSets();
const ResourceType& HorizontalPodAutoscalers();  // autoscaling/v2
// The apps/v1 workload kinds with a scale subresource: Deployment, StatefulSet, ReplicaSet.
// Null for any other kind.
const ResourceType* ScalableWorkload(const std::string& kind);

// ---- Deployments and scale -------------------------------------------------------------------
StatusOr<nlohmann::json> GetDeployment(const KubeClient& c, const std::string& ns, const std::string& name);
// A DeploymentList; ns "" lists all namespaces; label_selector "" selects all.
StatusOr<nlohmann::json> ListDeployments(const KubeClient& c, const std::string& ns, const std::string& label_selector = "");

// The autoscaling/v1 Scale of a workload (`type`: Deployments(), StatefulSets(), ReplicaSets()):
// spec.replicas, status.replicas, status.selector and metadata.resourceVersion (the workload's).
StatusOr<nlohmann::json> GetScale(const KubeClient& c, const ResourceType& type, const std::string& ns, const std::string& name);
// PUTs spec.replicas = replicas with resource_version as the precondition ("" = unconditional,
// last writer wins). kAborted when the workload changed since that version.
StatusOr<nlohmann::json> UpdateScale(const KubeClient& c, const ResourceType& type, const std::string& ns,
                                     const std::string& name, int replicas, const std::string& resource_version);
// The same for a Deployment.
inline StatusOr<nlohmann::json> GetScale(const KubeClient& c, const std::string& ns, const std::string& deployment) {
  return GetScale(c, Deployments(), ns, deployment);
}
inline StatusOr<nlohmann::json> UpdateScale(const KubeClient& c, const std::string& ns, const std::string& deployment,
                                            int replicas, const std::string& resource_version) {
  return UpdateScale(c, Deployments(), ns, deployment, replicas, resource_version);
}

// ---- Pods --------------------------------------------------------------------------------------
StatusOr<nlohmann::json> ListPods(const KubeClient& c, const std::string& ns, const std::string& label_selector);

// ---- Events ------------------------------------------------------------------------------------
struct EventSpec {
  nlohmann::json involved_object;  // the object the event is about (its apiVersion, kind, metadata)
  std::string reason;              // UpperCamelCase, e.g. "ScaledUp"
  std::string message;
  std::string type = "Normal";     // "Normal" or "Warning"
  std::string component = "podpilot";
};
// Creates a core/v1 Event in the involved object's namespace, named "<object>.<hex time>" as
// client-go's recorder does, with count 1 and first/lastTimestamp = now. InvalidArgument when the
// involved object has no name or namespace or the type is not Normal/Warning.
StatusOr<nlohmann::json> CreateEvent(const KubeClient& c, const EventSpec& spec);

// ---- Leases (coordination.k8s.io/v1) -----------------------------------------------------------
StatusOr<nlohmann::json> GetLease(const KubeClient& c, const std::string& ns, const std::string& name);
// `lease` is a full Lease object (its metadata.name is used); kAlreadyExists if it exists.
StatusOr<nlohmann::json> CreateLease(const KubeClient& c, const std::string& ns, const nlohmann::json& lease);
// PUT with the object's metadata.resourceVersion (required: InvalidArgument without it).
StatusOr<nlohmann::json> UpdateLease(const KubeClient& c, const std::string& ns, const nlohmann::json& lease);

// ---- PodPilotAutoscaler ------------------------------------------------------------------------
StatusOr<nlohmann::json> GetAutoscaler(const KubeClient& c, const std::string& ns, const std::string& name);
// ns "" lists all namespaces.
StatusOr<nlohmann::json> ListAutoscalers(const KubeClient& c, const std::string& ns);
// PUTs `obj` (with its status) to the /status subresource, conditional on its resourceVersion.
StatusOr<nlohmann::json> UpdateAutoscalerStatus(const KubeClient& c, const nlohmann::json& obj);
// Replaces the /status subresource with `status` by a JSON patch (RFC 6902), NOT conditional on a
// resourceVersion: the last writer wins, which suits a status that one controller owns and
// rebuilds whole from what it observes (no 409 because its own previous write has not come back
// through its watch yet). The patch first tests metadata.uid == `uid` (required), so a write meant
// for an object that was deleted and re-created under the same name fails (the API server's 422,
// kInvalidArgument) instead of landing on the new one. (A uid inside a merge patch would not do:
// the status subresource ignores metadata in what it is sent.)
StatusOr<nlohmann::json> ReplaceAutoscalerStatus(const KubeClient& c, const std::string& ns, const std::string& name,
                                                 const std::string& uid, const nlohmann::json& status);

// ---- Conflicts ---------------------------------------------------------------------------------
struct RetryOptions {
  int attempts = 5;  // total calls of fn, as client-go's retry.DefaultRetry (Steps: 5)
  BackoffOptions backoff{std::chrono::milliseconds(10), 1.0, std::chrono::milliseconds(10), 0.1};
};
// Calls fn until it returns anything but kAborted (a 409 Conflict) or `attempts` calls were made,
// sleeping per the backoff in between; returns fn's last status. fn must re-read the object each
// time (the point of the retry is a fresh resourceVersion). Like client-go's RetryOnConflict.
Status RetryOnConflict(const std::function<Status()>& fn, const RetryOptions& options = {});

// RFC 3339 UTC with seconds ("2026-12-05T23:59:01Z"), as metav1.Time serialises.
std::string FormatTime(std::chrono::system_clock::time_point t);
// metav1.MicroTime ("2026-12-05T23:59:01.123456Z"), used by Lease acquire/renew times.
std::string FormatMicroTime(std::chrono::system_clock::time_point t);

}  // namespace podpilot::k8s
