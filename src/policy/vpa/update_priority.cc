#include "policy/vpa/update_priority.h"

#include <algorithm>
#include <cmath>

namespace podpilot::vpa {
namespace {

struct Totals {
  int64_t requested = 0;
  int64_t recommended = 0;
  bool present = false;  // the resource appears in some container's recommendation
};

void Accumulate(const std::optional<ResourceRecommendation>& rec, const std::optional<int64_t>& request,
                Totals& totals, PodPriority& p) {
  if (!rec) return;
  totals.present = true;
  totals.recommended += rec->target_milli;
  if (request) {
    totals.requested += *request;
    if (rec->target_milli > *request) p.scale_up = true;
    if ((rec->lower_milli && *request < *rec->lower_milli) || (rec->upper_milli && *request > *rec->upper_milli)) {
      p.outside_recommended_range = true;
    }
  } else {
    // No request: treated as 0 (the namespace default is ignored upstream too).
    p.scale_up = true;
    p.outside_recommended_range = true;
  }
}

double Diff(const Totals& t) {
  if (!t.present) return 0.0;
  double req = std::max(static_cast<double>(t.requested), 1.0);
  return std::abs(req - static_cast<double>(t.recommended)) / req;
}

}  // namespace

PodPriority GetUpdatePriority(const std::vector<ContainerRequests>& pod_containers,
                              const std::vector<ContainerRecommendation>& recommendation) {
  PodPriority p;
  Totals cpu, memory;
  for (const auto& c : pod_containers) {
    auto it = std::find_if(recommendation.begin(), recommendation.end(),
                           [&](const ContainerRecommendation& r) { return r.name == c.name; });
    if (it == recommendation.end()) continue;
    Accumulate(it->cpu, c.cpu_milli, cpu, p);
    Accumulate(it->memory, c.memory_milli, memory, p);
  }
  p.resource_diff = Diff(cpu) + Diff(memory);
  return p;
}

bool UpdatePriorityCalculator::AddPod(const UpdateCandidate& pod, double now_s) {
  bool quick_oom = pod.last_oom_run_duration_s.has_value() &&
                   *pod.last_oom_run_duration_s < config_.evict_after_oom_threshold_s;
  if (!pod.priority.outside_recommended_range && !quick_oom) {
    if (!pod.start_time_s) return false;
    if (now_s < *pod.start_time_s + config_.pod_lifetime_threshold_s) return false;  // short-lived
    if (pod.priority.resource_diff < config_.min_change_priority) return false;
  }
  // After a quick OOM, evict only if the resources would change.
  if (quick_oom && pod.priority.resource_diff == 0) return false;
  pods_.push_back(pod);
  return true;
}

std::vector<UpdateCandidate> UpdatePriorityCalculator::GetSortedPods() const {
  std::vector<UpdateCandidate> sorted = pods_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const UpdateCandidate& a, const UpdateCandidate& b) {
    return b.priority.LessThan(a.priority);
  });
  return sorted;
}

}  // namespace podpilot::vpa
