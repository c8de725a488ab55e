#include "sim/des.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>
#include <utility>

#include "common/rng.h"
#include "sim/queueing.h"
#include "sim/simulator.h"

namespace podpilot {
namespace {

// Rng::Derive stream ids: each purpose has its own sequence (see des.h on common random numbers).
constexpr uint64_t kArrivalStream = 0xDE5A0001, kClassStream = 0xDE5A0002, kDemandStream = 0xDE5A0003,
                   kRouteStream = 0xDE5A0004;

// Flattens a sequential call tree in call order. `pending_s` is the network time accumulated since
// the previous visit ended: each call adds one hop on the way in (charged to the callee's visit)
// and one on the way back (charged to whatever runs next), so a tree of N calls spends
// 2 x hop x N in the network, as Simulator::EvalCall + UpdateClasses count it.
Status Flatten(const AppModel& app, const CallNode& node, const std::string& path, double hop_s,
               double* pending_s, std::vector<DesVisit>* out) {
  if (node.visits != 1.0) {
    return InvalidArgumentError(path + ".visits: the discrete-event mode supports visits = 1 only, got " +
                                std::to_string(node.visits));
  }
  const ServiceModel& svc = app.services[node.service];
  DesVisit v;
  v.service = node.service;
  v.mean_demand = node.cpu_per_request >= 0 ? node.cpu_per_request : svc.cpu_per_request;
  v.delay_before_s = *pending_s + hop_s;
  out->push_back(v);
  *pending_s = 0;
  for (size_t i = 0; i < node.steps.size(); ++i) {
    const std::string step_path = path + ".calls[" + std::to_string(i) + "]";
    if (node.steps[i].size() != 1) {
      return InvalidArgumentError(step_path + ": the discrete-event mode supports sequential calls only, got a "
                                  "parallel group of " + std::to_string(node.steps[i].size()) + " calls");
    }
    PP_RETURN_IF_ERROR(Flatten(app, node.steps[i][0], step_path, hop_s, pending_s, out));
    *pending_s += hop_s;  // the callee's response travelling back
  }
  return Status::Ok();
}

// Empirical quantile of sorted data (linear interpolation between order statistics, "type 7").
double SortedQuantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double h = p * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(h);
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

double StdErrorOf(const std::vector<double>& xs) {
  const double n = static_cast<double>(xs.size());
  if (n < 2) return 0;
  double m = 0;
  for (double x : xs) m += x;
  m /= n;
  double ss = 0;
  for (double x : xs) ss += (x - m) * (x - m);
  return std::sqrt(ss / (n - 1) / n);
}

DesLatencyStats Summarise(const std::vector<double>& lat, int batches) {
  DesLatencyStats st;
  st.count = static_cast<int64_t>(lat.size());
  if (lat.empty()) return st;
  double sum = 0, sum2 = 0;
  for (double x : lat) {
    sum += x;
    sum2 += x * x;
  }
  const double n = static_cast<double>(lat.size());
  st.mean_ms = sum / n;
  st.scv = st.mean_ms > 0 ? std::max(0.0, sum2 / n - st.mean_ms * st.mean_ms) / (st.mean_ms * st.mean_ms) : 0;
  std::vector<double> sorted = lat;
  std::sort(sorted.begin(), sorted.end());
  st.p50_ms = SortedQuantile(sorted, 0.50);
  st.p95_ms = SortedQuantile(sorted, 0.95);
  st.p99_ms = SortedQuantile(sorted, 0.99);
  // Batch means need batches of many requests; a class with few requests gets fewer batches.
  const size_t b = static_cast<size_t>(std::min<int64_t>(batches, st.count / 10));
  if (b >= 2) {
    const size_t size = lat.size() / b;
    std::vector<double> means, p95s, chunk;
    for (size_t i = 0; i < b; ++i) {
      chunk.assign(lat.begin() + static_cast<std::ptrdiff_t>(i * size),
                   lat.begin() + static_cast<std::ptrdiff_t>((i + 1) * size));
      double s = 0;
      for (double x : chunk) s += x;
      means.push_back(s / static_cast<double>(size));
      std::sort(chunk.begin(), chunk.end());
      p95s.push_back(SortedQuantile(chunk, 0.95));
    }
    st.mean_se_ms = StdErrorOf(means);
    st.p95_se_ms = StdErrorOf(p95s);
  }
  return st;
}

Status Validate(const DesModel& model, const DesOptions& o) {
  if (model.services.empty()) return InvalidArgumentError("des: model has no services");
  for (size_t i = 0; i < model.services.size(); ++i) {
    const DesService& s = model.services[i];
    const std::string where = "des: services[" + std::to_string(i) + "] (" + s.name + ")";
    if (s.pods < 1) return InvalidArgumentError(where + ".pods: must be >= 1, got " + std::to_string(s.pods));
    if (!(s.capacity_cores > 0) || !std::isfinite(s.capacity_cores)) {
      return InvalidArgumentError(where + ".capacity_cores: must be > 0, got " + std::to_string(s.capacity_cores));
    }
    if (!(s.demand_cv >= 0 && s.demand_cv <= 10)) {
      return InvalidArgumentError(where + ".demand_cv: must lie in [0, 10], got " + std::to_string(s.demand_cv));
    }
  }
  if (model.classes.empty()) return InvalidArgumentError("des: model has no request classes");
  double total_weight = 0;
  for (size_t c = 0; c < model.classes.size(); ++c) {
    const DesClass& k = model.classes[c];
    const std::string where = "des: classes[" + std::to_string(c) + "] (" + k.name + ")";
    if (!(k.weight >= 0) || !std::isfinite(k.weight)) {
      return InvalidArgumentError(where + ".weight: must be >= 0, got " + std::to_string(k.weight));
    }
    total_weight += k.weight;
    if (k.visits.empty()) return InvalidArgumentError(where + ".visits: empty");
    if (!(k.delay_after_s >= 0)) {
      return InvalidArgumentError(where + ".delay_after_s: must be >= 0, got " + std::to_string(k.delay_after_s));
    }
    for (size_t v = 0; v < k.visits.size(); ++v) {
      const DesVisit& x = k.visits[v];
      const std::string vw = where + ".visits[" + std::to_string(v) + "]";
      if (x.service < 0 || x.service >= static_cast<int>(model.services.size())) {
        return InvalidArgumentError(vw + ".service: no service " + std::to_string(x.service));
      }
      if (!(x.mean_demand > 0) || !std::isfinite(x.mean_demand)) {
        return InvalidArgumentError(vw + ".mean_demand: must be > 0, got " + std::to_string(x.mean_demand));
      }
      if (!(x.delay_before_s >= 0)) {
        return InvalidArgumentError(vw + ".delay_before_s: must be >= 0, got " + std::to_string(x.delay_before_s));
      }
    }
  }
  if (!(total_weight > 0)) return InvalidArgumentError("des: class weights sum to zero");
  if (!(o.arrival_rate > 0) || !std::isfinite(o.arrival_rate)) {
    return InvalidArgumentError("des: arrival_rate must be > 0, got " + std::to_string(o.arrival_rate));
  }
  if (o.batches < 2) return InvalidArgumentError("des: batches must be >= 2, got " + std::to_string(o.batches));
  if (o.requests < 10LL * o.batches) {
    return InvalidArgumentError("des: requests must be >= 10 x batches (" + std::to_string(10LL * o.batches) +
                                "), got " + std::to_string(o.requests));
  }
  if (o.warmup_requests < 0) {
    return InvalidArgumentError("des: warmup_requests must be >= 0, got " + std::to_string(o.warmup_requests));
  }
  const std::vector<double> rho = DesUtilisation(model, o.arrival_rate);
  for (size_t i = 0; i < rho.size(); ++i) {
    if (rho[i] >= 1.0) {
      return InvalidArgumentError("des: service " + model.services[i].name + " is offered utilisation " +
                                  std::to_string(rho[i]) + " >= 1 at " + std::to_string(o.arrival_rate) +
                                  " rps: no steady state to measure");
    }
  }
  return Status::Ok();
}

// The event-driven core. One instance per RunDes call.
class Engine {
 public:
  Engine(const DesModel& model, const DesOptions& o)
      : model_(model), o_(o), arrival_rng_(Rng::Derive(o.seed, kArrivalStream)),
        class_rng_(Rng::Derive(o.seed, kClassStream)), demand_rng_(Rng::Derive(o.seed, kDemandStream)),
        route_rng_(Rng::Derive(o.seed, kRouteStream)) {
    for (const DesService& s : model_.services) {
      first_pod_.push_back(static_cast<int>(pods_.size()));
      for (int p = 0; p < s.pods; ++p) pods_.emplace_back(s.capacity_cores);
    }
    rr_.assign(model_.services.size(), 0);
    svc_n_.assign(model_.services.size(), 0);
    svc_sum_.assign(model_.services.size(), 0.0);
    svc_sum2_.assign(model_.services.size(), 0.0);
    double total = 0;
    for (const DesClass& c : model_.classes) total += c.weight;
    double acc = 0;
    for (const DesClass& c : model_.classes) cum_weight_.push_back(acc += c.weight / total);
    latency_ms_.assign(static_cast<size_t>(o_.requests), 0.0);
    class_of_.assign(static_cast<size_t>(o_.requests), 0);
  }

