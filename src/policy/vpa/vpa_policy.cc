#include "policy/vpa/vpa_policy.h"

#include <cmath>
#include <cstdio>
#include <set>

namespace podpilot::vpa {
namespace {

// Loops run when at least their interval has passed; a millisecond of slack absorbs float noise
// in observation times (15 s control ticks landing on a 60 s loop).
constexpr double kSlackS = 1e-3;

bool Due(const std::optional<double>& last_s, double interval_s, double now_s) {
  return !last_s || now_s - *last_s >= interval_s - kSlackS;
}

int64_t ToMilli(double x) { return std::llround(x * 1000.0); }

std::string FormatCpu(ResourceAmount millicores) { return std::to_string(millicores) + "m"; }

std::string FormatMemory(ResourceAmount bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fMi", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string Describe(const RecommendedContainerResources& r) {
  return "target cpu=" + FormatCpu(r.target.cpu) + " mem=" + FormatMemory(r.target.memory) + " (cpu [" +
         FormatCpu(r.lower_bound.cpu) + ", " + FormatCpu(r.upper_bound.cpu) + "], mem [" +
         FormatMemory(r.lower_bound.memory) + ", " + FormatMemory(r.upper_bound.memory) + "])";
}

std::string PodKey(size_t index) { return "pod#" + std::to_string(index); }

bool IsLive(const PodSample& p) { return !p.deleting && p.phase != PodSample::Phase::kFailed; }

}  // namespace

const char* UpdateModeName(UpdateMode mode) {
  switch (mode) {
    case UpdateMode::kOff: return "Off";
    case UpdateMode::kInitial: return "Initial";
    case UpdateMode::kRecreate: return "Recreate";
    case UpdateMode::kInPlaceOrRecreate: return "InPlaceOrRecreate";
  }
  return "?";
}

VpaPolicy::VpaPolicy(VpaPolicyConfig config, std::string name)
    : config_(std::move(config)), name_(std::move(name)) {}

void VpaPolicy::Reset(const PolicyContext& context) {
  targets_.clear();
  targets_.resize(context.target_names.size());
}

VpaPolicy::TargetState& VpaPolicy::StateFor(size_t i) {
  if (targets_.size() <= i) targets_.resize(i + 1);
  TargetState& s = targets_[i];
  if (!s.aggregate) {
    s.aggregate = std::make_unique<AggregateContainerState>(config_.aggregations);
    s.limiter = EvictionRateLimiter(config_.eviction_rate_limit, config_.eviction_rate_burst);
  }
  return s;
}

std::optional<RecommendedContainerResources> VpaPolicy::recommendation(size_t i) const {
  return i < targets_.size() ? targets_[i].recommendation : std::nullopt;
}

void VpaPolicy::RunRecommender(TargetState& s, const TargetObservation& t, double now_s,
                               double metrics_window_s) {
  const ResourceAmount cpu_request = CpuAmountFromCores(t.requests.cpu);
  auto feed = [&](const std::string& key, double window_start_s, double cpu_cores, double memory_bytes) {
    auto it = s.containers.try_emplace(key, s.aggregate.get(), config_.aggregations).first;
    it->second.AddSample({window_start_s, CpuAmountFromCores(cpu_cores), cpu_request, ResourceKind::kCpu});
    it->second.AddSample({window_start_s, MemoryAmountFromBytes(memory_bytes), 0, ResourceKind::kMemory});
  };

  // Samples: one per pod with metrics, or synthetic per-ready-pod averages.
  std::string heaviest_key;
  double heaviest_memory = -1;
  std::set<std::string> live_keys;
  if (!t.pods.empty()) {
    for (size_t k = 0; k < t.pods.size(); ++k) {
      const PodSample& p = t.pods[k];
      live_keys.insert(PodKey(k));
      if (!IsLive(p) || p.phase != PodSample::Phase::kRunning || !p.has_metrics) continue;
      // A producer that leaves the window start unset (NaN) still gets one sample per run.
      const double start = std::isnan(p.metric_window_start_s) ? now_s - metrics_window_s : p.metric_window_start_s;
      feed(PodKey(k), start, p.cpu_usage, p.memory_usage);
      if (p.memory_usage > heaviest_memory) {
        heaviest_memory = p.memory_usage;
        heaviest_key = PodKey(k);
      }
    }
  } else {
    for (int k = 0; k < t.replicas_ready; ++k) {
      std::string key = "avg#" + std::to_string(k);
      live_keys.insert(key);
      feed(key, now_s - metrics_window_s, t.cpu_usage, t.memory_usage);
      if (heaviest_key.empty()) heaviest_key = key;
    }
  }
  // Pods that disappeared take their state with them (the aggregate keeps the history).
  live_keys.insert("oom");
  std::erase_if(s.containers, [&](const auto& kv) { return !live_keys.count(kv.first); });

  // OOM kills since the last run, attributed to the pod with the highest working set.
  if (s.pending_ooms > 0) {
    std::string key = heaviest_key.empty() ? "oom" : heaviest_key;
    auto it = s.containers.try_emplace(key, s.aggregate.get(), config_.aggregations).first;
    for (int k = 0; k < s.pending_ooms; ++k) {
      (void)it->second.RecordOom(now_s, MemoryAmountFromBytes(t.requests.memory));  // stale ones are dropped
    }
    s.pending_ooms = 0;
  }

  if (s.aggregate->total_samples_count() > 0) {
    s.recommendation = ApplyContainerPolicy(EstimateContainerResources(*s.aggregate, 1, config_.recommender),
                                            config_.container_policy);
  }
}

int VpaPolicy::RunUpdater(TargetState& s, const TargetObservation& t, double now_s, std::string* why) {
  const RecommendedContainerResources& rec = *s.recommendation;
  ContainerRecommendation crec{"app", std::nullopt, std::nullopt};
  if (config_.control_cpu) crec.cpu = ResourceRecommendation{rec.target.cpu, rec.lower_bound.cpu, rec.upper_bound.cpu};
  if (config_.control_memory) {
    crec.memory = ResourceRecommendation{rec.target.memory * 1000, rec.lower_bound.memory * 1000,
                                         rec.upper_bound.memory * 1000};
  }
  ContainerRequests requests{"app", std::nullopt, std::nullopt};
  if (t.requests.cpu > 0) requests.cpu_milli = ToMilli(t.requests.cpu);
  if (t.requests.memory > 0) requests.memory_milli = ToMilli(t.requests.memory);
  // Every pod runs the current template, so they share one priority.
  PodPriority priority = GetUpdatePriority({requests}, {crec});

  UpdatePriorityCalculator calc(config_.update);
  int live = 0, pending = 0;
  std::map<std::string, bool> pending_by_id;
  if (!t.pods.empty()) {
    for (size_t k = 0; k < t.pods.size(); ++k) {
      const PodSample& p = t.pods[k];
      if (!IsLive(p)) continue;
      ++live;
      bool is_pending = p.phase == PodSample::Phase::kPending;
      pending += is_pending;
      UpdateCandidate c{PodKey(k), priority, std::nullopt, std::nullopt};
      if (p.start_time_s >= 0) c.start_time_s = p.start_time_s;
      if (s.oom_run_duration_s && s.oom_pod_key == c.id) c.last_oom_run_duration_s = s.oom_run_duration_s;
      if (calc.AddPod(c, now_s)) pending_by_id[c.id] = is_pending;
    }
  } else {
    live = t.replicas_ready + t.replicas_starting + t.replicas_pending;
    pending = t.replicas_pending;
    for (int k = 0; k < t.replicas_ready; ++k) {
      UpdateCandidate c{"avg#" + std::to_string(k), priority, std::nullopt, std::nullopt};
      if (s.oom_run_duration_s && k == 0) c.last_oom_run_duration_s = s.oom_run_duration_s;
      if (calc.AddPod(c, now_s)) pending_by_id[c.id] = false;
    }
  }
  s.oom_run_duration_s.reset();

  auto restriction = EvictionRestriction::ForGroup(live, pending, t.replicas_spec, config_.min_replicas,
                                                   config_.eviction_tolerance);
  if (!restriction) {
    *why = "too few replicas (" + std::to_string(live) + " < min-replicas " + std::to_string(config_.min_replicas) + ")";
    return 0;
  }
  if (pending_by_id.empty()) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "no pod needs an update (diff %.3f, in range)", priority.resource_diff);
    *why = buf;
    return 0;
  }
  int evicted = 0;
  for (const UpdateCandidate& c : calc.GetSortedPods()) {
    bool is_pending = pending_by_id.at(c.id);
    if (!restriction->CanEvict(is_pending)) continue;
    // Upstream blocks on the limiter within the loop; a token bucket checked per eviction spreads
    // the same budget over later loops instead.
    if (!s.limiter.Allow(now_s)) break;
    restriction->RecordEviction(is_pending);
    ++evicted;
  }
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s %d of %zu admitted pods (diff %.3f%s)",
                config_.mode == UpdateMode::kInPlaceOrRecreate ? "resize" : "evict", evicted,
                pending_by_id.size(), priority.resource_diff, priority.outside_recommended_range ? ", outside bounds" : "");
  *why = buf;
  return evicted;
}

