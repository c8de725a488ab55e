#include "sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace podpilot {
namespace {

constexpr double kLatMinMs = 0.1;
constexpr double kLatBinsPerDecade = 200.0;  // 8 decades over 1600 bins

int LatencyBin(double ms) {
  if (!(ms > kLatMinMs)) return 0;
  int b = static_cast<int>(std::log10(ms / kLatMinMs) * kLatBinsPerDecade);
  return std::min(b, RunTotals::kLatencyBins - 1);
}

}  // namespace

double RunTotals::LatencyQuantileMs(double p) const {
  double total = 0;
  for (double w : latency_hist) total += w;
  if (total <= 0) return 0;
  double acc = 0;
  for (int b = 0; b < kLatencyBins; ++b) {
    const double next = acc + latency_hist[b];
    if (next >= p * total) {
      const double frac = latency_hist[b] > 0 ? (p * total - acc) / latency_hist[b] : 0.5;
      return kLatMinMs * std::pow(10.0, (b + frac) / kLatBinsPerDecade);
    }
    acc = next;
  }
  return kLatMinMs * std::pow(10.0, kLatencyBins / kLatBinsPerDecade);
}

Simulator::Simulator(std::shared_ptr<const AppModel> app, SimConfig config)
    : app_(std::move(app)), config_(std::move(config)) {
  // Observe reads back the metrics window and the last control interval (OOM kills, the classes),
  // both ending `lag` seconds ago.
  const double lookback = std::max(config_.metrics_window_s, config_.control_interval_s) + config_.metrics_lag_s + 2;
  if (config_.metrics_window_s < 1 || lookback > kMaxRing) {
    throw std::invalid_argument("simulator: max(metrics window " + std::to_string(config_.metrics_window_s) +
                                " s, control interval " + std::to_string(config_.control_interval_s) +
                                " s) + metrics lag " + std::to_string(config_.metrics_lag_s) + " s must lie within [1, " +
                                std::to_string(kMaxRing - 2) + "] s");
  }
  while (ring_size_ < lookback) ring_size_ *= 2;
  const size_t n = app_->services.size();
  if (config_.targets.empty()) {
    for (size_t i = 0; i < n; ++i) target_services_.push_back(static_cast<int>(i));
  } else {
    for (const auto& name : config_.targets) {
      int i = app_->ServiceIndex(name);
      if (i < 0) throw std::invalid_argument("target '" + name + "' is not a service of " + app_->name);
      target_services_.push_back(i);
    }
  }
  services_.resize(n);
  plans_ = std::make_unique<CallPlans>(*app_, config_.force_tree_walk);
}

void Simulator::Reset(std::shared_ptr<const std::vector<double>> arrivals, uint64_t seed, double start_tod,
                      int start_dow, std::shared_ptr<const std::vector<double>> rates) {
  if (rates && rates->size() != arrivals->size()) {
    throw std::invalid_argument("simulator: rates and arrivals differ in length");
  }
  arrivals_ = std::move(arrivals);
  rates_ = std::move(rates);
  rng_.Seed(Rng::Derive(seed, 0x5133));
  start_tod_ = start_tod;
  start_dow_ = start_dow;
  t_ = 0;
  cluster_.Reset(app_->cluster);
  const size_t n = app_->services.size();
  for (size_t s = 0; s < n; ++s) services_[s].Reset(app_->services[s], static_cast<int>(s), &cluster_, &rng_, 0.0);
  backlog_work_.assign(n, 0.0);
  sec_per_core_.assign(n, 0.0);
  wait_ms_.assign(n, 0.0);
  scv_.assign(n, 1.0);
  v2_.assign(n, 0.0);
  subtree_mean_.assign(n, 0.0);
  subtree_m2_.assign(n, 0.0);
  err_frac_.assign(n, 0.0);
  tick_.assign(n, ServiceTick{});
  class_tick_.assign(app_->classes.size(), ClassTick{});
  cum_.assign(n, Cum{});
  ring_.assign(n * static_cast<size_t>(ring_size_), Cum{});
  interval_ = IntervalTotals{};
  class_interval_.assign(app_->classes.size(), ClassInterval{});
  class_last_.assign(app_->classes.size(), ClassInterval{});
  if (config_.metrics_lag_s > 0) {
    class_cum_.assign(app_->classes.size(), ClassInterval{});
    class_ring_.assign(app_->classes.size() * static_cast<size_t>(ring_size_), ClassInterval{});
  }
  totals_ = RunTotals{};
}

