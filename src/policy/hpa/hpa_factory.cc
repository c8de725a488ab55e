#include "policy/hpa/hpa_factory.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/units.h"
#include "policy/hpa/metrics_client.h"
#include "policy/hpa/observation_metrics.h"

namespace podpilot {
namespace {

using hpa::MetricSourceType;
using hpa::MetricSpec;
using hpa::MetricTargetType;

// Each reader marks its key as known (so CheckAllUsed can list it) and yields nullopt when the
// key is absent.
StatusOr<std::optional<int>> ReadInt(PolicyParams& p, const std::string& key, int lo, int hi) {
  auto v = p.GetInt(key, lo, lo, hi);
  if (!v.ok()) return v.status();
  if (!p.Has(key)) return std::optional<int>{};
  return std::optional<int>{*v};
}

StatusOr<std::optional<double>> ReadDouble(PolicyParams& p, const std::string& key, double lo, double hi) {
  auto v = p.GetDouble(key, lo, lo, hi);
  if (!v.ok()) return v.status();
  if (!p.Has(key)) return std::optional<double>{};
  return std::optional<double>{*v};
}

StatusOr<std::optional<double>> ReadDuration(PolicyParams& p, const std::string& key, double lo,
                                             double hi, bool whole_seconds) {
  auto v = p.GetDuration(key, lo, lo, hi);
  if (!v.ok()) return v.status();
  if (!p.Has(key)) return std::optional<double>{};
  if (whole_seconds && std::floor(*v) != *v) {
    return InvalidArgumentError(fmt::format("{}: parameter {}={}: must be whole seconds", p.name(), key,
                                            p.values().at(key)));
  }
  return std::optional<double>{*v};
}

Status Bad(const PolicyParams& p, const std::string& key, const std::string& why) {
  return InvalidArgumentError(
      fmt::format("{}: parameter {}={}: {}", p.name(), key, p.values().count(key) ? p.values().at(key) : "", why));
}

MetricSpec Resource(hpa::ResourceName r, MetricTargetType type, int32_t utilization, int64_t average) {
  MetricSpec m;
  m.type = MetricSourceType::kResource;
  m.resource = r;
  m.target.type = type;
  m.target.average_utilization = utilization;
  m.target.average_value_milli = average;
  return m;
}

MetricSpec Named(MetricSourceType type, const std::string& name, MetricTargetType target_type,
                 int64_t milli) {
  MetricSpec m;
  m.type = type;
  m.metric_name = name;
  m.target.type = target_type;
  (target_type == MetricTargetType::kValue ? m.target.value_milli : m.target.average_value_milli) = milli;
  return m;
}

Status ReadMetrics(PolicyParams& p, std::vector<MetricSpec>& metrics) {
  for (const auto& [key, resource] : {std::pair{"cpu", hpa::ResourceName::kCpu},
                                      std::pair{"memory", hpa::ResourceName::kMemory}}) {
    PP_ASSIGN_OR_RETURN(auto pct, ReadInt(p, key, 1, 1000));
    if (pct) metrics.push_back(Resource(resource, MetricTargetType::kUtilization, *pct, 0));
  }
  PP_ASSIGN_OR_RETURN(std::string cpu_avg, p.GetString("cpu_avg", ""));
  if (p.Has("cpu_avg")) {
    auto cores = ParseCpu(cpu_avg);
    if (!cores.ok()) return Bad(p, "cpu_avg", cores.status().message());
    if (!(*cores >= 0.001 && *cores <= 1000)) return Bad(p, "cpu_avg", "out of range [1m, 1000]");
    metrics.push_back(Resource(hpa::ResourceName::kCpu, MetricTargetType::kAverageValue, 0, hpa::ToMilli(*cores)));
  }
  PP_ASSIGN_OR_RETURN(std::string memory_avg, p.GetString("memory_avg", ""));
  if (p.Has("memory_avg")) {
    auto bytes = ParseBytes(memory_avg);
    if (!bytes.ok()) return Bad(p, "memory_avg", bytes.status().message());
    if (!(*bytes >= 1 && *bytes <= 1e15)) return Bad(p, "memory_avg", "out of range [1, 1e15] bytes");
    metrics.push_back(Resource(hpa::ResourceName::kMemory, MetricTargetType::kAverageValue, 0, hpa::ToMilli(*bytes)));
  }
  struct Named_ {
    const char* key;
    MetricSourceType type;
    const char* metric;
    MetricTargetType target;
  };
  for (const Named_& n : {Named_{"rps", MetricSourceType::kPods, hpa::kMetricRequestsPerSecond, MetricTargetType::kAverageValue},
                          Named_{"latency_ms", MetricSourceType::kPods, hpa::kMetricLatencyP95Ms, MetricTargetType::kAverageValue},
                          Named_{"inflight", MetricSourceType::kPods, hpa::kMetricInFlight, MetricTargetType::kAverageValue},
                          Named_{"ext_rps", MetricSourceType::kExternal, hpa::kMetricRequestRate, MetricTargetType::kAverageValue},
                          Named_{"ext_rps_total", MetricSourceType::kExternal, hpa::kMetricRequestRate, MetricTargetType::kValue}}) {
    PP_ASSIGN_OR_RETURN(auto v, ReadDouble(p, n.key, 0.001, 1e6));
    if (v) metrics.push_back(Named(n.type, n.metric, n.target, hpa::ToMilli(*v)));
  }
  return Status::Ok();
}

StatusOr<std::optional<hpa::SelectPolicy>> ReadSelect(PolicyParams& p, const std::string& key) {
  PP_ASSIGN_OR_RETURN(std::string s, p.GetString(key, ""));
  if (!p.Has(key)) return std::optional<hpa::SelectPolicy>{};
  if (s == "max" || s == "Max") return std::optional{hpa::SelectPolicy::kMax};
  if (s == "min" || s == "Min") return std::optional{hpa::SelectPolicy::kMin};
  if (s == "disabled" || s == "Disabled") return std::optional{hpa::SelectPolicy::kDisabled};
  return Bad(p, key, "must be max, min or disabled");
}

// One direction's rules; `any` is set when a key of this direction was given.
StatusOr<hpa::ScalingRules> ReadRules(PolicyParams& p, const std::string& dir,
                                      std::optional<double> shared_period, double max_tolerance,
                                      bool& any) {
  hpa::ScalingRules rules;
  PP_ASSIGN_OR_RETURN(auto window, ReadDuration(p, dir + "_window", 0, 3600, true));
  PP_ASSIGN_OR_RETURN(auto pods, ReadInt(p, dir + "_pods", 1, 100000));
  PP_ASSIGN_OR_RETURN(auto percent, ReadInt(p, dir + "_percent", 1, 100000));
  PP_ASSIGN_OR_RETURN(auto period, ReadDuration(p, dir + "_period", 1, 1800, true));
  PP_ASSIGN_OR_RETURN(auto select, ReadSelect(p, dir + "_select"));
  PP_ASSIGN_OR_RETURN(auto tolerance, ReadDouble(p, dir + "_tolerance", 0, max_tolerance));
  any = window || pods || percent || period || select || tolerance;
  if (window) rules.stabilization_window_seconds = static_cast<int32_t>(*window);
  if (period && !pods && !percent) {
    return Bad(p, dir + "_period", fmt::format("needs {0}_pods or {0}_percent", dir));
  }
  const int32_t seconds = static_cast<int32_t>(period.value_or(shared_period.value_or(15)));
  if (pods || percent) {
    std::vector<hpa::ScalingPolicy> list;
    if (pods) list.push_back({hpa::PolicyType::kPods, *pods, seconds});
    if (percent) list.push_back({hpa::PolicyType::kPercent, *percent, seconds});
    rules.policies = list;
  }
  rules.select_policy = select;
  rules.tolerance = tolerance;
  return rules;
}

Status ReadBehavior(PolicyParams& p, hpa::HpaSpec& spec) {
  PP_ASSIGN_OR_RETURN(std::string mode, p.GetString("behavior", ""));
  if (p.Has("behavior") && mode != "default" && mode != "none") {
    return Bad(p, "behavior", "must be default or none");
  }
  PP_ASSIGN_OR_RETURN(auto period, ReadDuration(p, "period", 1, 1800, true));
  bool any_up = false, any_down = false;
  PP_ASSIGN_OR_RETURN(hpa::ScalingRules up, ReadRules(p, "scale_up", period, 10.0, any_up));
  PP_ASSIGN_OR_RETURN(hpa::ScalingRules down, ReadRules(p, "scale_down", period, 0.99, any_down));
  if (period && !up.policies && !down.policies) {
    return Bad(p, "period", "needs at least one of scale_up_pods, scale_up_percent, scale_down_pods, "
                            "scale_down_percent");
  }
  const bool any = any_up || any_down || period.has_value();
  if (mode == "none" && any) return Bad(p, "behavior", "conflicts with the scale_up_*/scale_down_* keys given");
  if (mode == "default" || any) spec.behavior = hpa::Behavior{up, down};
  return Status::Ok();
}

Status ReadController(PolicyParams& p, hpa::HpaPolicyOptions& o) {
  PP_ASSIGN_OR_RETURN(o.controller.tolerance, p.GetDouble("tolerance", 0.1, 0, 0.99));
  PP_ASSIGN_OR_RETURN(o.controller.downscale_stabilization_window_s,
                      p.GetDuration("downscale_stabilization", 300, 0, 3600));
  PP_ASSIGN_OR_RETURN(o.controller.cpu_initialization_period_s, p.GetDuration("cpu_init_period", 300, 0, 3600));
  PP_ASSIGN_OR_RETURN(o.controller.initial_readiness_delay_s, p.GetDuration("readiness_delay", 30, 0, 3600));
  PP_ASSIGN_OR_RETURN(o.sync_period_s, p.GetDuration("sync_period", 15, 1, 600));
  PP_ASSIGN_OR_RETURN(o.controller.scale_to_zero, p.GetBool("scale_to_zero", false));
  return Status::Ok();
}

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

StatusOr<hpa::HpaPolicyOptions> ParseHpaOptions(PolicyParams& params) {
  hpa::HpaPolicyOptions o;
  o.name = SpecName(params);
  PP_RETURN_IF_ERROR(ReadMetrics(params, o.spec.metrics));
  PP_ASSIGN_OR_RETURN(auto min, ReadInt(params, "min", 0, 100000));
  PP_ASSIGN_OR_RETURN(auto max, ReadInt(params, "max", 1, 100000));
  if (min && max && *min > *max) {
    return Bad(params, "max", fmt::format("must be >= min ({})", *min));
  }
  if (min) o.min_replicas = *min;
  if (max) o.max_replicas = *max;
  PP_RETURN_IF_ERROR(ReadBehavior(params, o.spec));
  PP_RETURN_IF_ERROR(ReadController(params, o));
  PP_RETURN_IF_ERROR(params.CheckAllUsed());
  return o;
}

StatusOr<std::unique_ptr<Policy>> MakeHpaPolicy(PolicyParams& params) {
  PP_ASSIGN_OR_RETURN(hpa::HpaPolicyOptions options, ParseHpaOptions(params));
  PP_ASSIGN_OR_RETURN(std::unique_ptr<hpa::HpaPolicy> policy, hpa::HpaPolicy::Create(std::move(options)));
  return std::unique_ptr<Policy>(std::move(policy));
}

}  // namespace podpilot
