#include "policy/kpa/kpa_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace podpilot::kpa {

KpaPolicy::KpaPolicy(KpaPolicyConfig config, std::string name)
    : config_(std::move(config)), name_(std::move(name)) {}

void KpaPolicy::Reset(const PolicyContext& context) {
  targets_.clear();
  for (size_t i = 0; i < context.target_names.size(); ++i) StateFor(i);
}

KpaPolicy::TargetState& KpaPolicy::StateFor(size_t i) {
  while (targets_.size() <= i) {
    targets_.push_back({TimedBuckets(config_.stable_window_s), TimedBuckets(config_.panic_window_s),
                        std::nullopt, std::nullopt, std::nullopt});
  }
  return targets_[i];
}

std::optional<double> KpaPolicy::Sample(const TargetObservation& t) const {
  const bool rps = config_.decider.scaling_metric == ScalingMetric::kRps;
  if (t.replicas_ready > 0) return rps ? t.request_rate : t.in_flight * t.replicas_ready;
  // Activator only: it buffers the requests of a revision without ready pods.
  if (t.request_rate <= 0 && t.in_flight <= 0) return std::nullopt;
  return rps ? t.request_rate : std::max(1.0, t.in_flight);
}

Decision KpaPolicy::Decide(const Observation& obs) {
  Decision decision;
  decision.targets.resize(obs.targets.size());
  const double now = obs.time_s;
  std::string reason;
  for (size_t i = 0; i < obs.targets.size(); ++i) {
    const TargetObservation& t = obs.targets[i];
    TargetState& s = StateFor(i);

    // Collector: one record per elapsed second (the scraper ticks every second).
    if (auto v = Sample(t)) {
      const int64_t sec = static_cast<int64_t>(std::floor(now));
      int64_t from = s.last_recorded_s ? std::max(*s.last_recorded_s + 1, sec - config_.stable_window_s + 1) : sec;
      for (int64_t k = from; k <= sec; ++k) {
        s.stable.Record(static_cast<double>(k), *v);
        s.panic.Record(static_cast<double>(k), *v);
      }
      s.last_recorded_s = sec;
    }

    if (!s.autoscaler) s.autoscaler.emplace(config_.decider, t.replicas_ready, now);
    if (!s.reconciler) {
      ScalerConfig sc = config_.scaler;
      if (sc.max_scale == 0 && t.max_replicas > 0) sc.max_scale = t.max_replicas;
      s.reconciler.emplace(sc, now);
    }
    std::optional<ObservedMetrics> metrics;
    if (!s.stable.IsEmpty(now)) metrics = ObservedMetrics{s.stable.WindowAverage(now), s.panic.WindowAverage(now)};
    ScaleResult r = s.autoscaler->Scale(now, t.replicas_ready, metrics);
    KpaReconciler::Outcome out = s.reconciler->Reconcile(now, r, t.replicas_spec, t.replicas_ready);
    if (out.apply_replicas) decision.targets[i].replicas = *out.apply_replicas;

    char buf[256];
    if (metrics) {
      std::snprintf(buf, sizeof buf, "%s: %s stable=%.3f panic=%.3f target=%.3g desired=%d%s ebc=%d PA=%s%s%s",
                    t.name.c_str(), config_.decider.scaling_metric == ScalingMetric::kRps ? "rps" : "concurrency",
                    metrics->stable, metrics->panic, config_.decider.target_value, r.desired_pod_count,
                    s.autoscaler->panicking() ? " (panic)" : "", r.excess_burst_capacity,
                    PaActivityName(s.reconciler->activity()), out.note.empty() ? "" : ", ", out.note.c_str());
    } else {
      std::snprintf(buf, sizeof buf, "%s: no metric data, PA=%s%s%s", t.name.c_str(),
                    PaActivityName(s.reconciler->activity()), out.note.empty() ? "" : ", ", out.note.c_str());
    }
    reason += (reason.empty() ? "" : "; ") + std::string(buf);
  }
  decision.reason = name_ + " " + reason;
  return decision;
}

}  // namespace podpilot::kpa