int Simulator::Apply(const Decision& decision) {
  const double now = Now();
  int changes = 0;
  bool any = false;
  const size_t k = std::min(decision.targets.size(), target_services_.size());
  for (size_t i = 0; i < k; ++i) {
    const TargetDecision& d = decision.targets[i];
    ServiceState& svc = services_[target_services_[i]];
    const ServiceModel& m = svc.model();
    if (d.set_resources) {
      Resources req = d.requests, lim = d.limits;
      // Guard rails of the world itself: positive requests, limits not below requests.
      req.cpu = std::max(req.cpu, 1e-3);
      req.memory = std::max(req.memory, 1e6);
      lim.cpu = std::max(lim.cpu, req.cpu);
      lim.memory = std::max(lim.memory, req.memory);
      if (!(req == svc.requests() && lim == svc.limits())) {
        svc.SetResources(req, lim, app_->cluster.in_place_resize, now);
        ++totals_.resource_changes;
        any = true;
      }
    }
    if (d.replicas != TargetDecision::kKeep) {
      const int want = std::clamp(d.replicas, m.min_replicas, m.max_replicas);
      if (want != svc.desired()) {
        changes += std::abs(want - svc.desired());
        services_[target_services_[i]].SetDesired(want);
        services_[target_services_[i]].Reconcile(now);
        any = true;
      }
    }
  }
  if (any) ++totals_.scaling_actions;
  totals_.replica_changes += changes;
  interval_.replica_changes += changes;
  return changes;
}

void Simulator::UpdateService(int s, double entry, double rate) {
  ServiceState& svc = services_[s];
  const ServiceModel& m = svc.model();
  const double now = Now();
  ServiceTick& tk = tick_[s];
  // Counted arrivals weigh requests, errors and CPU used; the queue is driven by the mean rate,
  // because the M/M/1-PS formulas already account for Poisson arrivals within the second (driving
  // them with Poisson counts would count that variability twice).
  const double visits = entry * plans_->visit_factor(s);
  const double rate_visits = rate * plans_->visit_factor(s);
  const double work = rate * plans_->cpu_factor(s);  // core-seconds per second offered
  const int n = svc.ready();
  const double cap = svc.ready_capacity();     // cores for requests over ready pods
  double served = 0, errors = 0, rho = 0, wait_s = 0, slow = 1.0;
  if (n == 0) {
    // No endpoint: every visit fails fast (503), queued work is lost.
    errors = rate_visits + (plans_->mean_cpu(s) > 0 ? backlog_work_[s] / plans_->mean_cpu(s) : 0);
    backlog_work_[s] = 0;
  } else {
    const double total = work + backlog_work_[s];
    if (total <= kMaxStationaryRho * cap) {
      served = total;
      wait_s = backlog_work_[s] / cap;  // arrivals queue behind the last of the backlog
      backlog_work_[s] = 0;
      rho = work / cap;
      slow = 1.0 / (1.0 - rho);
    } else {
      served = kMaxStationaryRho * cap;
      double backlog = total - served;
      wait_s = backlog / cap;
      const double timeout_s = m.timeout_ms * 1e-3;
      if (wait_s > timeout_s) {
        const double dropped = backlog - timeout_s * cap;
        errors = dropped / plans_->mean_cpu(s);
        backlog = timeout_s * cap;
        wait_s = timeout_s;
      }
      backlog_work_[s] = backlog;
      rho = 1.0;
      slow = 1.0 / (1.0 - kMaxStationaryRho);
    }
  }
  const double per_pod_cap = n > 0 ? cap / n : 1.0;
  sec_per_core_[s] = slow / per_pod_cap;
  err_frac_[s] = rate_visits > 0 ? std::min(1.0, errors / rate_visits) : (n == 0 ? 1.0 : 0.0);
  any_errors_ = any_errors_ || err_frac_[s] > 0;

  tk.visits = visits;
  tk.errors = err_frac_[s] * visits;
  tk.rho = rho;
  tk.visit_mean_ms = plans_->mean_cpu(s) * sec_per_core_[s] * 1e3 + wait_s * 1e3;
  tk.visit_scv = PsSojournScv(rho, m.cpu_cv);
  tk.wait_ms = wait_s * 1e3;
  wait_ms_[s] = tk.wait_ms;
  scv_[s] = tk.visit_scv;
  v2_[s] = sec_per_core_[s] * sec_per_core_[s] * tk.visit_scv;
  // CPU actually used follows the counted arrivals, never beyond the ready capacity.
  const double ready_cpu = n * m.base_cpu + std::min(rate > 0 ? served * entry / rate : 0.0, cap);
  tk.cpu_usage = ready_cpu + (svc.starting() > 0 ? svc.NotReadyCpu(now) : 0.0);
  // Requests in flight, averaged over the tick, = (sum of the tick's visits' times in the service)
  // / 1 s = counted visits x mean time in the service (the visits are short beside the tick). It
  // follows the counted arrivals, not the mean rate, as Knative's queue-proxy's averaged concurrency
  // does: a concurrency autoscaler sees the arrivals' noise, and the working set carries it.
  const double inflight = visits * (plans_->mean_cpu(s) * sec_per_core_[s] + wait_s);
  const double inflight_per_pod = n > 0 ? inflight / n : 0;
  tk.working_set = m.base_memory + m.memory_per_inflight * inflight_per_pod;

  Cum& c = cum_[s];
  c.cpu_ready += ready_cpu;
  c.ready_pod_s += n;
  c.visits += visits;
  c.errors += tk.errors;
  c.inflight += inflight;
  c.mem += tk.working_set * n;

  if (n > 0 && tk.working_set * svc.max_mem_factor_ready() > std::min(svc.limits().memory, m.limits.memory) * 0.999) {
    const int killed = svc.OomKill(now, tk.working_set);
    c.oom += killed;
    totals_.oom_kills += killed;
    interval_.oom_kills += killed;
  }
  svc.cpu_seconds_per_ready_pod += n > 0 ? ready_cpu / n : 0;
}

