#include "policy/vpa/vpa_factory.h"

#include "common/units.h"
#include "policy/vpa/vpa_policy.h"

namespace podpilot {
namespace {

using vpa::ResourceAmount;

std::string Where(const PolicyParams& p, const std::string& key, const std::string& value) {
  return p.name() + ": parameter " + key + "=" + value;
}

// A CPU quantity ("25m", "0.5") in millicores, within [0, hi_cores].
StatusOr<ResourceAmount> GetCpu(PolicyParams& p, const std::string& key, ResourceAmount fallback, double hi_cores) {
  PP_ASSIGN_OR_RETURN(std::string text, p.GetString(key, ""));
  if (text.empty()) return fallback;
  auto cores = ParseCpu(text);
  if (!cores.ok()) return InvalidArgumentError(Where(p, key, text) + ": " + cores.status().message());
  if (*cores < 0 || *cores > hi_cores) {
    return InvalidArgumentError(Where(p, key, text) + ": out of range [0, " + std::to_string(hi_cores) + " cores]");
  }
  return vpa::CpuAmountFromCores(*cores);
}

// A memory quantity ("250Mi") in bytes, within [0, hi_bytes].
StatusOr<ResourceAmount> GetMemory(PolicyParams& p, const std::string& key, ResourceAmount fallback, double hi_bytes) {
  PP_ASSIGN_OR_RETURN(std::string text, p.GetString(key, ""));
  if (text.empty()) return fallback;
  auto bytes = ParseBytes(text);
  if (!bytes.ok()) return InvalidArgumentError(Where(p, key, text) + ": " + bytes.status().message());
  if (*bytes < 0 || *bytes > hi_bytes) {
    return InvalidArgumentError(Where(p, key, text) + ": out of range [0, " + std::to_string(hi_bytes) + " bytes]");
  }
  return vpa::MemoryAmountFromBytes(*bytes);
}

StatusOr<double> GetPercentile(PolicyParams& p, const std::string& key, double fallback) {
  PP_ASSIGN_OR_RETURN(double v, p.GetDouble(key, fallback, 0.0, 1.0));
  if (v <= 0) return InvalidArgumentError(Where(p, key, p.values().at(key)) + ": must be > 0");
  return v;
}

Status CheckBounds(const PolicyParams& p, const std::string& min_key, ResourceAmount min_v,
                   const std::string& max_key, ResourceAmount max_v) {
  if (min_v != 0 && max_v != 0 && min_v > max_v) {
    return InvalidArgumentError(p.name() + ": " + min_key + "=" + p.values().at(min_key) + " exceeds " +
                                max_key + "=" + p.values().at(max_key));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Policy>> MakeVpaPolicy(PolicyParams& params) {
  constexpr double kDay = 86400.0;
  constexpr double kTi = 1024.0 * 1024 * 1024 * 1024;
  vpa::VpaPolicyConfig c;

  PP_ASSIGN_OR_RETURN(std::string mode, params.GetString("mode", "Recreate"));
  if (mode == "Off") {
    c.mode = vpa::UpdateMode::kOff;
  } else if (mode == "Initial") {
    c.mode = vpa::UpdateMode::kInitial;
  } else if (mode == "Recreate" || mode == "Auto") {
    c.mode = vpa::UpdateMode::kRecreate;
  } else if (mode == "InPlaceOrRecreate") {
    c.mode = vpa::UpdateMode::kInPlaceOrRecreate;
  } else {
    return InvalidArgumentError(Where(params, "mode", mode) +
                                ": unknown update mode (Off, Initial, Recreate, Auto, InPlaceOrRecreate)");
  }

  PP_ASSIGN_OR_RETURN(c.recommender_interval_s, params.GetDuration("recommender_interval", 60, 1, kDay));
  PP_ASSIGN_OR_RETURN(c.updater_interval_s, params.GetDuration("updater_interval", 60, 1, kDay));
  PP_ASSIGN_OR_RETURN(double half_life, params.GetDuration("half_life", kDay, 60, 365 * kDay));
  c.aggregations.cpu_half_life_s = c.aggregations.memory_half_life_s = half_life;
  PP_ASSIGN_OR_RETURN(c.aggregations.memory_aggregation_interval_s,
                      params.GetDuration("memory_interval", kDay, 60, 30 * kDay));
  PP_ASSIGN_OR_RETURN(double ci, params.GetDuration("confidence_interval", kDay, 60, 365 * kDay));
  c.recommender.confidence_interval_cpu_s = c.recommender.confidence_interval_memory_s = ci;

  PP_ASSIGN_OR_RETURN(c.recommender.target_cpu_percentile, GetPercentile(params, "cpu_percentile", 0.9));
  PP_ASSIGN_OR_RETURN(c.recommender.target_memory_percentile, GetPercentile(params, "memory_percentile", 0.9));
  PP_ASSIGN_OR_RETURN(double lower, GetPercentile(params, "lower_percentile", 0.5));
  PP_ASSIGN_OR_RETURN(double upper, GetPercentile(params, "upper_percentile", 0.95));
  c.recommender.lower_cpu_percentile = c.recommender.lower_memory_percentile = lower;
  c.recommender.upper_cpu_percentile = c.recommender.upper_memory_percentile = upper;
  for (double target : {c.recommender.target_cpu_percentile, c.recommender.target_memory_percentile}) {
    if (lower > target || target > upper) {
      return InvalidArgumentError(params.name() + ": percentiles must satisfy lower_percentile (" +
                                  std::to_string(lower) + ") <= target (" + std::to_string(target) +
                                  ") <= upper_percentile (" + std::to_string(upper) + ")");
    }
  }
  PP_ASSIGN_OR_RETURN(c.recommender.safety_margin_fraction, params.GetDouble("margin", 0.15, 0, 10));
  PP_ASSIGN_OR_RETURN(ResourceAmount pod_min_cpu, GetCpu(params, "pod_min_cpu", 25, 1000));
  PP_ASSIGN_OR_RETURN(ResourceAmount pod_min_mem, GetMemory(params, "pod_min_memory", 250LL * 1024 * 1024, kTi));
  c.recommender.pod_min_cpu_millicores = static_cast<double>(pod_min_cpu);
  c.recommender.pod_min_memory_mb = static_cast<double>(pod_min_mem) / (1024.0 * 1024.0);

  auto& cp = c.container_policy;
  PP_ASSIGN_OR_RETURN(cp.min_allowed.cpu, GetCpu(params, "min_allowed_cpu", 0, 1000));
  PP_ASSIGN_OR_RETURN(cp.max_allowed.cpu, GetCpu(params, "max_allowed_cpu", 0, 1000));
  PP_ASSIGN_OR_RETURN(cp.min_allowed.memory, GetMemory(params, "min_allowed_memory", 0, kTi));
  PP_ASSIGN_OR_RETURN(cp.max_allowed.memory, GetMemory(params, "max_allowed_memory", 0, kTi));
  PP_RETURN_IF_ERROR(CheckBounds(params, "min_allowed_cpu", cp.min_allowed.cpu, "max_allowed_cpu", cp.max_allowed.cpu));
  PP_RETURN_IF_ERROR(CheckBounds(params, "min_allowed_memory", cp.min_allowed.memory, "max_allowed_memory",
                                 cp.max_allowed.memory));

  PP_ASSIGN_OR_RETURN(std::string values, params.GetString("controlled_values", "RequestsAndLimits"));
  if (values != "RequestsAndLimits" && values != "RequestsOnly") {
    return InvalidArgumentError(Where(params, "controlled_values", values) + ": expected RequestsAndLimits or RequestsOnly");
  }
  c.requests_only = values == "RequestsOnly";
  PP_ASSIGN_OR_RETURN(std::string resources, params.GetString("controlled_resources", "both"));
  if (resources != "both" && resources != "cpu" && resources != "memory") {
    return InvalidArgumentError(Where(params, "controlled_resources", resources) + ": expected both, cpu or memory");
  }
  c.control_cpu = resources != "memory";
  c.control_memory = resources != "cpu";

  PP_ASSIGN_OR_RETURN(c.min_replicas, params.GetInt("min_replicas", 2, 1, 1000));
  PP_ASSIGN_OR_RETURN(c.eviction_tolerance, params.GetDouble("eviction_tolerance", 0.5, 0, 1));
  PP_ASSIGN_OR_RETURN(c.eviction_rate_limit, params.GetDouble("eviction_rate", -1, -1, 1000));
  PP_ASSIGN_OR_RETURN(c.eviction_rate_burst, params.GetInt("eviction_burst", 1, 1, 1000));
  PP_ASSIGN_OR_RETURN(c.update.min_change_priority, params.GetDouble("update_threshold", 0.1, 0, 100));
  PP_ASSIGN_OR_RETURN(c.update.pod_lifetime_threshold_s, params.GetDuration("lifetime_threshold", 12 * 3600, 0, 30 * kDay));
  PP_ASSIGN_OR_RETURN(c.update.evict_after_oom_threshold_s, params.GetDuration("oom_threshold", 600, 0, kDay));
  PP_ASSIGN_OR_RETURN(c.aggregations.oom_bump_up_ratio, params.GetDouble("oom_bump_ratio", 1.2, 1, 10));
  PP_ASSIGN_OR_RETURN(ResourceAmount oom_min, GetMemory(params, "oom_min_bump", 100LL * 1024 * 1024, kTi));
  c.aggregations.oom_min_bump_up_bytes = static_cast<double>(oom_min);
  PP_ASSIGN_OR_RETURN(std::string weight, params.GetString("cpu_weight", "constant"));
  if (weight != "constant" && weight != "request") {
    return InvalidArgumentError(Where(params, "cpu_weight", weight) + ": expected constant or request");
  }
  c.aggregations.cpu_weight_from_request = weight == "request";
  PP_RETURN_IF_ERROR(params.CheckAllUsed());

  std::string name = "vpa:mode=" + std::string(vpa::UpdateModeName(c.mode));
  return std::unique_ptr<Policy>(std::make_unique<vpa::VpaPolicy>(std::move(c), std::move(name)));
}

}  // namespace podpilot
