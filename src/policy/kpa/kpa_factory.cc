#include "policy/kpa/kpa_factory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "policy/kpa/kpa_policy.h"

namespace podpilot {
namespace {

std::string Where(const PolicyParams& p, const std::string& key) {
  return p.name() + ": parameter " + key + "=" + p.values().at(key);
}

Status CheckWholeSeconds(const PolicyParams& p, const std::string& key, double v) {
  if (p.Has(key) && v != std::floor(v)) return InvalidArgumentError(Where(p, key) + ": must be whole seconds");
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Policy>> MakeKpaPolicy(PolicyParams& params) {
  kpa::KpaPolicyConfig c;
  kpa::DeciderSpec& d = c.decider;

  PP_ASSIGN_OR_RETURN(std::string metric, params.GetString("metric", "concurrency"));
  if (metric == "concurrency") {
    d.scaling_metric = kpa::ScalingMetric::kConcurrency;
  } else if (metric == "rps") {
    d.scaling_metric = kpa::ScalingMetric::kRps;
  } else {
    return InvalidArgumentError(Where(params, "metric") + ": expected concurrency or rps");
  }
  const bool rps = d.scaling_metric == kpa::ScalingMetric::kRps;
  PP_ASSIGN_OR_RETURN(double cc, params.GetDouble("container_concurrency", 0, 0, 10000));
  double default_total = rps ? 200.0 : (cc > 0 ? cc : 100.0);
  PP_ASSIGN_OR_RETURN(double total, params.GetDouble("target", default_total, 0, 1e6));
  if (params.Has("target") && total <= 0) return InvalidArgumentError(Where(params, "target") + ": must be > 0");
  if (!rps && cc > 0) total = std::min(total, cc);  // the annotation is capped at containerConcurrency
  PP_ASSIGN_OR_RETURN(double util, params.GetDouble("target_utilization", 0.7, 0, 100));
  if (util <= 0) return InvalidArgumentError(Where(params, "target_utilization") + ": must be > 0");
  if (util > 1) util /= 100.0;  // read as a percentage, as Knative's config does
  d.total_value = total;
  d.target_value = std::max(0.01, total * util);  // TargetMin

  PP_ASSIGN_OR_RETURN(double stable, params.GetDuration("stable_window", 60, 6, 3600));
  PP_RETURN_IF_ERROR(CheckWholeSeconds(params, "stable_window", stable));
  PP_ASSIGN_OR_RETURN(double panic_pct, params.GetDouble("panic_window_pct", 10, 1, 100));
  PP_ASSIGN_OR_RETURN(double threshold_pct, params.GetDouble("panic_threshold_pct", 200, 110, 1000));
  c.stable_window_s = static_cast<int64_t>(stable);
  c.panic_window_s = std::max<int64_t>(1, std::llround(stable * panic_pct / 100.0));
  d.stable_window_s = stable;
  d.panic_threshold = threshold_pct / 100.0;

  PP_ASSIGN_OR_RETURN(d.max_scale_up_rate, params.GetDouble("max_scale_up_rate", 1000, 1, 1e6));
  if (d.max_scale_up_rate <= 1) return InvalidArgumentError(Where(params, "max_scale_up_rate") + ": must be > 1");
  PP_ASSIGN_OR_RETURN(d.max_scale_down_rate, params.GetDouble("max_scale_down_rate", 2, 1, 1e6));
  if (d.max_scale_down_rate <= 1) return InvalidArgumentError(Where(params, "max_scale_down_rate") + ": must be > 1");
  PP_ASSIGN_OR_RETURN(d.target_burst_capacity, params.GetDouble("target_burst_capacity", 211, -1, 1e6));
  if (d.target_burst_capacity < 0 && d.target_burst_capacity != -1) {
    return InvalidArgumentError(Where(params, "target_burst_capacity") + ": must be -1 or >= 0");
  }
  PP_ASSIGN_OR_RETURN(d.activation_scale, params.GetInt("activation_scale", 1, 1, 1000));

  kpa::ScalerConfig& s = c.scaler;
  PP_ASSIGN_OR_RETURN(s.enable_scale_to_zero, params.GetBool("scale_to_zero", true));
  PP_ASSIGN_OR_RETURN(s.scale_to_zero_grace_period_s, params.GetDuration("grace", 30, 0, 3600));
  PP_ASSIGN_OR_RETURN(s.scale_to_zero_pod_retention_s, params.GetDuration("retention", 0, 0, 3600));
  PP_ASSIGN_OR_RETURN(d.scale_down_delay_s, params.GetDuration("scale_down_delay", 0, 0, 3600));
  PP_RETURN_IF_ERROR(CheckWholeSeconds(params, "scale_down_delay", d.scale_down_delay_s));
  PP_ASSIGN_OR_RETURN(s.min_scale, params.GetInt("min", 0, 0, 10000));
  PP_ASSIGN_OR_RETURN(s.max_scale, params.GetInt("max", 0, 0, 10000));
  if (s.max_scale != 0 && s.min_scale > s.max_scale) {
    return InvalidArgumentError(params.name() + ": min=" + std::to_string(s.min_scale) + " exceeds max=" +
                                std::to_string(s.max_scale));
  }
  s.stable_window_s = stable;
  PP_ASSIGN_OR_RETURN(c.tick_s, params.GetDuration("tick", kpa::kDeciderTickS, 1, 60));
  PP_RETURN_IF_ERROR(params.CheckAllUsed());

  char name[96];
  std::snprintf(name, sizeof name, "kpa:metric=%s,target=%g", metric.c_str(), total);
  return std::unique_ptr<Policy>(std::make_unique<kpa::KpaPolicy>(std::move(c), name));
}

}  // namespace podpilot
