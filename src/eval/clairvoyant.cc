#include "eval/clairvoyant.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "eval/steady_evaluator.h"
#include "sim/call_plans.h"

namespace podpilot {

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

}  // namespace

std::vector<int> CheapestReadyReplicas(const AppModel& app, double entry_rps, double required_attainment,
                                       bool* feasible) {
  CallPlans plans(app, false);
  return Cheapest(app, plans, entry_rps, required_attainment, feasible);
}

std::vector<int> CheapestReadyReplicasWithPlans(const AppModel& app, const CallPlans& plans, double entry_rps,
                                                double required_attainment, bool* feasible) {
  return Cheapest(app, plans, entry_rps, required_attainment, feasible);
}

StatusOr<ClairvoyantResult> ComputeClairvoyant(const AppModel& app, const std::vector<double>& arrivals,
                                               const ClairvoyantOptions& options) {
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
    const double q = QuantizeRate(a);
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
