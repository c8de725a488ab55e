// ComputeLowerBound: the scorecard's entry point to the clairvoyant bound (eval/clairvoyant.h).
#include "eval/lower_bound.h"

#include "eval/clairvoyant.h"

namespace podpilot {

StatusOr<LowerBoundResult> ComputeLowerBound(const EnvConfig& cfg, uint64_t seed) {
  if (!cfg.app) return InvalidArgumentError("lower bound: no application model");
  // The mean rates drive the simulator's queueing model (the Poisson counts only weigh requests),
  // so the bound plans against the same rates every policy's run of this seed faces.
  PP_ASSIGN_OR_RETURN(std::vector<double> rates, Env::Rates(cfg, seed));
  ClairvoyantOptions options;  // 0.99 of the requests within their class's objective, every tick
  PP_ASSIGN_OR_RETURN(ClairvoyantResult r, ComputeClairvoyant(*cfg.app, rates, options));
  LowerBoundResult out;
  out.cost = r.cost;
  out.pod_hours = r.pod_hours;
  out.infeasible_ticks = r.infeasible_ticks;
  out.method = "greedy cheapest ready replicas per load (>= 0.99 of requests within SLO), started ahead by the ready delay";
  return out;
}

}  // namespace podpilot
