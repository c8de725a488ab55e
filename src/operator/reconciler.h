// The reconcile of one PodPilotAutoscaler, level-based and idempotent (controller-runtime style):
// given the object as last seen, it reads the world again (targets, pods, metrics), asks the
// configured policy and the HPA rule, holds the result within the safety rails, writes the scale
// subresource (Active mode only), and writes status and Events. Running it twice in a row with
// nothing changed writes nothing the second time.
//
//   parse spec --invalid--> status InvalidSpec + Warning event, no action
//   observe targets --Kubernetes read failed--> status AbleToScale=False + Warning, no action
//   policy (or the HPA rule when the model or its signals are missing, or the policy could not
//   apply its own rule (Decision::fallback): FallbackActive=True)
//   safety rails (min/max, rate limits) -> Active: PUT deployments/scale (conflicts retried on a
//   fresh read) | Shadow: nothing written; status.proposals has both proposals
//
// Per-object state (the policies' windows and histories, the rate-limit history) lives here,
// keyed by namespace/name, and is rebuilt when the object's uid or generation changes.
//
// Thread-safety: Reconcile may be called concurrently for DIFFERENT keys (the operator's queue
// never hands one key to two workers at once); Forget for any key at any time, also while that
// key is being reconciled (the watch thread sees the deletion): the running reconcile finishes on
// its own reference to the state, which is then dropped; the caller calls Forget again after
// such a reconcile to drop what it set anew. The clients must outlive this.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "k8s/kube_client.h"
#include "operator/autoscaler_spec.h"
#include "operator/operator_metrics.h"
#include "policy/observation.h"
#include "prom/prometheus_client.h"

namespace podpilot::op {

class ClusterCache;

struct ReconcilerOptions {
  double period_s = 15.0;      // the control interval the policies are told about
  std::string model_dir;       // resolves relative model paths
  std::string component = "podpilot-operator";  // Events' source
  ClusterCache* cache = nullptr;  // where targets are read from once synced (not owned)
  // Where spec.policy.model.configMapRef is looked up (the operator's own namespace; see
  // model_source.h), and how often a loaded model's ConfigMap is read again for a new version.
  std::string model_namespace = "podpilot-system";
  std::chrono::seconds model_recheck{60};
  // Tests only: called between deciding a target's new replica count and writing it, from the
  // worker thread. Lets an integration test change the Deployment at exactly that moment, so
  // the real API server answers the write with 409 Conflict. Empty in production.
  std::function<void(const std::string& ns, const std::string& target)> before_scale_write;
};

struct ReconcileOutcome {
  Status status;                // not OK: the reconcile could not complete (logged, counted)
  bool scaled = false;          // a scale subresource was written
  bool status_written = false;
  std::string summary;          // one line for the log
};

class Reconciler {
 public:
  // `prom` may be null (no Prometheus configured). `metrics` may be null.
  Reconciler(const k8s::KubeClient& kube, const prom::PrometheusClient* prom, OperatorMetrics* metrics,
             ReconcilerOptions options);
  ~Reconciler();

  // Reconciles `object` (a PodPilotAutoscaler as listed/watched) at wall-clock time now_unix_s.
  ReconcileOutcome Reconcile(const nlohmann::json& object, double now_unix_s);

  // Drops the state of an object that was deleted.
  void Forget(const std::string& ns, const std::string& name);

 private:
  struct State;
  std::shared_ptr<State> StateFor(const std::string& key);
  // Builds, or rebuilds when the ConfigMap changed, the Learned policy of `spec` from its
  // configMapRef; sets st.policy_error when there is no usable model.
  void RefreshConfigMapModel(const AutoscalerSpec& spec, const Observation& obs, State& st);

  const k8s::KubeClient& kube_;
  const prom::PrometheusClient* prom_;
  OperatorMetrics* metrics_;
  ReconcilerOptions options_;
  std::mutex mu_;  // guards states_ (the map, not the entries)
  // Shared with the reconcile using an entry, so that Forget during it frees nothing in use.
  std::map<std::string, std::shared_ptr<State>> states_;
};

}  // namespace podpilot::op