void Simulator::UpdateClasses(double entry) {
  for (size_t c = 0; c < app_->classes.size(); ++c) {
    const RequestClass& rc = app_->classes[c];
    const double n = entry * rc.weight;
    const Moments e2e = plans_->ClassMoments(static_cast<int>(c), sec_per_core_.data(), wait_ms_.data(), scv_.data(),
                                             v2_.data(), n, subtree_mean_.data(), subtree_m2_.data());
    double p_ok = 1.0;
    if (any_errors_) {
      double log_ok = 0;
      for (const auto& [s, v] : plans_->class_visits(static_cast<int>(c))) {
        if (err_frac_[s] >= 1.0) { log_ok = -1e300; break; }
        if (err_frac_[s] > 0) log_ok += v * std::log1p(-err_frac_[s]);
      }
      p_ok = std::exp(log_ok);
    }
    const double scv = e2e.mean > 0 ? std::max(1e-4, e2e.var / (e2e.mean * e2e.mean)) : 1.0;
    const double within = GammaWithinProbability(e2e.mean, scv, rc.slo_ms);
    // Requests still running at the entry service's timeout are errors too.
    const double timeout_ms = app_->services[rc.root.service].timeout_ms;
    const double late = 1.0 - GammaWithinProbability(e2e.mean, scv, timeout_ms);
    ClassTick& ct = class_tick_[c];
    ct.requests = n;
    ct.ok = n * p_ok * std::min(within, 1.0 - late);
    ct.errors = n * (1.0 - p_ok * (1.0 - late));
    ct.mean_ms = e2e.mean;
    ct.scv = scv;
    class_interval_[c].Add(n, ct.ok, ct.errors, e2e.mean, e2e.var);
    if (!class_cum_.empty()) class_cum_[c].Add(n, ct.ok, ct.errors, e2e.mean, e2e.var);
    interval_.requests += n;
    interval_.ok_within_slo += ct.ok;
    interval_.errors += ct.errors;
  }
}

