#include "policy/predictive/predictive_factory.h"

#include <fmt/format.h>

namespace podpilot {
namespace {

// The name in reports: the spec as given, keys in sorted order ("predictive:cpu=60,headroom=0.2").
std::string SpecName(const PolicyParams& p) {
  std::string name = p.name();
  const char* sep = ":";
  for (const auto& [k, v] : p.values()) {
    name += fmt::format("{}{}={}", sep, k, v);
    sep = ",";
  }
  return name;
}

}  // namespace

StatusOr<predictive::PredictiveOptions> ParsePredictiveOptions(PolicyParams& p) {
  predictive::PredictiveOptions o;
  o.name = SpecName(p);
  PP_ASSIGN_OR_RETURN(double cpu, p.GetDouble("cpu", o.target_utilization * 100, 1, 1000));
  o.target_utilization = cpu / 100;
  PP_ASSIGN_OR_RETURN(o.season_s, p.GetDuration("season", o.season_s, 0, 366 * 86400.0));
  PP_ASSIGN_OR_RETURN(o.forecaster.alpha, p.GetDouble("alpha", o.forecaster.alpha, 0, 1));
  PP_ASSIGN_OR_RETURN(o.forecaster.beta, p.GetDouble("beta", o.forecaster.beta, 0, 1));
  PP_ASSIGN_OR_RETURN(o.forecaster.gamma, p.GetDouble("gamma", o.forecaster.gamma, 0, 1));
  PP_ASSIGN_OR_RETURN(o.forecaster.phi, p.GetDouble("phi", o.forecaster.phi, 0, 1));
  PP_ASSIGN_OR_RETURN(std::string mode, p.GetString("mode", "additive"));
  PP_ASSIGN_OR_RETURN(o.headroom, p.GetDouble("headroom", o.headroom, 0, 10));
  PP_ASSIGN_OR_RETURN(o.down_window_s, p.GetDuration("down_window", o.down_window_s, 0, 86400));
  PP_ASSIGN_OR_RETURN(o.recent_s, p.GetDuration("recent", o.recent_s, 0, 86400));
  PP_ASSIGN_OR_RETURN(o.capacity_alpha, p.GetDouble("cap_alpha", o.capacity_alpha, 0, 1));
  PP_ASSIGN_OR_RETURN(o.tolerance, p.GetDouble("tolerance", o.tolerance, 0, 0.99));
  PP_ASSIGN_OR_RETURN(o.extra_horizon_s, p.GetDuration("lag", o.extra_horizon_s, -1, 86400));
  PP_RETURN_IF_ERROR(p.CheckAllUsed());
  auto m = predictive::ParseSeasonalMode(mode);
  if (!m.ok()) {
    return InvalidArgumentError(fmt::format("{}: parameter mode={}: not additive or multiplicative", p.name(), mode));
  }
  o.forecaster.mode = *m;
  // The getters allow the closed range; alpha, phi and cap_alpha must also be > 0.
  for (const auto& [key, v] : {std::pair{"alpha", o.forecaster.alpha}, std::pair{"phi", o.forecaster.phi},
                               std::pair{"cap_alpha", o.capacity_alpha}}) {
    if (!(v > 0)) {
      return InvalidArgumentError(fmt::format("{}: parameter {}={}: must be > 0", p.name(), key, p.values().at(key)));
    }
  }
  PP_RETURN_IF_ERROR(predictive::ValidatePredictiveOptions(o));
  return o;
}

StatusOr<std::unique_ptr<Policy>> MakePredictivePolicy(PolicyParams& params) {
  PP_ASSIGN_OR_RETURN(predictive::PredictiveOptions o, ParsePredictiveOptions(params));
  return std::unique_ptr<Policy>(new predictive::PredictivePolicy(std::move(o)));
}

}  // namespace podpilot
