// Which pods the VPA updater wants to update, and in which order (upstream updater/priority:
// priority_processor.go and update_priority_calculator.go, baselines.md 2.6).
//
// A pod's priority compares its requests with the (capped) recommendation, summed over the
// containers present in both: resourceDiff = sum over resources of |request - target| / request.
// A pod is admitted when a request lies outside [lower bound, upper bound], or after a quick OOM
// (OOMKilled less than 10 min after the container started) with a non-zero diff, or when it has
// lived at least 12 h and resourceDiff >= 0.10. Admitted pods are sorted: pods that need more
// resources first, then by descending resourceDiff.
//
// Quantities are milli-units (Kubernetes MilliValue(): CPU millicores, memory bytes x 1000).
// Pure functions and a small value-type calculator; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace podpilot::vpa {

// One container's requests; nullopt when the request is not set.
struct ContainerRequests {
  std::string name;
  std::optional<int64_t> cpu_milli;
  std::optional<int64_t> memory_milli;
};

// Recommendation for one resource of one container (milli-units). Bounds may be absent.
struct ResourceRecommendation {
  int64_t target_milli = 0;
  std::optional<int64_t> lower_milli;
  std::optional<int64_t> upper_milli;
};

struct ContainerRecommendation {
  std::string name;
  std::optional<ResourceRecommendation> cpu;     // absent: the resource is not controlled
  std::optional<ResourceRecommendation> memory;
};

struct PodPriority {
  bool outside_recommended_range = false;
  bool scale_up = false;
  double resource_diff = 0.0;
  // Higher priority first: scale-up before scale-down, then larger diff.
  bool LessThan(const PodPriority& other) const {
    if (scale_up != other.scale_up) return other.scale_up;
    return resource_diff < other.resource_diff;
  }
};

// Containers absent from the recommendation are skipped; a missing request counts as scale-up
// and outside the range.
PodPriority GetUpdatePriority(const std::vector<ContainerRequests>& pod_containers,
                              const std::vector<ContainerRecommendation>& recommendation);

struct UpdateConfig {
  double min_change_priority = 0.10;          // --pod-update-threshold
  double pod_lifetime_threshold_s = 12 * 3600;  // --in-recommendation-bounds-eviction-lifetime-threshold
  double evict_after_oom_threshold_s = 600;     // --evict-after-oom-threshold
};

// A pod as the calculator sees it.
struct UpdateCandidate {
  std::string id;
  PodPriority priority;
  std::optional<double> start_time_s;  // status.startTime; nullopt if unset
  // Last termination of some container: OOMKilled after running for (finished - started) seconds.
  std::optional<double> last_oom_run_duration_s;
};

class UpdatePriorityCalculator {
 public:
  explicit UpdatePriorityCalculator(const UpdateConfig& config = {}) : config_(config) {}
  // Admits the pod into the update set if the rules above allow it at `now_s`; returns whether it did.
  bool AddPod(const UpdateCandidate& pod, double now_s);
  // Admitted pods, highest priority first (stable for equal priorities).
  std::vector<UpdateCandidate> GetSortedPods() const;

 private:
  UpdateConfig config_;
  std::vector<UpdateCandidate> pods_;
};

}  // namespace podpilot::vpa
