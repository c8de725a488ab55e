// Local, watch-fed copies of the Deployments, Pods and HorizontalPodAutoscalers the operator reads
// (as controller-runtime's informer cache), and a short-lived cache of the metrics API's pod
// metrics per namespace.
//
// Why: without it each reconcile made three API requests (Deployment, pod list, pod metrics) and
// most of the operator's CPU went into them (1,000 autoscalers: 10.6 % of a core). With it a
// reconcile reads memory, and the metrics API is listed once per namespace per `metrics_ttl`
// (metrics-server itself only refreshes every 15 s).
//
// Consistency: the copies lag the API server by the watch delay (milliseconds), as an informer's
// do. Writes never trust them blindly: the scale update is conditional on the Deployment's
// resourceVersion, and a conflict re-reads from the server (reconciler.cc).
//
// Memory: objects are trimmed to the fields the observer reads (names, labels, selector,
// replicas, container resources; pod phase, node, Ready condition, start time and containers'
// last OOM kills; an HPA's name, scaleTargetRef and desired replicas).
//
// Thread-safety: every method may be called from any thread. Start() runs three watcher threads.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "k8s/kube_client.h"
#include "k8s/watcher.h"
#include "operator/operator_metrics.h"

namespace podpilot::op {

// The fields of a Pod the observer reads (target_observer.h), as the cache keeps it.
nlohmann::json TrimPod(const nlohmann::json& pod);

class ClusterCache {
 public:
  // Watches namespace `ns` ("" = all namespaces). `client` is copied. `metrics` (may be null, not
  // owned, must outlive this) counts the watches' lists and errors.
  ClusterCache(const k8s::KubeClient& client, std::string ns, std::chrono::milliseconds metrics_ttl,
               OperatorMetrics* metrics = nullptr);
  ~ClusterCache();

  void Start();
  void Stop();
  // True once both initial lists have completed (until then callers read from the API).
  bool Synced() const { return deployments_synced_ && pods_synced_; }
  // True once the HorizontalPodAutoscalers were listed (kept apart: without RBAC to list them
  // the watch never syncs, and Deployments and pods are still served).
  bool HpasSynced() const { return hpas_synced_; }
  // Not OK while the HorizontalPodAutoscaler watch is refused (PermissionDenied: no RBAC to list
  // them; NotFound: no autoscaling/v2 on the server): callers then need not ask the API server
  // either. The watch keeps retrying (with back-off) and logs this once.
  Status HpasUnavailable() const;

  // A trimmed copy; NotFound naming the Deployment when it is not (or no longer) there.
  StatusOr<nlohmann::json> GetDeployment(const std::string& ns, const std::string& name) const;
  // Trimmed copies of the pods of `ns` whose labels match `selector` (a metav1.LabelSelector).
  std::vector<nlohmann::json> ListPods(const std::string& ns, const nlohmann::json& selector) const;
  // Trimmed copies of the HorizontalPodAutoscalers of `ns` (metadata, spec.scaleTargetRef and
  // status.desiredReplicas).
  std::vector<nlohmann::json> ListHpas(const std::string& ns) const;
  // The pod metrics of `ns` from metrics.k8s.io by pod name (each a PodMetrics object), re-listed
  // when older than metrics_ttl. Shared, immutable: callers never copy the whole list.
  using PodMetricsByName = std::map<std::string, nlohmann::json>;
  StatusOr<std::shared_ptr<const PodMetricsByName>> PodMetrics(const std::string& ns);

 private:
  using Store = std::map<std::string, nlohmann::json>;  // "ns/name" -> trimmed object
  void Run(k8s::Watcher* w, const std::string& resource, Store* store, std::atomic<bool>* synced,
           nlohmann::json (*trim)(const nlohmann::json&));

  k8s::KubeClient client_;
  std::string ns_;
  std::chrono::milliseconds metrics_ttl_;
  OperatorMetrics* op_metrics_;
  std::unique_ptr<k8s::Watcher> deployment_watcher_, pod_watcher_, hpa_watcher_;
  std::vector<std::thread> threads_;
  mutable std::shared_mutex mu_;  // guards deployments_, pods_, hpas_
  Store deployments_, pods_, hpas_;
  std::atomic<bool> deployments_synced_{false}, pods_synced_{false}, hpas_synced_{false};
  mutable std::mutex hpa_status_mu_;
  Status hpa_status_;  // why the HPA watch is refused; OK when it is not (guarded by hpa_status_mu_)

  struct MetricsEntry {
    std::mutex mu;  // one fetch per namespace at a time; the others wait for its answer
    std::chrono::steady_clock::time_point fetched{};
    StatusOr<std::shared_ptr<const PodMetricsByName>> value = Status(StatusCode::kUnavailable, "not fetched");
  };
  std::mutex metrics_mu_;  // guards the map, not the entries
  std::map<std::string, std::unique_ptr<MetricsEntry>> metrics_;
};

// metav1.LabelSelector semantics: every matchLabels pair and every matchExpressions term (In,
// NotIn, Exists, DoesNotExist) must hold. An empty selector matches nothing here (a Deployment
// always has one; matching every pod would be a bug's symptom, not a choice).
bool SelectorMatches(const nlohmann::json& selector, const nlohmann::json& labels);

}  // namespace podpilot::op
