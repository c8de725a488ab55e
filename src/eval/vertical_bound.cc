#include "eval/vertical_bound.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>

#include "eval/steady_evaluator.h"
#include "sim/call_plans.h"
#include "sim/queueing.h"

namespace podpilot {

std::vector<double> VerticalSizeFactors(const VerticalBoundOptions& o) {
  if (!(o.ratio > 1.0001 && std::isfinite(o.ratio)) || !(o.min_factor > 0 && o.min_factor <= 1) ||
      !(o.max_factor >= 1 && std::isfinite(o.max_factor))) {
    return {};
  }
  const double lr = std::log(o.ratio);
  const int lo = static_cast<int>(std::floor(std::log(o.min_factor) / lr + 1e-9));
  const int hi = static_cast<int>(std::ceil(std::log(o.max_factor) / lr - 1e-9));
  if (hi - lo > 1000) return {};
  std::vector<double> f;
  for (int j = lo; j <= hi; ++j) f.push_back(j == 0 ? 1.0 : std::pow(o.ratio, j));
  return f;
}

double MinMemoryRequest(const ServiceModel& m, double inflight_per_pod) {
  const double working_set = m.base_memory + m.memory_per_inflight * inflight_per_pod;
  // Proportional limit (policy/vpa/capping.h): limit = request x limit/request of the app; with
  // no request the VPA sets limit = request.
  const double limit_ratio = m.requests.memory > 0 ? std::max(1.0, m.limits.memory / m.requests.memory) : 1.0;
  return kMinMemoryFactor * working_set / limit_ratio;
}

double VerticalPodPricePerHour(const AppModel& app, int s, double cpu_factor, double memory_request) {
  return cpu_factor * app.services[s].requests.cpu * app.cluster.price_cpu_core_hour +
         memory_request / (1024.0 * 1024 * 1024) * app.cluster.price_memory_gib_hour;
}

namespace {

// Ready pods and size index (into the factor grid) per service.
struct State {
  std::vector<int> n, k;
};

// Step 1 of vertical_bound.h at one load.
class LoadSolver {
 public:
  LoadSolver(const AppModel& app, const CallPlans& plans, const std::vector<double>& factors, int k_one, double entry,
             double target)
      : app_(app),
        plans_(plans),
        f_(factors),
        k_one_(k_one),
        top_(static_cast<int>(factors.size()) - 1),
        target_(target),
        ev_(app, plans, entry, target),
        ns_(app.services.size()),
        caps_(ns_) {}

  // The cheapest state found from the starts of vertical_bound.h; `higher` = the next higher
  // load's solution, if any. `improve`: also run the joint-move search (Improve). Sets *feasible.
  State Solve(const State* higher, bool improve, bool* feasible) {
    double best_cost = std::numeric_limits<double>::infinity();
    State best;
    auto consider = [&](State st) {
      if (!Greedy(&st)) return;
      Descend(&st);
      const double c = Cost(st);
      if (c < best_cost) {
        best_cost = c;
        best = std::move(st);
      }
    };
    if (higher) consider(*higher);
    if (!higher) consider(FewestPodsStart());
    // The horizontal solution at 1x: only needed when the others cost more than it does (this is
    // what keeps every per-load cost at or below the horizontal bound's).
    bool h_feasible = false;
    std::vector<int> h = CheapestReadyReplicasWithPlans(app_, plans_, ev_.entry(), target_, &h_feasible);
    if (h_feasible) {
      State hs{h, std::vector<int>(ns_, k_one_)};
      if (!(best_cost <= Cost(hs))) consider(std::move(hs));
    }
    *feasible = std::isfinite(best_cost);
    if (!*feasible) return StableFallback();
    if (improve) Improve(&best);
    return best;
  }

  double PodsCost(int s, int n, int k) const {
    // Unstable states occur only as greedy starts; price them idle (only cost differences matter).
    const double inflight = Stable(s, n, k) ? ev_.InflightPerPod(s, n, Cap(s, k)) : 0.0;
    return n * VerticalPodPricePerHour(app_, s, f_[k], MinMemoryRequest(app_.services[s], inflight));
  }
  double Cost(const State& st) const {
    double c = 0;
    for (size_t s = 0; s < ns_; ++s) c += PodsCost(static_cast<int>(s), st.n[s], st.k[s]);
    return c;
  }
  double Cap(int s, int k) const {
    const ServiceModel& m = app_.services[s];
    return std::max(1e-3, f_[k] * m.limits.cpu - m.base_cpu);  // as ServiceState::Recount
  }
  double InflightPerPod(int s, int n, int k) const { return ev_.InflightPerPod(s, n, Cap(s, k)); }