void Simulator::Tick() {
  const double now = Now();
  const double entry = (*arrivals_)[static_cast<size_t>(t_)];
  const double rate = rates_ ? (*rates_)[static_cast<size_t>(t_)] : entry;
  // Pod lifecycle first: transitions due now take effect for this second's traffic.
  int unschedulable = 0;
  Resources largest;
  for (auto& svc : services_) {
    if (now >= svc.next_event_s()) svc.Advance(now);
    if (svc.pending() > 0) {
      unschedulable += svc.pending();
      Resources r = svc.LargestPendingRequest();
      largest.cpu = std::max(largest.cpu, r.cpu);
      largest.memory = std::max(largest.memory, r.memory);
    }
  }
  if (cluster_.Tick(now, unschedulable, largest)) {
    for (auto& svc : services_) {
      if (svc.pending() > 0) svc.SchedulePending(now);
    }
  }
  any_errors_ = false;
  for (size_t s = 0; s < services_.size(); ++s) UpdateService(static_cast<int>(s), entry, rate);
  plans_->LinearSubtrees(entry, sec_per_core_.data(), wait_ms_.data(), v2_.data(), subtree_mean_.data(),
                         subtree_m2_.data());
  UpdateClasses(entry);  // walked classes add their visits to the subtree sums

  // Cost and usage accounting.
  double req_cpu = 0, req_mem = 0, pods = 0, cpu_used = 0, mem_used = 0;
  for (size_t s = 0; s < services_.size(); ++s) {
    const ServiceState& svc = services_[s];
    req_cpu += svc.requested_cpu();
    req_mem += svc.requested_memory();
    pods += svc.existing();
    cpu_used += tick_[s].cpu_usage;
    mem_used += tick_[s].working_set * svc.ready();
    tick_[s].subtree_mean_ms = subtree_mean_[s];
    tick_[s].subtree_m2 = subtree_m2_[s];
    Cum& c = cum_[s];
    c.lat_w += tick_[s].visits;
    c.lat_sum += tick_[s].subtree_mean_ms;
    c.lat_m2 += tick_[s].subtree_m2;
    ring_[s * ring_size_ + static_cast<size_t>((t_ + 1) & (ring_size_ - 1))] = c;
  }
  for (size_t c = 0; c < class_cum_.size(); ++c) {
    class_ring_[c * ring_size_ + static_cast<size_t>((t_ + 1) & (ring_size_ - 1))] = class_cum_[c];
  }
  const AppModel& a = *app_;
  const double cost = (req_cpu * a.cluster.price_cpu_core_hour + req_mem / (1024.0 * 1024 * 1024) *
                       a.cluster.price_memory_gib_hour) / 3600.0;
  totals_.cost += cost;
  totals_.node_cost += cluster_.NodeCostRatePerHour() / 3600.0;
  totals_.pod_seconds += pods;
  totals_.cpu_usage_core_seconds += cpu_used;
  totals_.cpu_request_core_seconds += req_cpu;
  totals_.memory_usage_byte_seconds += mem_used;
  totals_.memory_request_byte_seconds += req_mem;
  totals_.sim_seconds += 1;
  interval_.cost += cost;
  interval_.seconds += 1;
  ++t_;
}

IntervalTotals Simulator::TakeInterval() {
  bool met = true;
  for (size_t c = 0; c < class_interval_.size(); ++c) {
    const ClassInterval& ci = class_interval_[c];
    if (ci.requests <= 0) continue;
    const double mean = ci.sum / ci.requests;
    const double var = std::max(0.0, ci.m2 / ci.requests - mean * mean);
    const double scv = mean > 0 ? std::max(1e-4, var / (mean * mean)) : 1.0;
    double pts[kQuantilePoints];
    GammaQuantilePoints(mean, scv, pts);
    // Only completed requests have a latency.
    for (int i = 0; i < kQuantilePoints; ++i) totals_.latency_hist[LatencyBin(pts[i])] += ci.ok * kQuantilePointWeight[i];
    met = met && ci.errors / ci.requests < 0.05 && GammaQuantile(mean, scv, 0.95) <= app_->classes[c].slo_ms;
  }
  totals_.requests += interval_.requests;
  totals_.ok_within_slo += interval_.ok_within_slo;
  totals_.errors += interval_.errors;
  totals_.intervals += 1;
  totals_.intervals_meeting_slo += met;
  class_last_ = class_interval_;
  for (auto& ci : class_interval_) ci = ClassInterval{};
  IntervalTotals out = interval_;
  interval_ = IntervalTotals{};
  return out;
}

