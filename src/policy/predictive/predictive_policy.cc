#include "policy/predictive/predictive_policy.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "policy/hpa/hpa_rule.h"

namespace podpilot::predictive {
namespace {

// A pod whose window-average usage is this close to its CPU limit is throttled: its usage tells
// how much CPU it got, not how much the requests needed.
constexpr double kSaturated = 0.95;
// Request rates below this (per second) carry no information about CPU per request.
constexpr double kMinRate = 1e-3;

Status Range(const char* field, double v, double lo, double hi) {
  if (std::isfinite(v) && v >= lo && v <= hi) return Status::Ok();
  return InvalidArgumentError(fmt::format("predictive: {}={} out of range [{}, {}]", field, v, lo, hi));
}

int CeilReplicas(double x) {
  if (!(x > 0)) return 0;
  // 1e-9 keeps an exact multiple (3.0000000001 from rounding) at 3.
  return static_cast<int>(std::min(std::ceil(x - 1e-9), 1e9));
}

}  // namespace

Status ValidatePredictiveOptions(const PredictiveOptions& o) {
  PP_RETURN_IF_ERROR(Range("target_utilization", o.target_utilization, 0.01, 10));
  PP_RETURN_IF_ERROR(Range("season_s", o.season_s, 0, 366 * 86400.0));
  PP_RETURN_IF_ERROR(Range("headroom", o.headroom, 0, 10));
  PP_RETURN_IF_ERROR(Range("down_window_s", o.down_window_s, 0, 86400));
  PP_RETURN_IF_ERROR(Range("recent_s", o.recent_s, 0, 86400));
  PP_RETURN_IF_ERROR(Range("tolerance", o.tolerance, 0, 0.99));
  PP_RETURN_IF_ERROR(Range("extra_horizon_s", o.extra_horizon_s, -1, 86400));
  if (!(o.capacity_alpha > 0 && o.capacity_alpha <= 1)) {
    return InvalidArgumentError(fmt::format("predictive: capacity_alpha={} out of range (0, 1]", o.capacity_alpha));
  }
  HoltWintersOptions hw = o.forecaster;
  hw.season_length = 0;  // derived in Reset
  return ValidateHoltWintersOptions(hw);
}

PredictivePolicy::PredictivePolicy(PredictiveOptions options) : options_(std::move(options)) {}

void PredictivePolicy::Reset(const PolicyContext& context) {
  context_ = context;
  states_.clear();
  plans_.clear();
  EnsureStates(context.target_names.size(), context.control_interval_s);
}

void PredictivePolicy::EnsureStates(size_t n, double control_interval_s) {
  if (states_.size() == n) return;
  HoltWintersOptions hw = options_.forecaster;
  const double ci = control_interval_s > 0 ? control_interval_s : 15.0;
  const long m = std::lround(options_.season_s / ci);
  hw.season_length = m > 1 ? static_cast<int>(std::min<long>(m, 10'000'000)) : 0;
  states_.assign(n, TargetState{HoltWinters(hw), 0, 0, false, {}, {}});
}

PredictivePolicy::TargetPlan PredictivePolicy::PlanTarget(const Observation& obs, size_t i) {
  const TargetObservation& t = obs.targets[i];
  TargetState& st = states_[i];
  TargetPlan plan;

  // 1. Forecast.
  const double rate = std::isfinite(t.request_rate) ? std::max(t.request_rate, 0.0) : 0.0;
  st.forecaster.Update(rate);
  double planned = st.forecaster.MaxForecast(horizon_steps_);
  if (!st.forecaster.seasonal() && options_.recent_s > 0) {
    st.recent.emplace_back(obs.time_s, rate);
    while (!st.recent.empty() && st.recent.front().first < obs.time_s - options_.recent_s) st.recent.pop_front();
    for (const auto& [time, r] : st.recent) planned = std::max(planned, r);
  } else {
    st.recent.clear();
  }
  plan.forecast_rps = planned * (1 + options_.headroom);

  // 2. Capacity.
  const bool saturated = t.limits.cpu > 0 && t.cpu_usage >= kSaturated * t.limits.cpu;
  if (t.replicas_ready > 0 && rate > kMinRate && !saturated && t.cpu_usage > 0) {
    const double total_cpu = t.cpu_usage * t.replicas_ready;
    if (!st.capacity_known) {
      st.cpu_avg = total_cpu;
      st.rate_avg = rate;
      st.capacity_known = true;
    } else {
      const double a = options_.capacity_alpha;
      st.cpu_avg = a * total_cpu + (1 - a) * st.cpu_avg;
      st.rate_avg = a * rate + (1 - a) * st.rate_avg;
    }
  }
  if (st.capacity_known && st.rate_avg > 0) plan.cpu_per_request = st.cpu_avg / st.rate_avg;

  // 3. Size.
  if (plan.cpu_per_request > 0 && t.requests.cpu > 0) {
    const double per_pod_rps = options_.target_utilization * t.requests.cpu / plan.cpu_per_request;
    plan.proposal = CeilReplicas(plan.forecast_rps / per_pod_rps);
  }
  // The HPA measures utilisation over ready pods and, scaling up, counts unready ones as idle:
  // ready x utilisation / target is what it asks for. Without ready pods it holds.
  plan.reactive_floor = t.replicas_spec;
  if (t.replicas_ready > 0 && t.requests.cpu > 0) {
    hpa::Tolerances tol{options_.tolerance, options_.tolerance};
    auto floor = hpa::PlainHpaRule(t.replicas_ready, std::max(t.cpu_utilization, 0.0),
                                   options_.target_utilization, tol);
    if (floor.ok()) plan.reactive_floor = *floor;
  }
  const int lo = std::max(t.min_replicas, 0), hi = std::max(t.max_replicas, lo);
  const int want = std::clamp(std::max(plan.proposal, plan.reactive_floor), lo, hi);

  // 4. Stabilise scale-down: the largest recommendation of the window (this one included).
  st.proposals.emplace_back(obs.time_s, want);
  while (!st.proposals.empty() && st.proposals.front().first < obs.time_s - options_.down_window_s) {
    st.proposals.pop_front();
  }
  if (want >= t.replicas_spec) {
    plan.desired = want;
  } else {
    int stable = want;
    for (const auto& [time, r] : st.proposals) stable = std::max(stable, r);
    plan.desired = std::min(stable, t.replicas_spec);
  }
  return plan;
}

Decision PredictivePolicy::Decide(const Observation& obs) {
  const double ci = context_.control_interval_s > 0 ? context_.control_interval_s : obs.control_interval_s;
  EnsureStates(obs.targets.size(), ci);
  const double lag = options_.extra_horizon_s >= 0 ? options_.extra_horizon_s : obs.metrics_window_s / 2;
  horizon_s_ = std::max(context_.startup_seconds_hint, 0.0) + ci + lag;
  horizon_steps_ = std::max(1, static_cast<int>(std::ceil(horizon_s_ / ci - 1e-9)));

  Decision d;
  d.targets.resize(obs.targets.size());
  plans_.assign(obs.targets.size(), {});
  std::string changes;
  size_t busiest = 0;
  for (size_t i = 0; i < obs.targets.size(); ++i) {
    const TargetObservation& t = obs.targets[i];
    const TargetPlan& p = plans_[i] = PlanTarget(obs, i);
    if (p.forecast_rps > plans_[busiest].forecast_rps) busiest = i;
    if (p.desired == t.replicas_spec) continue;
    d.targets[i].replicas = p.desired;
    const char* why = p.desired > t.replicas_spec && p.reactive_floor >= p.proposal ? ", reactive floor" : "";
    changes += fmt::format("{}{}: forecast {:.3g} rps in {:.0f} s -> {} replicas (was {}{})",
                           changes.empty() ? "" : "; ", t.name, p.forecast_rps, horizon_s_, p.desired,
                           t.replicas_spec, why);
  }
  if (!changes.empty()) {
    d.reason = "predictive: " + changes;
  } else if (!obs.targets.empty()) {
    const TargetPlan& p = plans_[busiest];
    d.reason = fmt::format("predictive: hold; busiest {}: forecast {:.3g} rps in {:.0f} s -> {} replicas",
                           obs.targets[busiest].name, p.forecast_rps, horizon_s_, p.desired);
  } else {
    d.reason = "predictive: no targets";
  }
  return d;
}

}  // namespace podpilot::predictive
