#include "operator/operator_metrics.h"

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <fstream>
#include <mutex>
#include <sstream>

#include <prometheus/text_serializer.h>

namespace podpilot::op {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

OperatorMetrics::OperatorMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  reconcile_total_ = &BuildCounter().Name("podpilot_reconcile_total").Help("Reconciles of PodPilotAutoscaler objects by result.").Register(r);
  reconcile_duration_ = &BuildHistogram()
                             .Name("podpilot_reconcile_duration_seconds")
                             .Help("Time of one reconcile, Kubernetes and Prometheus calls included.")
                             .Register(r)
                             .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02,
                                                                            0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  reconcile_compute_ = &BuildHistogram()
                            .Name("podpilot_reconcile_compute_seconds")
                            .Help("Time of one reconcile without waiting for API answers (parsing, policies, rails, status).")
                            .Register(r)
                            .Add({}, prometheus::Histogram::BucketBoundaries{0.000005, 0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005,
                                                                             0.001, 0.002, 0.005, 0.01, 0.1});
  autoscalers_ = &BuildGauge().Name("podpilot_autoscalers").Help("PodPilotAutoscaler objects managed.").Register(r).Add({});
  is_leader_ = &BuildGauge().Name("podpilot_is_leader").Help("1 while this replica holds the leader Lease.").Register(r).Add({});
  current_ = &BuildGauge().Name("podpilot_current_replicas").Help("Replicas of each target (scale spec).").Register(r);
  desired_ = &BuildGauge().Name("podpilot_desired_replicas").Help("Replicas decided after the safety rails.").Register(r);
  proposal_ = &BuildGauge().Name("podpilot_proposal_replicas").Help("Replicas proposed by the configured policy, by the HPA rule and (Shadow) by an upstream HPA on the target.").Register(r);
  scale_actions_ = &BuildCounter().Name("podpilot_scale_actions_total").Help("Writes of the scale subresource.").Register(r);
  oom_kills_ = &BuildCounter().Name("podpilot_oom_kills_total").Help("OOM kills of a target's containers (pod status), each counted once.").Register(r);
  fallback_ = &BuildCounter().Name("podpilot_fallback_total").Help("Decisions taken by the HPA rule instead of the configured policy.").Register(r);
  clamps_ = &BuildCounter().Name("podpilot_safety_clamps_total").Help("Proposals changed by a safety rail.").Register(r);
  source_errors_ = &BuildCounter().Name("podpilot_source_errors_total").Help("Failed reads of a signal source.").Register(r);
  status_writes_ = &BuildCounter().Name("podpilot_status_writes_total").Help("Writes of the status subresource (only when it changed).").Register(r).Add({});
  watch_lists_ = &BuildCounter().Name("podpilot_watch_lists_total").Help("(Re)lists of a watched resource (1 at start, +1 per relist).").Register(r);
  watch_errors_ = &BuildCounter().Name("podpilot_watch_errors_total").Help("Failed lists or watches; reason gone = 410 (resourceVersion too old).").Register(r);
  write_conflicts_ = &BuildCounter().Name("podpilot_write_conflicts_total").Help("409 Conflict answers to the operator's writes, retried on a fresh read.").Register(r);
  // Counters whose label values are known up front start at 0 (Prometheus' advice on missing
  // series): rate() and dashboards see them before the first error, and a scrape shows they exist.
  for (const char* source : {"prometheus", "metrics-api", "kubernetes"}) source_errors_->Add({{"source", source}});
  for (const char* resource : {"podpilotautoscalers", "deployments", "pods", "horizontalpodautoscalers"}) {
    watch_lists_->Add({{"resource", resource}});
    for (const char* reason : {"gone", "other"}) watch_errors_->Add({{"resource", resource}, {"reason", reason}});
  }
  for (const char* sub : {"scale", "status"}) write_conflicts_->Add({{"subresource", sub}});
  rss_ = &BuildGauge().Name("process_resident_memory_bytes").Help("Resident memory size in bytes.").Register(r).Add({});
  cpu_ = &BuildCounter().Name("process_cpu_seconds_total").Help("Total user and system CPU time spent in seconds.").Register(r).Add({});
}

void OperatorMetrics::ReconcileDone(bool ok, double seconds, double api_seconds) {
  reconcile_total_->Add({{"result", ok ? "ok" : "error"}}).Increment();
  reconcile_duration_->Observe(seconds);
  reconcile_compute_->Observe(std::max(0.0, seconds - api_seconds));
}

void OperatorMetrics::SetReplicas(const std::string& ns, const std::string& name, const std::string& target, int current,
                                  int desired) {
  const prometheus::Labels l{{"namespace", ns}, {"autoscaler", name}, {"target", target}};
  current_->Add(l).Set(current);
  desired_->Add(l).Set(desired);
}