  DesResult Run();

 private:
  struct Pod {
    explicit Pod(double cores) : capacity(cores) {}
    double capacity;
    double vclock = 0;   // service attained by each job present, since the pod was last empty
    double last_t = 0;
    double busy_s = 0;
    uint32_t version = 0;
    // Jobs by finish tag (vclock value at which each completes); ties broken by request slot.
    std::priority_queue<std::pair<double, uint32_t>, std::vector<std::pair<double, uint32_t>>, std::greater<>> jobs;
  };
  struct Request {
    double t0 = 0;            // entry arrival
    double visit_start = 0;   // arrival at the current pod
    int64_t index = 0;        // arrival number
    int cls = 0;
    int stage = 0;            // current visit
  };
  enum Kind : uint32_t { kDeparture, kHopDone };
  struct Event {
    double t;
    uint64_t seq;             // FIFO among equal times: keeps runs bit-reproducible
    Kind kind;
    uint32_t id;              // pod (departure) or request slot (hop)
    uint32_t version;         // pod version (departure); stale events are skipped
    bool operator>(const Event& e) const { return t != e.t ? t > e.t : seq > e.seq; }
  };

  void Push(double t, Kind kind, uint32_t id, uint32_t version) { events_.push(Event{t, seq_++, kind, id, version}); }
  void Advance(Pod& p, double now) {
    const size_t n = p.jobs.size();
    if (n > 0) {
      p.vclock += (now - p.last_t) * p.capacity / static_cast<double>(n);
      p.busy_s += now - p.last_t;
    }
    p.last_t = now;
  }
  // Replaces the pod's pending departure (if any) by the one its current jobs imply.
  void Reschedule(uint32_t pod_id, double now) {
    Pod& p = pods_[pod_id];
    ++p.version;
    if (p.jobs.empty()) {
      p.vclock = 0;  // tags are relative to the busy period; restarting keeps them small
      return;
    }
    const double left = std::max(0.0, p.jobs.top().first - p.vclock);
    Push(now + left * static_cast<double>(p.jobs.size()) / p.capacity, kDeparture, pod_id, p.version);
  }
  double DrawDemand(double mean, double cv) {
    if (cv == 0) return mean;
    if (cv == 1) return demand_rng_.Exponential(mean);
    const double cv2 = cv * cv;
    return demand_rng_.Gamma(1.0 / cv2, mean * cv2);
  }
  void StartVisit(uint32_t slot, double now);
  void EndVisit(uint32_t slot, double now);
  void Arrive(double now);
  bool Measured(const Request& r) const { return r.index >= o_.warmup_requests && r.index < end_index(); }
  int64_t end_index() const { return o_.warmup_requests + o_.requests; }

