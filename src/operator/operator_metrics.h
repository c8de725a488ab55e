// The operator's own metrics (served at /metrics; deploy/grafana reads exactly these names),
// on the prometheus-cpp client library (Debian prometheus-cpp-dev).
//
//   podpilot_reconcile_total{result}                 counter  ok | error
//   podpilot_reconcile_duration_seconds              histogram (operator time, API calls included)
//   podpilot_reconcile_compute_seconds               histogram (the same without the time spent
//                                                    waiting for Kubernetes / Prometheus answers)
//   podpilot_autoscalers                             gauge    objects managed
//   podpilot_is_leader                               gauge    0/1
//   podpilot_current_replicas{namespace,autoscaler,target}
//   podpilot_desired_replicas{namespace,autoscaler,target}
//   podpilot_proposal_replicas{namespace,autoscaler,target,policy}   configured policy, "hpa",
//                                                    and (Shadow) "live-hpa", an upstream HPA's
//   podpilot_scale_actions_total{namespace,autoscaler,target,direction}
//   podpilot_oom_kills_total{namespace,autoscaler,target}   each OOM kill counted once
//   podpilot_fallback_total{namespace,autoscaler,reason}
//   podpilot_safety_clamps_total{namespace,autoscaler,rail}
//   podpilot_status_writes_total                     counter  status subresource writes
//   podpilot_source_errors_total{source}             prometheus | metrics-api | kubernetes
//   podpilot_watch_lists_total{resource}             (re)lists of a watched resource: 1 at start,
//                                                    +1 after each 410 Gone or failed watch
//   podpilot_watch_errors_total{resource,reason}     gone (410: resourceVersion too old) | other
//   podpilot_write_conflicts_total{subresource}      409 answers to the operator's writes
//                                                    (scale | status), each retried on a fresh read
//   process_resident_memory_bytes, process_cpu_seconds_total   (read from /proc at scrape time)
//
// Thread-safety: every method is safe from any thread (prometheus-cpp families lock internally).
#pragma once

#include <memory>
#include <set>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace podpilot::op {

class OperatorMetrics {
 public:
  OperatorMetrics();

  void ReconcileDone(bool ok, double seconds, double api_seconds = 0);
  void SetAutoscalers(int n) { autoscalers_->Set(n); }
  void SetLeader(bool leader) { is_leader_->Set(leader ? 1 : 0); }
  void SetReplicas(const std::string& ns, const std::string& name, const std::string& target, int current, int desired);
  void SetProposal(const std::string& ns, const std::string& name, const std::string& target, const std::string& policy,
                   int replicas);
  // Drops the autoscaler's `policy` proposal series of every target not in `targets` (an
  // upstream HPA that is gone no longer proposes: "live-hpa").
  void RetainProposals(const std::string& ns, const std::string& name, const std::string& policy,
                       const std::set<std::string>& targets);
  // Drops the autoscaler's current/desired replica series of every target not in `targets`, and
  // its proposal series of a target not in `targets` or a policy not in `policies`: what a spec
  // edit removed (a target, the configured policy) stops being reported. Counters are kept.
  void RetainGauges(const std::string& ns, const std::string& name, const std::set<std::string>& targets,
                    const std::set<std::string>& policies);
  // Drops every replica and proposal series of the autoscaler, keeping its counters: its spec is
  // invalid, so it proposes and manages nothing until it is mended.
  void ForgetGauges(const std::string& ns, const std::string& name);
  void ScaleAction(const std::string& ns, const std::string& name, const std::string& target, bool up);
  // Adds `kills` (>= 0; 0 creates the series) OOM kills of the target's containers, each counted
  // once (target_observer.h CountNewOomKills).
  void OomKills(const std::string& ns, const std::string& name, const std::string& target, int kills);
  void Fallback(const std::string& ns, const std::string& name, const std::string& reason);
  void Clamp(const std::string& ns, const std::string& name, const std::string& rail);
  void SourceError(const std::string& source);
  void StatusWritten() { status_writes_->Increment(); }
  // `resource`: the watched resource's plural (podpilotautoscalers, deployments, pods).
  void WatchListed(const std::string& resource);
  void WatchError(const std::string& resource, bool gone);
  // `subresource`: "scale" or "status".
  void WriteConflict(const std::string& subresource);
  // Drops every series of one autoscaler (it was deleted).
  void Forget(const std::string& ns, const std::string& name);

  // The text exposition format (version 0.0.4) of everything above.
  std::string Serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* reconcile_total_;
  prometheus::Histogram* reconcile_duration_;
  prometheus::Histogram* reconcile_compute_;
  prometheus::Gauge* autoscalers_;
  prometheus::Gauge* is_leader_;
  prometheus::Family<prometheus::Gauge>* current_;
  prometheus::Family<prometheus::Gauge>* desired_;
  prometheus::Family<prometheus::Gauge>* proposal_;
  prometheus::Family<prometheus::Counter>* scale_actions_;
  prometheus::Family<prometheus::Counter>* oom_kills_;
  prometheus::Family<prometheus::Counter>* fallback_;
  prometheus::Family<prometheus::Counter>* clamps_;
  prometheus::Family<prometheus::Counter>* source_errors_;
  prometheus::Counter* status_writes_;
  prometheus::Family<prometheus::Counter>* watch_lists_;
  prometheus::Family<prometheus::Counter>* watch_errors_;
  prometheus::Family<prometheus::Counter>* write_conflicts_;
  prometheus::Gauge* rss_;
  prometheus::Counter* cpu_;  // holds the last value read; see Serialize
  mutable double cpu_reported_ = 0;
};

// Resident set size and CPU seconds (user + system) of this process, from /proc/self.
double ProcessResidentBytes();
double ProcessCpuSeconds();

}  // namespace podpilot::op
