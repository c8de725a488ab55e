#include "eval/clairvoyant.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include "sim/call_plans.h"
#include "sim/queueing.h"

namespace podpilot {
namespace {

// Evaluates the objective for replica vectors at one steady load.
class SteadyEvaluator {
 public:
  SteadyEvaluator(const AppModel& app, const CallPlans& plans, double entry, double target)
      : app_(app), plans_(plans), entry_(entry), target_(target) {
    const size_t n = app.services.size();
    spc_.assign(n, 0);
    wait_.assign(n, 0);
    scv_.assign(n, 1);
    v2_.assign(n, 0);
  }

  // Fewest pods each service needs to stay below the stationary limit (and its min replicas).
  std::vector<int> StabilityFloor() const {
    std::vector<int> n(app_.services.size());
    for (size_t s = 0; s < n.size(); ++s) {
      const ServiceModel& m = app_.services[s];
      const double work = entry_ * plans_.cpu_factor(static_cast<int>(s));
      const double cap = m.limits.cpu - m.base_cpu;
      int need = work > 0 ? static_cast<int>(std::floor(work / (cap * kMaxStationaryRho))) + 1 : 0;
      if (entry_ * plans_.visit_factor(static_cast<int>(s)) > 0) need = std::max(need, 1);
      n[s] = std::max(need, m.min_replicas);
    }
    return n;
  }

  // Shortfall: max(0, target - the request-weighted share of requests within their class's
  // objective) — the scorecard's SLO attainment at this tick — plus a tiny pull towards lower mean
  // latency so that the greedy always has a direction (the shortfall can be flat in one service
  // while another dominates).
  double Shortfall(const std::vector<int>& n) {
    const size_t ns = n.size();
    for (size_t s = 0; s < ns; ++s) {
      const ServiceModel& m = app_.services[s];
      const double cap = m.limits.cpu - m.base_cpu;
      const double work = entry_ * plans_.cpu_factor(static_cast<int>(s));
      if (n[s] <= 0 || work / (n[s] * cap) > kMaxStationaryRho) {
        if (work > 0) return 1e9;  // unstable: never acceptable
        spc_[s] = 1.0 / cap;
        scv_[s] = m.cpu_cv * m.cpu_cv;
      } else {
        const PsVisit v = StationaryPsVisit(work, n[s], cap, m.cpu_cv);
        spc_[s] = v.spc;
        scv_[s] = v.scv;
      }
      v2_[s] = spc_[s] * spc_[s] * scv_[s];
    }
    double within = 0, pull = 0;
    for (size_t c = 0; c < app_.classes.size(); ++c) {
      const Moments e = plans_.ClassMoments(static_cast<int>(c), spc_.data(), wait_.data(), scv_.data(), v2_.data(),
                                            0.0, nullptr, nullptr);
      const double scv = e.mean > 0 ? std::max(1e-4, e.var / (e.mean * e.mean)) : 1.0;
      within += app_.classes[c].weight * GammaWithinProbabilityExact(e.mean, scv, app_.classes[c].slo_ms);
      pull += e.mean / app_.classes[c].slo_ms;
    }
    const double shortfall = target_ - within;
    return shortfall > 0 ? shortfall + 1e-6 * pull : 0.0;
  }

 private:
  const AppModel& app_;
  const CallPlans& plans_;
  double entry_, target_;
  std::vector<double> spc_, wait_, scv_, v2_;
};

}  // namespace

double PodPricePerHour(const AppModel& app, int s) {
  const ServiceModel& m = app.services[s];
  return m.requests.cpu * app.cluster.price_cpu_core_hour +
         m.requests.memory / (1024.0 * 1024 * 1024) * app.cluster.price_memory_gib_hour;
}

namespace {

std::vector<int> Cheapest(const AppModel& app, const CallPlans& plans, double entry, double target, bool* feasible) {
  SteadyEvaluator eval(app, plans, entry, target);
  std::vector<int> n = eval.StabilityFloor();
  const size_t ns = n.size();
  *feasible = true;
  for (size_t s = 0; s < ns; ++s) {
    if (n[s] > app.services[s].max_replicas) {
      *feasible = false;
      n[s] = app.services[s].max_replicas;
    }
  }
  const std::vector<int> floor = n;
  double f = eval.Shortfall(n);
  // Greedy: add the replica with the best shortfall reduction per dollar.
  while (f > 0) {
    int best = -1;
    double best_score = 0, best_f = f;
    for (size_t s = 0; s < ns; ++s) {
      if (n[s] >= app.services[s].max_replicas) continue;
      ++n[s];
      const double g = eval.Shortfall(n);
      --n[s];
      const double score = (f - g) / PodPricePerHour(app, static_cast<int>(s));
      if (g < f && score > best_score) {
        best = static_cast<int>(s);
        best_score = score;
        best_f = g;
      }
    }
    if (best < 0) {
      // No replica count within [min, max] meets the objective at this load. No policy meets it
      // either, so the bound charges only what keeps the services stable (the cheapest cost any
      // policy could have here).
      *feasible = false;
      return floor;
    }
    ++n[best];
    f = best_f;
  }
  // Prune: drop any replica the objective does not need, most expensive pods first.
  std::vector<int> order(ns);
  for (size_t s = 0; s < ns; ++s) order[s] = static_cast<int>(s);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return PodPricePerHour(app, a) > PodPricePerHour(app, b); });
  for (bool changed = true; changed && *feasible;) {
    changed = false;
    for (int s : order) {
      while (n[s] > std::max(app.services[s].min_replicas, 0)) {
        --n[s];
        if (eval.Shortfall(n) > 0) {
          ++n[s];
          break;
        }
        changed = true;
      }
    }
  }
  return n;
}