  const DesModel& model_;
  const DesOptions& o_;
  Rng arrival_rng_, class_rng_, demand_rng_, route_rng_;
  std::vector<Pod> pods_;
  std::vector<int> first_pod_, rr_;
  std::vector<double> cum_weight_;
  std::vector<Request> reqs_;
  std::vector<uint32_t> free_slots_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t seq_ = 0;
  int64_t arrived_ = 0, measured_done_ = 0;
  std::vector<double> latency_ms_;
  std::vector<int> class_of_;
  std::vector<int64_t> svc_n_;
  std::vector<double> svc_sum_, svc_sum2_;
};

void Engine::Arrive(double now) {
  int cls = 0;
  if (cum_weight_.size() > 1) {
    const double u = class_rng_.Uniform();
    while (cls + 1 < static_cast<int>(cum_weight_.size()) && u >= cum_weight_[cls]) ++cls;
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(reqs_.size());
    reqs_.emplace_back();
  }
  reqs_[slot] = Request{now, now, arrived_++, cls, 0};
  const double d = model_.classes[cls].visits[0].delay_before_s;
  if (d > 0) Push(now + d, kHopDone, slot, 0);
  else StartVisit(slot, now);
}

void Engine::StartVisit(uint32_t slot, double now) {
  Request& r = reqs_[slot];
  const DesVisit& v = model_.classes[r.cls].visits[r.stage];
  const DesService& s = model_.services[v.service];
  int k;
  if (o_.routing == DesRouting::kRoundRobin) {
    k = rr_[v.service];
    rr_[v.service] = (k + 1) % s.pods;
  } else {
    k = std::min(s.pods - 1, static_cast<int>(route_rng_.Uniform() * s.pods));
  }
  const uint32_t pod_id = static_cast<uint32_t>(first_pod_[v.service] + k);
  Pod& p = pods_[pod_id];
  Advance(p, now);
  p.jobs.emplace(p.vclock + DrawDemand(v.mean_demand, s.demand_cv), slot);
  r.visit_start = now;
  Reschedule(pod_id, now);
}

void Engine::EndVisit(uint32_t slot, double now) {
  Request& r = reqs_[slot];
  const DesClass& c = model_.classes[r.cls];
  if (Measured(r)) {
    const int s = c.visits[r.stage].service;
    const double ms = (now - r.visit_start) * 1e3;
    ++svc_n_[s];
    svc_sum_[s] += ms;
    svc_sum2_[s] += ms * ms;
  }
  ++r.stage;
  if (r.stage < static_cast<int>(c.visits.size())) {
    const double d = c.visits[r.stage].delay_before_s;
    if (d > 0) Push(now + d, kHopDone, slot, 0);
    else StartVisit(slot, now);
    return;
  }
  // Done: the response's last hops are a constant, so no event is needed for them.
  if (Measured(r)) {
    const size_t i = static_cast<size_t>(r.index - o_.warmup_requests);
    latency_ms_[i] = (now + c.delay_after_s - r.t0) * 1e3;
    class_of_[i] = r.cls;
    ++measured_done_;
  }
  free_slots_.push_back(slot);
}

DesResult Engine::Run() {
  const double mean_gap = 1.0 / o_.arrival_rate;
  double next_arrival = arrival_rng_.Exponential(mean_gap);
  double now = 0;
  while (measured_done_ < o_.requests) {
    if (events_.empty() || next_arrival <= events_.top().t) {
      now = next_arrival;
      Arrive(now);
      next_arrival = now + arrival_rng_.Exponential(mean_gap);
      continue;
    }
    const Event e = events_.top();
    events_.pop();
    now = e.t;
    if (e.kind == kHopDone) {
      StartVisit(e.id, now);
      continue;
    }
    Pod& p = pods_[e.id];
    if (e.version != p.version) continue;  // superseded by a later arrival or departure
    Advance(p, now);
    const uint32_t slot = p.jobs.top().second;
    p.vclock = std::max(p.vclock, p.jobs.top().first);  // absorb rounding: this job is done
    p.jobs.pop();
    Reschedule(e.id, now);
    EndVisit(slot, now);
  }
  for (Pod& p : pods_) Advance(p, now);

  DesResult res;
  res.simulated_seconds = now;
  res.overall = Summarise(latency_ms_, o_.batches);
  std::vector<double> subset;
  for (size_t c = 0; c < model_.classes.size(); ++c) {
    subset.clear();
    for (size_t i = 0; i < latency_ms_.size(); ++i) {
      if (class_of_[i] == static_cast<int>(c)) subset.push_back(latency_ms_[i]);
    }
    res.classes.push_back(model_.classes.size() == 1 ? res.overall : Summarise(subset, o_.batches));
  }
  for (size_t s = 0; s < model_.services.size(); ++s) {
    DesServiceStats st;
    st.visits = svc_n_[s];
    if (svc_n_[s] > 0) {
      const double n = static_cast<double>(svc_n_[s]);
      st.sojourn_mean_ms = svc_sum_[s] / n;
      const double var = std::max(0.0, svc_sum2_[s] / n - st.sojourn_mean_ms * st.sojourn_mean_ms);
      st.sojourn_scv = st.sojourn_mean_ms > 0 ? var / (st.sojourn_mean_ms * st.sojourn_mean_ms) : 0;
    }
    double busy = 0;
    for (int k = 0; k < model_.services[s].pods; ++k) busy += pods_[static_cast<size_t>(first_pod_[s] + k)].busy_s;
    st.utilisation = now > 0 ? busy / (now * model_.services[s].pods) : 0;
    res.services.push_back(st);
  }
  if (o_.keep_latencies) res.latencies_ms = std::move(latency_ms_);
  return res;
}

}  // namespace

StatusOr<DesModel> DesModelFromApp(const AppModel& app, const std::vector<int>& replicas) {
  const std::string origin = app.source_path.empty() ? app.name : app.source_path;
  if (!replicas.empty() && replicas.size() != app.services.size()) {
    return InvalidArgumentError(origin + ": des: replicas has " + std::to_string(replicas.size()) +
                                " entries for " + std::to_string(app.services.size()) + " services");
  }
  DesModel m;
  for (size_t i = 0; i < app.services.size(); ++i) {
    const ServiceModel& s = app.services[i];
    DesService d;
    d.name = s.name;
    d.pods = replicas.empty() ? s.initial_replicas : replicas[i];
    if (d.pods < 1) {
      return InvalidArgumentError(origin + ": des: services." + s.name + ": needs >= 1 pod, got " +
                                  std::to_string(d.pods));
    }
    // Same capacity as ServiceState::Recount gives a ready pod.
    d.capacity_cores = std::max(1e-3, s.limits.cpu - s.base_cpu);
    d.demand_cv = s.cpu_cv;
    m.services.push_back(d);
  }
  const double hop_s = app.network_hop_ms * 1e-3;
  for (const RequestClass& rc : app.classes) {
    DesClass c;
    c.name = rc.name;
    c.weight = rc.weight;
    double pending = 0;
    Status st = Flatten(app, rc.root, origin + ": request_classes." + rc.name + ".call", hop_s, &pending, &c.visits);
    if (!st.ok()) return st;
    c.delay_after_s = pending + hop_s;  // the entry service's response to the client
    m.classes.push_back(std::move(c));
  }
  return m;
}

std::vector<double> DesUtilisation(const DesModel& model, double arrival_rate) {
  std::vector<double> work(model.services.size(), 0.0);
  double total = 0;
  for (const DesClass& c : model.classes) total += c.weight;
  if (!(total > 0)) return work;
  for (const DesClass& c : model.classes) {
    for (const DesVisit& v : c.visits) {
      if (v.service >= 0 && v.service < static_cast<int>(work.size())) {
        work[static_cast<size_t>(v.service)] += arrival_rate * c.weight / total * v.mean_demand;
      }
    }
  }
  for (size_t s = 0; s < work.size(); ++s) work[s] /= model.services[s].pods * model.services[s].capacity_cores;
  return work;
}

StatusOr<DesResult> RunDes(const DesModel& model, const DesOptions& options) {
  PP_RETURN_IF_ERROR(Validate(model, options));
  Engine engine(model, options);
  return engine.Run();
}

FastLatency RunFastModel(std::shared_ptr<const AppModel> app, const std::vector<double>& arrivals, uint64_t seed,
                         const std::vector<double>* rates) {
  Simulator sim(app, SimConfig{});
  sim.Reset(std::make_shared<const std::vector<double>>(arrivals), seed, 0, 0,
            rates ? std::make_shared<const std::vector<double>>(*rates) : nullptr);
  const size_t nc = app->classes.size(), ns = app->services.size();
  struct TickLatency { double n, mean, scv; };
  std::vector<std::vector<TickLatency>> ticks(nc);
  FastLatency out;
  out.classes.assign(nc, FastClassLatency{});
  out.mean_rho.assign(ns, 0.0);
  int64_t n_ticks = 0;
  while (!sim.Done()) {
    sim.Tick();
    ++n_ticks;
    for (size_t c = 0; c < nc; ++c) {
      const Simulator::ClassTick& ct = sim.last_class_tick()[c];
      out.classes[c].requests += ct.requests;
      out.classes[c].errors += ct.errors;
      // Errors have no latency; the completed requests carry this tick's distribution.
      const double completed = ct.requests - ct.errors;
      if (completed > 0) ticks[c].push_back({completed, ct.mean_ms, ct.scv});
    }
    for (size_t s = 0; s < ns; ++s) out.mean_rho[s] += sim.last_tick()[s].rho;
    if (n_ticks % 15 == 0) sim.TakeInterval();  // the run-level histogram fills per interval
  }
  if (n_ticks % 15 != 0) sim.TakeInterval();
  for (double& r : out.mean_rho) r /= std::max<int64_t>(1, n_ticks);
  out.oom_kills = sim.totals().oom_kills;
  for (size_t c = 0; c < nc; ++c) {
    FastClassLatency& fc = out.classes[c];
    const auto& tl = ticks[c];
    double w = 0, sum = 0, hi = 0;
    for (const auto& t : tl) {
      w += t.n;
      sum += t.n * t.mean;
      hi = std::max(hi, GammaQuantileExact(t.mean, t.scv, 0.999));
    }
    if (w <= 0) continue;
    fc.mean_ms = sum / w;
    // p95 of the mixture: the x where the request-weighted tabled CDFs reach 0.95.
    double lo = 0;
    for (int it = 0; it < 60; ++it) {
      const double mid = 0.5 * (lo + hi);
      double f = 0;
      for (const auto& t : tl) f += t.n * GammaWithinProbability(t.mean, t.scv, mid);
      (f < 0.95 * w ? lo : hi) = mid;
    }
    fc.p95_ms = 0.5 * (lo + hi);
  }
  out.run_hist_p95_ms = sim.totals().LatencyQuantileMs(0.95);
  return out;
}

}  // namespace podpilot
