#include "k8s/resources.h"

#include <fmt/format.h>

#include <ctime>
#include <thread>

namespace podpilot::k8s {

using nlohmann::json;

std::string ResourceType::Path(const std::string& ns, const std::string& name, const std::string& subresource) const {
  std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
  p += "/" + plural;
  if (!name.empty()) p += "/" + name;
  if (!name.empty() && !subresource.empty()) p += "/" + subresource;
  return p;
}

const ResourceType& Deployments() {
  static const ResourceType t{"apps", "v1", "deployments", true};
  return t;
}
const ResourceType& Pods() {
  static const ResourceType t{"", "v1", "pods", true};
  return t;
}
const ResourceType& ConfigMaps() {
  static const ResourceType t{"", "v1", "configmaps", true};
  return t;
}
const ResourceType& StatefulSets() {
  static const ResourceType t{"apps", "v1", "statefulsets", true};
  return t;
}
const ResourceType& ReplicaSets() {
  static const ResourceType t{"apps", "v1", "replicasets", true};
  return t;
}
const ResourceType& HorizontalPodAutoscalers() {
  static const ResourceType t{"autoscaling", "v2", "horizontalpodautoscalers", true};
  return t;
}
const ResourceType* ScalableWorkload(const std::string& kind) {
  if (kind == "Deployment") return &Deployments();
  if (kind == "StatefulSet") return &StatefulSets();
  if (kind == "ReplicaSet") return &ReplicaSets();
  return nullptr;
}
const ResourceType& Events() {
  static const ResourceType t{"", "v1", "events", true};
  return t;
}
const ResourceType& Leases() {
  static const ResourceType t{"coordination.k8s.io", "v1", "leases", true};
  return t;
}
const ResourceType& Namespaces() {
  static const ResourceType t{"", "v1", "namespaces", false};
  return t;
}
const ResourceType& PodPilotAutoscalers() {
  static const ResourceType t{kAutoscalerGroup, kAutoscalerVersion, "podpilotautoscalers", true};
  return t;
}

std::string FormatTime(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatMicroTime(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1'000'000;
  std::string s = FormatTime(t);
  s.pop_back();  // 'Z'
  return fmt::format("{}.{:06d}Z", s, us);
}

StatusOr<json> GetDeployment(const KubeClient& c, const std::string& ns, const std::string& name) {
  return c.Get(Deployments().Path(ns, name));
}

StatusOr<json> ListDeployments(const KubeClient& c, const std::string& ns, const std::string& label_selector) {
  return c.Get(Deployments().Path(ns) + QueryString({{"labelSelector", label_selector}}));
}

StatusOr<json> GetScale(const KubeClient& c, const ResourceType& type, const std::string& ns, const std::string& name) {
  return c.Get(type.Path(ns, name, "scale"));
}

StatusOr<json> UpdateScale(const KubeClient& c, const ResourceType& type, const std::string& ns, const std::string& name,
                           int replicas, const std::string& resource_version) {
  if (replicas < 0) {
    return InvalidArgumentError(fmt::format("scale of {} {}/{}: replicas must be >= 0, got {}", type.plural, ns, name, replicas));
  }
  json scale = {{"apiVersion", "autoscaling/v1"},
                {"kind", "Scale"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"spec", {{"replicas", replicas}}}};
  if (!resource_version.empty()) scale["metadata"]["resourceVersion"] = resource_version;
  return c.Put(type.Path(ns, name, "scale"), scale);
}

StatusOr<json> ListPods(const KubeClient& c, const std::string& ns, const std::string& label_selector) {
  return c.Get(Pods().Path(ns) + QueryString({{"labelSelector", label_selector}}));
}

StatusOr<json> CreateEvent(const KubeClient& c, const EventSpec& spec) {
  const json& obj = spec.involved_object;
  const json meta = obj.is_object() && obj.contains("metadata") ? obj["metadata"] : json::object();
  const std::string name = meta.value("name", "");
  const std::string ns = meta.value("namespace", "");
  if (name.empty() || ns.empty()) {
    return InvalidArgumentError("CreateEvent: involved_object needs metadata.name and metadata.namespace");
  }
  if (spec.type != "Normal" && spec.type != "Warning") {
    return InvalidArgumentError(fmt::format("CreateEvent: type must be Normal or Warning, got \"{}\"", spec.type));
  }
  if (spec.reason.empty()) return InvalidArgumentError("CreateEvent: reason is empty");
  const auto now = std::chrono::system_clock::now();
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  json involved = {{"apiVersion", obj.value("apiVersion", "")}, {"kind", obj.value("kind", "")},
                   {"name", name}, {"namespace", ns}};
  if (meta.contains("uid")) involved["uid"] = meta["uid"];
  if (meta.contains("resourceVersion")) involved["resourceVersion"] = meta["resourceVersion"];
  const std::string ts = FormatTime(now);
  json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", fmt::format("{}.{:x}", name, nanos)}, {"namespace", ns}}},
                {"involvedObject", involved},
                {"reason", spec.reason},
                {"message", spec.message},
                {"type", spec.type},
                {"count", 1},
                {"firstTimestamp", ts},
                {"lastTimestamp", ts},
                {"source", {{"component", spec.component}}},
                {"reportingComponent", spec.component},
                {"reportingInstance", spec.component}};
  return c.Post(Events().Path(ns), event);
}

StatusOr<json> GetLease(const KubeClient& c, const std::string& ns, const std::string& name) {
  return c.Get(Leases().Path(ns, name));
}

StatusOr<json> CreateLease(const KubeClient& c, const std::string& ns, const json& lease) {
  json body = lease;
  body["apiVersion"] = "coordination.k8s.io/v1";
  body["kind"] = "Lease";
  return c.Post(Leases().Path(ns), body);
}

namespace {

// Name and resourceVersion of an object about to be PUT, or InvalidArgument naming what lacks.
Status NameAndVersion(const json& obj, const char* what, std::string* name, std::string* rv) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) {
    return InvalidArgumentError(fmt::format("{}: object has no metadata", what));
  }
  *name = obj["metadata"].value("name", "");
  *rv = obj["metadata"].value("resourceVersion", "");
  if (name->empty()) return InvalidArgumentError(fmt::format("{}: metadata.name is empty", what));
  if (rv->empty()) {
    return InvalidArgumentError(fmt::format("{} {}: metadata.resourceVersion is empty (read the object first)", what, *name));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<json> UpdateLease(const KubeClient& c, const std::string& ns, const json& lease) {
  std::string name, rv;
  PP_RETURN_IF_ERROR(NameAndVersion(lease, "UpdateLease", &name, &rv));
  return c.Put(Leases().Path(ns, name), lease);
}

StatusOr<json> GetAutoscaler(const KubeClient& c, const std::string& ns, const std::string& name) {
  return c.Get(PodPilotAutoscalers().Path(ns, name));
}

StatusOr<json> ListAutoscalers(const KubeClient& c, const std::string& ns) {
  return c.Get(PodPilotAutoscalers().Path(ns));
}

StatusOr<json> UpdateAutoscalerStatus(const KubeClient& c, const json& obj) {
  std::string name, rv;
  PP_RETURN_IF_ERROR(NameAndVersion(obj, "UpdateAutoscalerStatus", &name, &rv));
  const std::string ns = obj["metadata"].value("namespace", "");
  if (ns.empty()) return InvalidArgumentError("UpdateAutoscalerStatus " + name + ": metadata.namespace is empty");
  return c.Put(PodPilotAutoscalers().Path(ns, name, "status"), obj);
}

StatusOr<json> ReplaceAutoscalerStatus(const KubeClient& c, const std::string& ns, const std::string& name,
                                       const std::string& uid, const json& status) {
  if (ns.empty() || name.empty() || uid.empty()) {
    return InvalidArgumentError(
        fmt::format("ReplaceAutoscalerStatus: namespace '{}', name '{}' and uid '{}' are all required", ns, name, uid));
  }
  // "add" on an existing member replaces it (RFC 6902 4.1), and creates a status that is absent.
  const json ops = json::array({{{"op", "test"}, {"path", "/metadata/uid"}, {"value", uid}},
                                {{"op", "add"}, {"path", "/status"}, {"value", status}}});
  return c.Patch(PodPilotAutoscalers().Path(ns, name, "status"), PatchType::kJsonPatch, ops);
}

Status RetryOnConflict(const std::function<Status()>& fn, const RetryOptions& options) {
  Backoff backoff(options.backoff);
  Status last;
  for (int attempt = 0; attempt < std::max(options.attempts, 1); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(backoff.Next());
    last = fn();
    if (last.code() != StatusCode::kAborted) return last;
  }
  return last;
}

}  // namespace podpilot::k8s