// out[t] = max of in[tau] for tau in [t - back, t + ahead] (monotone deque).
std::vector<int> WindowMax(const std::vector<int>& in, int back, int ahead) {
  const int T = static_cast<int>(in.size());
  std::vector<int> out(T);
  std::deque<int> dq;  // indices with decreasing values
  int next = 0;        // next index to push
  for (int t = 0; t < T; ++t) {
    const int hi = std::min(T - 1, t + ahead);
    while (next <= hi) {
      while (!dq.empty() && in[dq.back()] <= in[next]) dq.pop_back();
      dq.push_back(next++);
    }
    while (dq.front() < t - back) dq.pop_front();
    out[t] = in[dq.front()];
  }
  return out;
}

}  // namespace

std::vector<int> CheapestReadyReplicas(const AppModel& app, double entry_rps, double required_attainment,
                                       bool* feasible) {
  CallPlans plans(app, false);
  return Cheapest(app, plans, entry_rps, required_attainment, feasible);
}

StatusOr<ClairvoyantResult> ComputeClairvoyant(const AppModel& app, const std::vector<double>& arrivals,
                                               const ClairvoyantOptions& options) {
  constexpr double kGrid = 1.002;
  const double log_grid = std::log(kGrid);
  if (!(options.required_attainment > 0 && options.required_attainment < 1)) {
    return InvalidArgumentError("clairvoyant: required_attainment must lie in (0, 1), got " +
                                std::to_string(options.required_attainment));
  }
  if (arrivals.empty()) return InvalidArgumentError("clairvoyant: no arrivals");
  const CallPlans plans(app, false);
  const size_t ns = app.services.size();
  const int T = static_cast<int>(arrivals.size());
  ClairvoyantResult r;
  std::map<double, std::pair<std::vector<int>, bool>> memo;
  std::vector<std::vector<int>> ready_by_service(ns, std::vector<int>(T));
  for (int t = 0; t < T; ++t) {
    const double a = arrivals[t];
    if (!(a >= 0) || !std::isfinite(a)) {
      return InvalidArgumentError("clairvoyant: arrivals[" + std::to_string(t) + "] is not a count");
    }
    // Round down onto the geometric grid (integers, as counts are, stay exact below 500).
    const double q = a <= 0 ? 0.0 : (a == std::floor(a) && a < 500 ? a : std::pow(kGrid, std::floor(std::log(a) / log_grid)));
    auto it = memo.find(q);
    if (it == memo.end()) {
      bool feasible = true;
      std::vector<int> n = Cheapest(app, plans, q, options.required_attainment, &feasible);
      it = memo.emplace(q, std::make_pair(std::move(n), feasible)).first;
    }
    if (!it->second.second) ++r.infeasible_ticks;
    for (size_t s = 0; s < ns; ++s) ready_by_service[s][t] = it->second.first[s];
  }
  r.distinct_loads = static_cast<int>(memo.size());
  std::vector<std::vector<int>> existing_by_service(ns);
  for (size_t s = 0; s < ns; ++s) {
    const ServiceModel& m = app.services[s];
    const int ahead = static_cast<int>(std::ceil(m.SecondsToReady()));
    const int back = static_cast<int>(std::ceil(m.termination_seconds));
    existing_by_service[s] = WindowMax(ready_by_service[s], back, ahead);
    double pod_seconds = 0;
    for (int v : existing_by_service[s]) pod_seconds += v;
    r.pod_hours += pod_seconds / 3600.0;
    r.cost += pod_seconds / 3600.0 * PodPricePerHour(app, static_cast<int>(s));
  }
  if (options.keep_trajectory) {
    r.ready.assign(T, std::vector<int>(ns));
    r.existing.assign(T, std::vector<int>(ns));
    for (int t = 0; t < T; ++t) {
      for (size_t s = 0; s < ns; ++s) {
        r.ready[t][s] = ready_by_service[s][t];
        r.existing[t][s] = existing_by_service[s][t];
      }
    }
  }
  return r;
}

}  // namespace podpilot
