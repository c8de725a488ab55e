// ServiceState: the pods of one service (a Deployment) and their lifecycle.
//
//   Pending --scheduled--> Starting --startup_seconds--> Probing --readiness--> Ready
//   Ready --OOM kill--> BackOff --restart back-off--> Probing (container restarted)
//   any --scale down / rollout--> Terminating --termination_seconds--> gone
//
// Terminating pods leave the load balancer at once but keep their requests (and cost) until gone.
// Reconcile() plays the Deployment and ReplicaSet controllers: it creates or deletes pods to meet
// the desired replicas (deleting pending, then not-ready, then the newest ready pods first, as the
// ReplicaSet controller ranks them) and rolls a changed template out with maxSurge 25 % and
// maxUnavailable 25 %, or resizes pods in place when the cluster allows it.
//
// Aggregate counters are kept current on every transition, so the simulator's per-tick work is
// O(1) per service unless a transition is due (next_event_s()).
// Owned by one Simulator; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/rng.h"
#include "policy/observation.h"
#include "sim/app_model.h"
#include "sim/cluster.h"

namespace podpilot {

enum class PodState : uint8_t { kPending, kStarting, kProbing, kReady, kBackOff, kTerminating };

struct Pod {
  uint32_t id = 0;
  uint32_t version = 0;          // template generation the pod was created from
  PodState state = PodState::kPending;
  int node = -1;
  double created_s = 0;
  double started_s = -1;         // container (re)start
  double ready_s = -1;           // last readiness transition
  double next_s = 0;             // next scheduled transition (starting/probing/backoff/terminating)
  double burst_until_s = -1;     // startup CPU burst active until then
  double mem_factor = 1.0;       // per-pod spread of the working set (heap layout, caches)
  int restarts = 0;
  Resources requests;
  Resources limits;
  double cpu_seconds_offset = 0; // for exposition: cumulative CPU before joining the ready pool
};

class ServiceState {
 public:
  void Reset(const ServiceModel& model, int index, Cluster* cluster, Rng* rng, double now);

  // Desired replicas (the scale subresource's spec). Takes effect at the next Reconcile.
  void SetDesired(int replicas) { desired_ = replicas; }
  int desired() const { return desired_; }
  // New pod template resources. In place when `in_place` (and the node has room), else a rollout.
  void SetResources(const Resources& requests, const Resources& limits, bool in_place, double now);
  const Resources& requests() const { return requests_; }
  const Resources& limits() const { return limits_; }

  // Applies transitions due at or before `now`, schedules pending pods, then reconciles.
  void Advance(double now);
  void Reconcile(double now);
  // Retries scheduling of pending pods (after the cluster gained room).
  void SchedulePending(double now);
  // Kills ready pods whose working set (nominal × the pod's factor) exceeds their memory limit.
  // Returns the number killed.
  int OomKill(double now, double nominal_working_set);

  double next_event_s() const { return next_event_s_; }
  int ready() const { return ready_; }
  int starting() const { return starting_; }     // Starting + Probing + BackOff
  int pending() const { return pending_; }
  int terminating() const { return terminating_; }
  int existing() const { return static_cast<int>(pods_.size()); }
  // Sum over existing pods (pending and terminating included): what the cost is charged on.
  double requested_cpu() const { return requested_cpu_; }
  double requested_memory() const { return requested_memory_; }
  // Cores available to requests over ready pods: sum of (limit - base CPU).
  double ready_capacity() const { return ready_capacity_; }
  double max_mem_factor_ready() const { return max_mem_factor_ready_; }
  // CPU used by pods that are not ready (base, or the startup burst while it lasts).
  double NotReadyCpu(double now) const;
  const std::vector<Pod>& pods() const { return pods_; }
  std::vector<Pod>& mutable_pods() { return pods_; }
  const ServiceModel& model() const { return *model_; }
  Resources LargestPendingRequest() const;

  // Set by the simulator: cumulative CPU seconds per ready pod (for per-pod exposition counters).
  double cpu_seconds_per_ready_pod = 0;

 private:
  void CreatePod(double now);
  void DeletePod(size_t i, double now);
  void StartPod(Pod& p, double now);
  void Recount();
  int RankForDeletion(const Pod& p) const;

  const ServiceModel* model_ = nullptr;
  int index_ = 0;
  Cluster* cluster_ = nullptr;
  Rng* rng_ = nullptr;
  std::vector<Pod> pods_;
  uint32_t next_id_ = 0;
  uint32_t version_ = 0;
  int desired_ = 0;
  Resources requests_, limits_;
  int ready_ = 0, starting_ = 0, pending_ = 0, terminating_ = 0;
  double requested_cpu_ = 0, requested_memory_ = 0, ready_capacity_ = 0, max_mem_factor_ready_ = 1.0;
  double next_event_s_ = 0;
};

}  // namespace podpilot