 private:
  // Fewest pods of service s at size k that keep it stable (min replicas included).
  int Floor(int s, int k) const { return ev_.StabilityFloor(s, Cap(s, k)); }
  bool Stable(int s, int n, int k) const { return n >= Floor(s, k); }
  int MaxReplicas(int s) const { return app_.services[s].max_replicas; }

  double Shortfall(const State& st) {
    for (size_t s = 0; s < ns_; ++s) caps_[s] = Cap(static_cast<int>(s), st.k[s]);
    return ev_.Shortfall(st.n, caps_);
  }

  // Per service: the fewest pods any size allows, at the smallest size that allows them.
  State FewestPodsStart() const {
    State st{std::vector<int>(ns_), std::vector<int>(ns_)};
    for (size_t s = 0; s < ns_; ++s) {
      const int si = static_cast<int>(s);
      const int fewest = Floor(si, top_);
      int k = top_;
      while (k > 0 && Floor(si, k - 1) <= fewest) --k;
      st.n[s] = std::min(fewest, MaxReplicas(si));
      st.k[s] = k;
    }
    return st;
  }

  // Adds the replica or size step with the best shortfall reduction per dollar until the objective
  // holds. False if no step reduces the shortfall (the objective is out of reach from here).
  bool Greedy(State* st) {
    double f = Shortfall(*st);
    while (f > 0) {
      int best_s = -1;
      bool best_size = false;
      double best_score = 0, best_f = f;
      for (size_t s = 0; s < ns_; ++s) {
        const int si = static_cast<int>(s);
        const double before = PodsCost(si, st->n[s], st->k[s]);
        for (bool size : {false, true}) {
          int& v = size ? st->k[s] : st->n[s];
          if (v >= (size ? top_ : MaxReplicas(si))) continue;
          ++v;
          const double g = Shortfall(*st);
          const double dc = PodsCost(si, st->n[s], st->k[s]) - before;
          --v;
          const double score = (f - g) / std::max(dc, 1e-12);
          if (g < f && score > best_score) {
            best_s = si;
            best_size = size;
            best_score = score;
            best_f = g;
          }
        }
      }
      if (best_s < 0) return false;
      ++(best_size ? st->k[best_s] : st->n[best_s]);
      f = best_f;
    }
    return true;
  }

  // Pruning pass on a state that meets the objective: one service at a time, move to its cheapest
  // (replicas, size) that keeps the objective with the others fixed, until nothing changes. Larger
  // sizes only ever help the objective (the PS sojourn falls with capacity), so for each replica
  // count the smallest size that meets it is found by bisection.
  void Descend(State* st) {
    std::vector<double> suffix_min(f_.size());
    std::vector<int> suffix_arg(f_.size());
    for (int round = 0; round < 50; ++round) {
      bool changed = false;
      for (size_t s = 0; s < ns_; ++s) {
        const int si = static_cast<int>(s);
        const int n0 = st->n[s], k0 = st->k[s];
        double best = PodsCost(si, n0, k0);
        int bn = n0, bk = k0;
        const int hi_n = std::min(MaxReplicas(si), n0 + 2);
        for (int n = Floor(si, top_); n <= hi_n; ++n) {
          int k_lo = 0;
          while (k_lo < top_ && !Stable(si, n, k_lo)) ++k_lo;
          if (!Stable(si, n, k_lo)) continue;
          for (int k = top_; k >= k_lo; --k) {
            const double c = PodsCost(si, n, k);
            if (k == top_ || c < suffix_min[k + 1]) {
              suffix_min[k] = c;
              suffix_arg[k] = k;
            } else {
              suffix_min[k] = suffix_min[k + 1];
              suffix_arg[k] = suffix_arg[k + 1];
            }
          }
          // Only sizes up to k_u can beat the current choice (suffix_min is nondecreasing in k), and
          // the objective is monotone in size: if k_u misses it, so do all smaller sizes.
          int k_u = k_lo - 1;
          while (k_u < top_ && suffix_min[k_u + 1] < best * (1 - 1e-12)) ++k_u;
          if (k_u < k_lo) continue;
          st->n[s] = n;
          st->k[s] = k_u;
          if (Shortfall(*st) > 0) continue;
          int lo = k_lo, hi = k_u;  // hi meets the objective
          while (lo < hi) {
            const int mid = (lo + hi) / 2;
            st->k[s] = mid;
            if (Shortfall(*st) > 0) {
              lo = mid + 1;
            } else {
              hi = mid;
            }
          }
          if (suffix_min[hi] < best * (1 - 1e-12)) {
            best = suffix_min[hi];
            bn = n;
            bk = suffix_arg[hi];
          }
        }
        st->n[s] = bn;
        st->k[s] = bk;
        changed = changed || bn != n0 || bk != k0;
      }
      if (!changed) break;
    }
  }

