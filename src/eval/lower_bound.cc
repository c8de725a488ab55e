// ComputeLowerBound: the scorecard's entry point to the clairvoyant bound (eval/clairvoyant.h).
#include "eval/lower_bound.h"

#include "eval/clairvoyant.h"
#include "eval/vertical_bound.h"

namespace podpilot {

StatusOr<LowerBoundResult> ComputeLowerBound(const EnvConfig& cfg, uint64_t seed, TimeSeries* series) {
  if (!cfg.app) return InvalidArgumentError("lower bound: no application model");
  // The mean rates drive the simulator's queueing model (the Poisson counts only weigh requests),
  // so the bound plans against the same rates every policy's run of this seed faces.
  PP_ASSIGN_OR_RETURN(std::vector<double> rates, Env::Rates(cfg, seed));
  ClairvoyantOptions options;  // 0.99 of the requests within their class's objective, every tick
  options.keep_trajectory = series != nullptr;
  PP_ASSIGN_OR_RETURN(ClairvoyantResult r, ComputeClairvoyant(*cfg.app, rates, options));
  if (series) {
    const AppModel& app = *cfg.app;
    const size_t ns = app.services.size();
    std::vector<double> price(ns);
    series->target_names.clear();
    series->class_names.clear();
    for (size_t s = 0; s < ns; ++s) {
      series->target_names.push_back(app.services[s].name);
      price[s] = PodPricePerHour(app, static_cast<int>(s));
    }
    series->rows.clear();
    series->rows.reserve(rates.size());
    for (size_t t = 0; t < rates.size(); ++t) {
      TimeSeries::Row row{};
      row.time_s = static_cast<double>(t + 1);
      row.request_rate = rates[t];
      row.replicas = r.existing[t];
      row.ready = r.ready[t];
      row.cpu_util.assign(ns, 0.0);
      row.target_p95_ms.assign(ns, 0.0);
      for (size_t s = 0; s < ns; ++s) row.cost_rate += r.existing[t][s] * price[s];
      series->rows.push_back(std::move(row));
    }
  }
  LowerBoundResult out;
  out.cost = r.cost;
  out.pod_hours = r.pod_hours;
  out.infeasible_ticks = r.infeasible_ticks;
  out.method = "greedy cheapest ready replicas per load (>= 0.99 of requests within SLO), started ahead by the ready delay";
  return out;
}

StatusOr<LowerBoundResult> ComputeVerticalLowerBound(const EnvConfig& cfg, uint64_t seed) {
  if (!cfg.app) return InvalidArgumentError("vertical lower bound: no application model");
  PP_ASSIGN_OR_RETURN(std::vector<double> rates, Env::Rates(cfg, seed));
  VerticalBoundOptions options;  // 0.99 within the objective; CPU request 0.05x .. 8x, ratio 1.1
  PP_ASSIGN_OR_RETURN(VerticalResult r, ComputeVerticalClairvoyant(*cfg.app, rates, options));
  LowerBoundResult out;
  out.cost = r.cost;
  out.pod_hours = r.pod_hours;
  out.infeasible_ticks = r.infeasible_ticks;
  out.method = "greedy cheapest ready replicas and pod sizes per load (CPU request 0.05x-8x, proportional limits, "
               "memory without OOM; >= 0.99 of requests within SLO), resizes free, replicas started ahead by the ready delay";
  return out;
}

}  // namespace podpilot
