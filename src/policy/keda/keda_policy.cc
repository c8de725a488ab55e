#include "policy/keda/keda_policy.h"

#include <cmath>
#include <cstdio>

#include "policy/hpa/observation_metrics.h"
#include "policy/keda/keda_executor.h"
#include "policy/keda/keda_fallback.h"
#include "policy/keda/keda_metric.h"

namespace podpilot::keda {
namespace {

constexpr double kSlackS = 1e-3;  // float noise in observation times

bool Due(const std::optional<Time>& last_s, double interval_s, Time now_s) {
  return !last_s || now_s - *last_s >= interval_s - kSlackS;
}

}  // namespace

KedaPolicy::KedaPolicy(KedaPolicyConfig config, std::string name)
    : config_(std::move(config)), name_(std::move(name)) {}

void KedaPolicy::Reset(const PolicyContext& /*context*/) { targets_.clear(); }

KedaPolicy::TargetState& KedaPolicy::StateFor(size_t i, const std::string& target_name, Time now_s) {
  if (targets_.size() <= i) targets_.resize(i + 1);
  TargetState& s = targets_[i];
  if (!s.hpa) {
    s.status.creation_time_s = now_s;
    s.hpa = config_.plain_hpa ? MakePlainKedaHpa() : MakeHpaCoreKedaHpa("keda-hpa-" + target_name);
  }
  return s;
}

std::optional<double> KedaPolicy::ReadTrigger(const Observation& obs, const TargetObservation& t) const {
  double v = 0;
  switch (config_.source) {
    case TriggerSource::kRequestRate: v = t.request_rate; break;
    case TriggerSource::kInFlight: v = t.in_flight * t.replicas_ready; break;
    case TriggerSource::kLatencyP95Ms: v = t.latency_p95_ms; break;
    case TriggerSource::kErrorRate: v = t.error_rate; break;
    case TriggerSource::kEntryRequestRate: v = obs.request_rate; break;
  }
  if (std::isnan(v)) return std::nullopt;
  return v;
}

Decision KedaPolicy::Decide(const Observation& obs) {
  Decision decision;
  decision.targets.resize(obs.targets.size());
  const Time now = obs.time_s;
  const TriggerSpec& trig = config_.trigger;
  std::string reason;
  for (size_t i = 0; i < obs.targets.size(); ++i) {
    const TargetObservation& t = obs.targets[i];
    TargetState& s = StateFor(i, t.name, now);
    const std::optional<double> value = ReadTrigger(obs, t);
    const int32_t current = t.replicas_spec;
    std::optional<int32_t> set;
    char buf[160];
    if (value) {
      std::snprintf(buf, sizeof buf, "%s: %s=%.3f (threshold %g, activation %g)", t.name.c_str(),
                    trig.metric_name.c_str(), *value, trig.threshold, trig.activation_threshold);
    } else {
      std::snprintf(buf, sizeof buf, "%s: %s unavailable", t.name.c_str(), trig.metric_name.c_str());
    }
    std::string part = buf;

    // KEDA's scale loop.
    if (Due(s.last_poll_s, config_.scaled_object.polling_interval_s, now)) {
      s.last_poll_s = now;
      const bool active = value && IsTriggerActive(*value, trig.activation_threshold);
      ScaleAction a = RequestScale(config_.scaled_object, s.status, active, !value, current, now);
      part += "; keda: " + a.note;
      if (a.set_replicas && *a.set_replicas != current) set = a.set_replicas;
    }

    // The generated HPA, unless KEDA just wrote the scale.
    if (!set && Due(s.last_hpa_s, config_.hpa_sync_period_s, now)) {
      s.last_hpa_s = now;
      KedaHpaMetric m{ExternalMetricName(0, trig.metric_name), std::nullopt, TargetMilli(trig.threshold),
                      trig.metric_type};
      if (value) {
        s.status.consecutive_failures = 0;
        m.value_milli = MetricValueMilli(*value);
      } else {
        ++s.status.consecutive_failures;
        if (ShouldFallBack(config_.scaled_object, s.status.consecutive_failures)) {
          m.value_milli = FallbackMetricMilli(trig.threshold, trig.metric_type, *config_.scaled_object.fallback,
                                              current, t.replicas_ready);
          part += "; fallback metric";
        }
      }
      const auto& so = config_.scaled_object;
      KedaHpaInput in{now, current, hpa::ScaleFromTarget(t).status_replicas, t.replicas_ready,
                      so.HpaMinReplicas(), so.max_replica_count ? *so.max_replica_count
                                                                : (t.max_replicas > 0 ? t.max_replicas : 100),
                      {m}};
      KedaHpaResult r = s.hpa->Reconcile(in);
      std::snprintf(buf, sizeof buf, "; hpa: proposal %d -> %d", r.proposal, r.desired_replicas);
      part += buf;
      if (!r.error.ok()) part += " (" + r.error.message() + ")";
      if (r.rescaled && r.desired_replicas != current) set = r.desired_replicas;
    }
    if (set) decision.targets[i].replicas = *set;
    reason += (reason.empty() ? "" : "; ") + part;
  }
  decision.reason = name_ + " " + reason;
  return decision;
}

}  // namespace podpilot::keda
