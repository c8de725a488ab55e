// The podpilot operator's runtime: watches PodPilotAutoscaler objects (list then watch, relist on
// 410: k8s::Watcher), queues each one for a reconcile when it changes and again every period
// (level-based resync), runs Reconciler on a few worker threads while this replica is the leader
// (Lease-based election, optional), and serves /metrics, /healthz and /readyz.
//
//   /healthz  200 while the process is serving (liveness)
//   /readyz   200 once the first list of autoscalers has completed (readiness); a standby
//             replica (not leader) is ready too: it is warm and can take over
//   /metrics  operator_metrics.h
//
// Thread-safety: Run blocks until Stop (callable from any thread, e.g. a signal handler thread).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "k8s/kube_client.h"
#include "operator/operator_metrics.h"
#include "prom/prometheus_client.h"

namespace podpilot::op {

struct OperatorOptions {
  std::string namespace_;              // "" = all namespaces
  double period_s = 15.0;              // resync period of every autoscaler
  int workers = 2;
  std::string listen = "127.0.0.1:8080";  // host:port of /metrics /healthz /readyz; "" = none
  bool leader_elect = false;
  std::string lease_namespace = "podpilot-system";
  std::string lease_name = "podpilot-operator";
  std::string identity;                // default: hostname_pid
  std::string model_dir;
  std::string model_namespace;         // of model.configMapRef ConfigMaps; "" = lease_namespace
  double model_recheck_s = 60;         // how often a loaded model's ConfigMap is read again
  // Read Deployments and pods from watch-fed caches (and pod metrics at most every
  // min(5 s, period / 2) per namespace) instead of three API requests per reconcile.
  bool cache = true;
  // Lease timing (client-go defaults).
  double lease_duration_s = 15, renew_deadline_s = 10, retry_period_s = 2;
  // Tests only (see ReconcilerOptions::before_scale_write); empty in production.
  std::function<void(const std::string& ns, const std::string& target)> before_scale_write;
};

class Operator {
 public:
  Operator(k8s::KubeClient kube, std::optional<prom::PrometheusClient> prom, OperatorOptions options);
  ~Operator();

  // Serves and reconciles until Stop(). Errors: the listen address cannot be bound, invalid
  // leader election options.
  Status Run();
  void Stop();

  // The port actually bound (useful with "127.0.0.1:0"); 0 before Run has bound it.
  int bound_port() const { return bound_port_.load(); }
  const OperatorMetrics& metrics() const { return metrics_; }

 private:
  void WatchLoop();
  void WorkerLoop();
  void OnLeadership(bool leading);

  k8s::KubeClient kube_;
  std::optional<prom::PrometheusClient> prom_;
  OperatorOptions options_;
  OperatorMetrics metrics_;

  std::mutex mu_;
  std::condition_variable cv_;                  // leadership and stop changes
  std::map<std::string, nlohmann::json> cache_;  // key -> latest object, guarded by mu_
  bool leading_ = false;                        // guarded by mu_
  bool stop_ = false;                           // guarded by mu_
  std::atomic<bool> synced_{false};
  std::atomic<int> bound_port_{0};

  struct Impl;  // watcher, queue, reconciler, elector, server, threads
  std::unique_ptr<Impl> impl_;
};

}  // namespace podpilot::op