TargetDecision VpaPolicy::Apply(const TargetState& s, const TargetObservation& t) const {
  const RecommendedContainerResources& rec = *s.recommendation;
  TargetDecision d;
  d.set_resources = true;
  d.requests = t.requests;
  d.limits = t.limits;
  if (config_.control_cpu) {
    d.requests.cpu = CoresFromCpuAmount(rec.target.cpu);
    if (!config_.requests_only) {
      auto lim = ProportionalLimitMilli(ToMilli(t.limits.cpu), ToMilli(t.requests.cpu), rec.target.cpu);
      d.limits.cpu = lim ? static_cast<double>(*lim) / 1000.0 : t.limits.cpu;
    }
  }
  if (config_.control_memory) {
    d.requests.memory = BytesFromMemoryAmount(rec.target.memory);
    if (!config_.requests_only) {
      auto lim = ProportionalLimitMilli(ToMilli(t.limits.memory), ToMilli(t.requests.memory), rec.target.memory * 1000);
      d.limits.memory = lim ? static_cast<double>(*lim) / 1000.0 : t.limits.memory;
    }
  }
  return d;
}

Decision VpaPolicy::Decide(const Observation& obs) {
  Decision decision;
  decision.targets.resize(obs.targets.size());
  const double now = obs.time_s;
  std::string reason;
  for (size_t i = 0; i < obs.targets.size(); ++i) {
    const TargetObservation& t = obs.targets[i];
    TargetState& s = StateFor(i);
    if (t.oom_kills > 0) {
      s.pending_ooms += t.oom_kills;
      // Quick-OOM evidence: the heaviest pod, run time since its container start.
      const PodSample* heaviest = nullptr;
      for (size_t k = 0; k < t.pods.size(); ++k) {
        if (t.pods[k].has_metrics && (!heaviest || t.pods[k].memory_usage > heaviest->memory_usage)) {
          heaviest = &t.pods[k];
          s.oom_pod_key = PodKey(k);
        }
      }
      if (t.pods.empty()) s.oom_pod_key = "avg#0";
      s.oom_run_duration_s = heaviest && heaviest->start_time_s >= 0 ? now - heaviest->start_time_s : 0.0;
    }
    if (Due(s.last_recommender_s, config_.recommender_interval_s, now)) {
      RunRecommender(s, t, now, obs.metrics_window_s);
      s.last_recommender_s = now;
    }
    std::string part = t.name + ": ";
    if (!s.recommendation) {
      part += "no recommendation yet";
    } else {
      part += Describe(*s.recommendation);
      switch (config_.mode) {
        case UpdateMode::kOff:
          part += "; Off: not applied";
          break;
        case UpdateMode::kInitial:
          part += "; Initial: applies to pods created from now on, running pods unchanged";
          break;
        case UpdateMode::kRecreate:
        case UpdateMode::kInPlaceOrRecreate:
          if (Due(s.last_updater_s, config_.updater_interval_s, now)) {
            s.last_updater_s = now;
            std::string why;
            int n = RunUpdater(s, t, now, &why);
            part += std::string("; ") + UpdateModeName(config_.mode) + ": " + why;
            if (n > 0) decision.targets[i] = Apply(s, t);
          }
          break;
      }
    }
    reason += (reason.empty() ? "" : "; ") + part;
  }
  decision.reason = name_ + " " + reason;
  return decision;
}

}  // namespace podpilot::vpa
