#include "policy/hpa/pod_grouping.h"

#include <fmt/format.h>

namespace podpilot::hpa {
namespace {

// The CPU-only readiness rule (step 4 of baselines.md 1.4). Returns true if the pod's CPU
// sample must not be trusted yet.
bool CpuSampleUnready(const Pod& pod, const PodMetric& metric, double cpu_init_s, double delay_s,
                      Time now) {
  if (!pod.ready_condition.has_value() || !pod.start_time.has_value()) return true;
  const ReadyCondition& ready = *pod.ready_condition;
  const Time start = *pod.start_time;
  if (start + cpu_init_s > now) {
    // Still inside the initialisation period: trust only a ready pod whose whole metric window
    // lies after it became ready (the window may contain start-up CPU bursts otherwise).
    return !ready.status || metric.timestamp < ready.last_transition + metric.window_s;
  }
  // After the initialisation period: ignore a pod that is unready and has never been ready
  // (its readiness flipped to False within the initial readiness delay of its start).
  return !ready.status && start + delay_s > ready.last_transition;
}

}  // namespace

PodGroups GroupPods(const std::vector<Pod>& pods, const PodMetricsInfo& metrics,
                    std::optional<ResourceName> resource, double cpu_initialization_period_s,
                    double initial_readiness_delay_s, Time now) {
  PodGroups g;
  for (const Pod& pod : pods) {
    if (pod.deletion_timestamp_set || pod.phase == PodPhase::kFailed) {
      g.ignored.insert(pod.name);
      continue;
    }
    if (pod.phase == PodPhase::kPending) {
      g.unready.insert(pod.name);
      continue;
    }
    auto it = metrics.find(pod.name);
    if (it == metrics.end()) {
      g.missing.insert(pod.name);
      continue;
    }
    if (resource == ResourceName::kCpu &&
        CpuSampleUnready(pod, it->second, cpu_initialization_period_s, initial_readiness_delay_s,
                         now)) {
      g.unready.insert(pod.name);
      continue;
    }
    ++g.ready_pod_count;
  }
  return g;
}

void RemoveMetricsForPods(PodMetricsInfo& metrics, const std::set<std::string>& pods) {
  for (const auto& name : pods) metrics.erase(name);
}

namespace {

StatusOr<int64_t> RequestFromContainers(const Pod& pod, const std::string& container,
                                        ResourceName resource) {
  const char* res = ResourceNameString(resource);
  int64_t request = 0;
  auto visit = [&](const Container& c) -> std::optional<Status> {
    if (container.empty() || container == c.name) {
      auto r = c.Request(resource);
      if (!r.has_value()) {
        return InvalidArgumentError(
            fmt::format("missing request for {} in container {} of Pod {}", res, c.name, pod.name));
      }
      request += *r;
    }
    return std::nullopt;
  };
  // Regular containers first, then restartable init containers, as upstream appends them.
  for (const auto* list : {&pod.containers, &pod.sidecar_init_containers}) {
    for (const Container& c : *list) {
      if (auto err = visit(c)) return *err;
      if (!container.empty() && container == c.name) return request;  // names are unique
    }
  }
  if (!container.empty()) {
    return InvalidArgumentError(fmt::format("container {} not found in Pod {}", container, pod.name));
  }
  return request;
}

}  // namespace

StatusOr<std::map<std::string, int64_t>> CalculateRequests(const std::vector<Pod>& pods,
                                                          const std::string& container,
                                                          ResourceName resource,
                                                          bool pod_level_resources) {
  std::map<std::string, int64_t> requests;
  for (const Pod& pod : pods) {
    std::optional<int64_t> pod_level = resource == ResourceName::kCpu ? pod.pod_cpu_request_milli
                                                                      : pod.pod_memory_request_milli;
    const bool pod_level_set = pod.pod_cpu_request_milli.has_value() ||
                               pod.pod_memory_request_milli.has_value();
    if (pod_level_resources && pod_level_set && container.empty()) {
      if (!pod_level.has_value()) {
        return InvalidArgumentError(fmt::format("missing pod-level request for {} in Pod {}",
                                                ResourceNameString(resource), pod.name));
      }
      requests[pod.name] = *pod_level;
      continue;
    }
    PP_ASSIGN_OR_RETURN(int64_t r, RequestFromContainers(pod, container, resource));
    requests[pod.name] = r;
  }
  return requests;
}

}  // namespace podpilot::hpa