  // Joint moves, which one-service-at-a-time pruning cannot make (e.g. back-end pods one size
  // smaller paid for by a larger front end): per service, a strictly cheaper (replicas +-1, the
  // largest cheaper size) is forced, the others are repaired by the greedy and everything is
  // pruned again; kept if the total is cheaper. Repeated while it helps (at most a few passes).
  void Improve(State* st) {
    double cost = Cost(*st);
    for (int pass = 0; pass < 4; ++pass) {
      bool improved = false;
      for (size_t s = 0; s < ns_; ++s) {
        const int si = static_cast<int>(s);
        const int n0 = st->n[s], k0 = st->k[s];
        const double cur = PodsCost(si, n0, k0);
        for (int n = std::max(n0 - 1, 1); n <= std::min(n0 + 1, MaxReplicas(si)); ++n) {
          int k = top_;
          while (k >= 0 && !(Stable(si, n, k) && PodsCost(si, n, k) < cur * (1 - 1e-9))) --k;
          if (k < 0) continue;
          State trial = *st;
          trial.n[s] = n;
          trial.k[s] = k;
          if (!Greedy(&trial)) continue;
          Descend(&trial);
          const double c = Cost(trial);
          if (c < cost * (1 - 1e-12)) {
            *st = std::move(trial);
            cost = c;
            improved = true;
            break;
          }
        }
      }
      if (!improved) break;
    }
  }

  // No state meets the objective: per service, the cheapest stable (replicas, size) — what any
  // policy must at least pay to keep up with the load (no policy meets the objective here).
  State StableFallback() const {
    State st{std::vector<int>(ns_), std::vector<int>(ns_)};
    for (size_t s = 0; s < ns_; ++s) {
      const int si = static_cast<int>(s);
      double best = std::numeric_limits<double>::infinity();
      st.n[s] = MaxReplicas(si);
      st.k[s] = top_;
      for (int k = 0; k <= top_; ++k) {
        const int n = Floor(si, k);
        if (n > MaxReplicas(si)) continue;
        const double c = PodsCost(si, n, k);
        if (c < best) {
          best = c;
          st.n[s] = n;
          st.k[s] = k;
        }
      }
    }
    return st;
  }

  const AppModel& app_;
  const CallPlans& plans_;
  const std::vector<double>& f_;
  const int k_one_, top_;
  const double target_;
  SteadyEvaluator ev_;
  const size_t ns_;
  std::vector<double> caps_;
};

Status CheckOptions(const VerticalBoundOptions& o, std::vector<double>* factors) {
  if (!(o.required_attainment > 0 && o.required_attainment < 1)) {
    return InvalidArgumentError("vertical bound: required_attainment must lie in (0, 1), got " +
                                std::to_string(o.required_attainment));
  }
  *factors = VerticalSizeFactors(o);
  if (factors->empty()) {
    return InvalidArgumentError("vertical bound: size grid needs 0 < min_factor <= 1 <= max_factor and ratio > 1, got " +
                                std::to_string(o.min_factor) + ", " + std::to_string(o.max_factor) + ", " +
                                std::to_string(o.ratio));
  }
  return Status::Ok();
}

// Solves every load, highest first, each also starting from the next higher solution.
std::vector<VerticalPlan> SolveLoads(const AppModel& app, const std::vector<double>& loads,
                                     const std::vector<double>& factors, double target) {
  const CallPlans plans(app, false);
  const int k_one = static_cast<int>(std::find(factors.begin(), factors.end(), 1.0) - factors.begin());
  std::vector<size_t> order(loads.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return loads[a] > loads[b]; });
  std::vector<VerticalPlan> out(loads.size());
  constexpr int kImproveEvery = 8;
  int solved = 0;
  State prev;
  bool has_prev = false;
  for (size_t i : order) {
    LoadSolver solver(app, plans, factors, k_one, loads[i], target);
    bool feasible = false;
    // Joint moves are the expensive part; improvements found at one load carry down to the lower
    // ones through the warm start, so they run on every kImproveEvery-th load only.
    State st = solver.Solve(has_prev ? &prev : nullptr, solved % kImproveEvery == 0, &feasible);
    ++solved;
    VerticalPlan& p = out[i];
    p.feasible = feasible;
    p.replicas = st.n;
    p.cost_per_hour = solver.Cost(st);
    for (size_t s = 0; s < st.n.size(); ++s) {
      const int si = static_cast<int>(s);
      p.cpu_factor.push_back(factors[st.k[s]]);
      const double inflight = feasible ? solver.InflightPerPod(si, st.n[s], st.k[s]) : 0.0;
      p.memory_request.push_back(MinMemoryRequest(app.services[s], inflight));
    }
    if (feasible) {
      prev = std::move(st);
      has_prev = true;
    }
  }
  return out;
}

}  // namespace