Simulator::ClassInterval Simulator::LaggedClassInterval(size_t c, int64_t from, int64_t to) const {
  // Ticks before 0 read the zero sums the ring starts with (index 0 holds t = 0).
  auto at = [&](int64_t t) -> const ClassInterval& {
    return class_ring_[c * ring_size_ + static_cast<size_t>(std::max<int64_t>(t, 0) & (ring_size_ - 1))];
  };
  const ClassInterval& a = at(from);
  const ClassInterval& b = at(to);
  return ClassInterval{b.requests - a.requests, b.ok - a.ok, b.errors - a.errors, b.sum - a.sum, b.m2 - a.m2};
}

const Simulator::Cum& Simulator::CumAt(int s, int64_t t) const {
  return ring_[static_cast<size_t>(s) * ring_size_ + static_cast<size_t>(std::max<int64_t>(t, 0) & (ring_size_ - 1))];
}

template <typename IntervalOf>
void Simulator::FillClasses(Observation* obs, double control_interval_s, IntervalOf interval) const {
  obs->classes.resize(app_->classes.size());
  double req = 0, ok = 0, p95w = 0;
  for (size_t c = 0; c < app_->classes.size(); ++c) {
    const ClassInterval ci = interval(c);
    ClassObservation& co = obs->classes[c];
    co.name = app_->classes[c].name;
    co.slo_ms = app_->classes[c].slo_ms;
    co.request_rate = ci.requests / control_interval_s;
    co.error_rate = ci.errors / control_interval_s;
    co.slo_attainment = ci.requests > 0 ? ci.ok / ci.requests : 1.0;
    if (ci.requests > 0) {
      const double mean = ci.sum / ci.requests;
      const double var = std::max(0.0, ci.m2 / ci.requests - mean * mean);
      co.latency_mean_ms = mean;
      co.latency_p95_ms = GammaQuantile(mean, mean > 0 ? std::max(1e-4, var / (mean * mean)) : 1.0, 0.95);
    } else {
      co.latency_mean_ms = co.latency_p95_ms = 0;
    }
    req += ci.requests;
    ok += ci.ok;
    p95w += ci.requests * co.latency_p95_ms;
  }
  obs->request_rate = req / control_interval_s;
  obs->slo_attainment = req > 0 ? ok / req : 1.0;
  obs->latency_p95_ms = req > 0 ? p95w / req : 0;
}

void Simulator::ObserveLastInterval(Observation* obs, double control_interval_s) const {
  FillClasses(obs, control_interval_s, [&](size_t c) { return class_last_[c]; });
}