void OperatorMetrics::SetProposal(const std::string& ns, const std::string& name, const std::string& target,
                                  const std::string& policy, int replicas) {
  proposal_->Add({{"namespace", ns}, {"autoscaler", name}, {"target", target}, {"policy", policy}}).Set(replicas);
}

void OperatorMetrics::ScaleAction(const std::string& ns, const std::string& name, const std::string& target, bool up) {
  scale_actions_->Add({{"namespace", ns}, {"autoscaler", name}, {"target", target}, {"direction", up ? "up" : "down"}}).Increment();
}

void OperatorMetrics::OomKills(const std::string& ns, const std::string& name, const std::string& target, int kills) {
  oom_kills_->Add({{"namespace", ns}, {"autoscaler", name}, {"target", target}}).Increment(std::max(kills, 0));
}

void OperatorMetrics::Fallback(const std::string& ns, const std::string& name, const std::string& reason) {
  fallback_->Add({{"namespace", ns}, {"autoscaler", name}, {"reason", reason}}).Increment();
}

void OperatorMetrics::Clamp(const std::string& ns, const std::string& name, const std::string& rail) {
  clamps_->Add({{"namespace", ns}, {"autoscaler", name}, {"rail", rail}}).Increment();
}

void OperatorMetrics::SourceError(const std::string& source) { source_errors_->Add({{"source", source}}).Increment(); }

void OperatorMetrics::WatchListed(const std::string& resource) { watch_lists_->Add({{"resource", resource}}).Increment(); }

void OperatorMetrics::WatchError(const std::string& resource, bool gone) {
  watch_errors_->Add({{"resource", resource}, {"reason", gone ? "gone" : "other"}}).Increment();
}

void OperatorMetrics::WriteConflict(const std::string& subresource) {
  write_conflicts_->Add({{"subresource", subresource}}).Increment();
}

namespace {
// prometheus-cpp has no "remove by label subset"; collect the matching series and remove them.
// `also(labels)` narrows the series of the autoscaler that are removed.
template <typename T>
void RemoveMatching(prometheus::Family<T>* family, const std::string& ns, const std::string& name,
                    const std::function<bool(const prometheus::Labels&)>& also = nullptr) {
  std::vector<prometheus::Labels> drop;
  for (const auto& mf : family->Collect()) {
    for (const auto& m : mf.metric) {
      prometheus::Labels l;
      for (const auto& lp : m.label) l[lp.name] = lp.value;
      if (l["namespace"] == ns && l["autoscaler"] == name && (!also || also(l))) drop.push_back(l);
    }
  }
  for (const auto& l : drop) {
    if (family->Has(l)) family->Remove(&family->Add(l));
  }
}
}  // namespace

void OperatorMetrics::RetainProposals(const std::string& ns, const std::string& name, const std::string& policy,
                                      const std::set<std::string>& targets) {
  RemoveMatching(proposal_, ns, name, [&](const prometheus::Labels& l) {
    return l.at("policy") == policy && targets.count(l.at("target")) == 0;
  });
}

void OperatorMetrics::RetainGauges(const std::string& ns, const std::string& name, const std::set<std::string>& targets,
                                   const std::set<std::string>& policies) {
  const auto other_target = [&](const prometheus::Labels& l) { return targets.count(l.at("target")) == 0; };
  RemoveMatching(current_, ns, name, other_target);
  RemoveMatching(desired_, ns, name, other_target);
  RemoveMatching(proposal_, ns, name, [&](const prometheus::Labels& l) {
    return other_target(l) || policies.count(l.at("policy")) == 0;
  });
}

void OperatorMetrics::ForgetGauges(const std::string& ns, const std::string& name) {
  RemoveMatching(current_, ns, name);
  RemoveMatching(desired_, ns, name);
  RemoveMatching(proposal_, ns, name);
}

void OperatorMetrics::Forget(const std::string& ns, const std::string& name) {
  ForgetGauges(ns, name);
  RemoveMatching(scale_actions_, ns, name);
  RemoveMatching(oom_kills_, ns, name);
  RemoveMatching(fallback_, ns, name);
  RemoveMatching(clamps_, ns, name);
}

std::string OperatorMetrics::Serialize() const {
  rss_->Set(ProcessResidentBytes());
  const double cpu = ProcessCpuSeconds();
  {
    // A counter only goes up: add what was spent since the last scrape.
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    if (cpu > cpu_reported_) {
      cpu_->Increment(cpu - cpu_reported_);
      cpu_reported_ = cpu;
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

double ProcessResidentBytes() {
  std::ifstream in("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  in >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double ProcessCpuSeconds() {
  std::ifstream in("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const auto close = content.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(content.substr(close + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(f);
    if (i == 15) { stime = std::stod(f); break; }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace podpilot::op