StatusOr<std::vector<VerticalPlan>> CheapestVerticalPlans(const AppModel& app, const std::vector<double>& loads,
                                                          const VerticalBoundOptions& options) {
  std::vector<double> factors;
  PP_RETURN_IF_ERROR(CheckOptions(options, &factors));
  for (size_t i = 0; i < loads.size(); ++i) {
    if (!(loads[i] >= 0) || !std::isfinite(loads[i])) {
      return InvalidArgumentError("vertical bound: loads[" + std::to_string(i) + "] is not a rate");
    }
  }
  return SolveLoads(app, loads, factors, options.required_attainment);
}

StatusOr<VerticalResult> ComputeVerticalClairvoyant(const AppModel& app, const std::vector<double>& rates,
                                                    const VerticalBoundOptions& options) {
  std::vector<double> factors;
  PP_RETURN_IF_ERROR(CheckOptions(options, &factors));
  if (rates.empty()) return InvalidArgumentError("vertical bound: no arrivals");
  const int T = static_cast<int>(rates.size());
  std::vector<double> q(T);
  std::map<double, int> index;  // quantised load -> plan
  for (int t = 0; t < T; ++t) {
    if (!(rates[t] >= 0) || !std::isfinite(rates[t])) {
      return InvalidArgumentError("vertical bound: arrivals[" + std::to_string(t) + "] is not a count");
    }
    q[t] = QuantizeRate(rates[t]);
    index.emplace(q[t], 0);
  }
  std::vector<double> loads;
  for (auto& [load, i] : index) {
    i = static_cast<int>(loads.size());
    loads.push_back(load);
  }
  const std::vector<VerticalPlan> plans = SolveLoads(app, loads, factors, options.required_attainment);

  const size_t ns = app.services.size();
  VerticalResult r;
  r.distinct_loads = static_cast<int>(loads.size());
  std::vector<int> plan_of(T);
  std::vector<std::vector<int>> ready(ns, std::vector<int>(T));
  for (int t = 0; t < T; ++t) {
    plan_of[t] = index.at(q[t]);
    const VerticalPlan& p = plans[plan_of[t]];
    if (!p.feasible) ++r.infeasible_ticks;
    for (size_t s = 0; s < ns; ++s) ready[s][t] = p.replicas[s];
  }
  std::vector<std::vector<int>> existing(ns);
  for (size_t s = 0; s < ns; ++s) {
    const ServiceModel& m = app.services[s];
    const int si = static_cast<int>(s);
    existing[s] = WindowMax(ready[s], static_cast<int>(std::ceil(m.termination_seconds)),
                            static_cast<int>(std::ceil(m.SecondsToReady())));
    // Pods that exist but are not needed: the smallest size holding an idle working set.
    const double idle_price = VerticalPodPricePerHour(app, si, factors.front(), MinMemoryRequest(m, 0.0));
    double dollar_seconds = 0, pod_seconds = 0;
    for (int t = 0; t < T; ++t) {
      const VerticalPlan& p = plans[plan_of[t]];
      const int n = ready[s][t];
      dollar_seconds += n * VerticalPodPricePerHour(app, si, p.cpu_factor[s], p.memory_request[s]) +
                        (existing[s][t] - n) * idle_price;
      pod_seconds += existing[s][t];
    }
    r.cost += dollar_seconds / 3600.0;
    r.pod_hours += pod_seconds / 3600.0;
  }
  if (options.keep_trajectory) {
    r.ready.assign(T, std::vector<int>(ns));
    r.existing.assign(T, std::vector<int>(ns));
    r.cpu_factor.assign(T, std::vector<double>(ns));
    r.memory_request.assign(T, std::vector<double>(ns));
    for (int t = 0; t < T; ++t) {
      const VerticalPlan& p = plans[plan_of[t]];
      for (size_t s = 0; s < ns; ++s) {
        r.ready[t][s] = ready[s][t];
        r.existing[t][s] = existing[s][t];
        r.cpu_factor[t][s] = p.cpu_factor[s];
        r.memory_request[t][s] = p.memory_request[s];
      }
    }
  }
  return r;
}

}  // namespace podpilot