void Simulator::Observe(Observation* obs, double control_interval_s) const {
  if (control_interval_s > config_.control_interval_s) {
    // The rings hold SimConfig::control_interval_s of look-back: a longer interval would wrap.
    throw std::logic_error("simulator: Observe over " + std::to_string(control_interval_s) +
                           " s, but SimConfig::control_interval_s is " + std::to_string(config_.control_interval_s));
  }
  const double now = Now();
  obs->time_s = now;
  obs->control_interval_s = control_interval_s;
  obs->metrics_window_s = config_.metrics_window_s;
  const double tod = std::fmod(start_tod_ + now, 86400.0);
  obs->time_of_day_s = tod;
  obs->day_of_week = std::fmod(start_dow_ + std::floor((start_tod_ + now) / 86400.0), 7.0);

  // Classes: the interval that just ended, or with a lag the control interval ending `lag` ago.
  const int64_t lag = static_cast<int64_t>(config_.metrics_lag_s);
  const int64_t interval = static_cast<int64_t>(control_interval_s);
  if (lag > 0) {
    FillClasses(obs, control_interval_s, [&](size_t c) { return LaggedClassInterval(c, t_ - lag - interval, t_ - lag); });
  } else {
    FillClasses(obs, control_interval_s, [&](size_t c) { return class_last_[c]; });
  }

  // Targets: metrics-server style window ending `lag` seconds ago.
  const int64_t end = t_ - lag;
  const int64_t start = end - static_cast<int64_t>(config_.metrics_window_s);
  obs->targets.resize(target_services_.size());
  for (size_t i = 0; i < target_services_.size(); ++i) {
    const int s = target_services_[i];
    const ServiceState& svc = services_[s];
    const ServiceModel& m = svc.model();
    TargetObservation& to = obs->targets[i];
    to.name = m.name;
    to.replicas_spec = svc.desired();
    to.replicas_ready = svc.ready();
    to.replicas_starting = svc.starting();
    to.replicas_pending = svc.pending();
    to.min_replicas = m.min_replicas;
    to.max_replicas = m.max_replicas;
    to.requests = svc.requests();
    to.limits = svc.limits();
    const Cum& a = CumAt(s, start);
    const Cum& b = CumAt(s, end);
    const double secs = static_cast<double>(std::min<int64_t>(end, t_) - std::max<int64_t>(start, 0));
    const double pod_s = b.ready_pod_s - a.ready_pod_s;
    to.cpu_usage = pod_s > 0 ? (b.cpu_ready - a.cpu_ready) / pod_s : 0;
    to.memory_usage = pod_s > 0 ? (b.mem - a.mem) / pod_s : m.base_memory;
    to.cpu_utilization = to.requests.cpu > 0 ? to.cpu_usage / to.requests.cpu : 0;
    to.memory_utilization = to.requests.memory > 0 ? to.memory_usage / to.requests.memory : 0;
    to.request_rate = secs > 0 ? (b.visits - a.visits) / secs : 0;
    to.error_rate = secs > 0 ? (b.errors - a.errors) / secs : 0;
    to.in_flight = pod_s > 0 ? (b.inflight - a.inflight) / pod_s : 0;
    const double lw = b.lat_w - a.lat_w;
    if (lw > 0) {
      const double mean = (b.lat_sum - a.lat_sum) / lw;
      const double var = std::max(0.0, (b.lat_m2 - a.lat_m2) / lw - mean * mean);
      to.latency_mean_ms = mean;
      to.latency_p95_ms = GammaQuantile(mean, mean > 0 ? std::max(1e-4, var / (mean * mean)) : 1.0, 0.95);
    } else {
      to.latency_mean_ms = to.latency_p95_ms = 0;
    }
    // Kills in the last control interval, not delayed: a container's OOM kill is pod status the
    // API server reports (as the operator reads it, target_observer.h), not a metrics sample.
    to.oom_kills = cum_[s].oom - CumAt(s, t_ - interval).oom;
    to.pods.clear();
    if (config_.pod_samples) {
      for (const Pod& p : svc.pods()) {
        PodSample ps;
        ps.phase = (p.state == PodState::kPending || p.state == PodState::kStarting) ? PodSample::Phase::kPending
                                                                                   : PodSample::Phase::kRunning;
        ps.ready = p.state == PodState::kReady;
        ps.deleting = p.state == PodState::kTerminating;
        // Pods still pending or pulling images have no container start yet.
        const bool started = p.state == PodState::kProbing || p.state == PodState::kReady ||
                             p.state == PodState::kBackOff || p.state == PodState::kTerminating;
        ps.start_time_s = started ? p.started_s : -1;
        ps.ready_transition_s = p.ready_s >= 0 ? p.ready_s : p.created_s;
        // metrics-server has a sample once the container has run for one resolution (15 s).
        // With a lag, the newest sample is `lag` seconds old and so is its window.
        ps.has_metrics = (p.state == PodState::kProbing || p.state == PodState::kReady) &&
                         p.started_s <= now - config_.metrics_lag_s - 15.0;
        ps.metric_window_start_s = now - config_.metrics_lag_s - config_.metrics_window_s;
        if (ps.ready) {
          ps.cpu_usage = to.cpu_usage;
          ps.memory_usage = to.memory_usage;
        } else {
          // As the rest of the sample, `lag` seconds old.
          ps.cpu_usage = now - config_.metrics_lag_s < p.burst_until_s ? std::max(m.startup_cpu_cores, m.base_cpu) : m.base_cpu;
          ps.memory_usage = m.base_memory;
        }
        to.pods.push_back(ps);
      }
    }
  }
}

}  // namespace podpilot
