#include "sim/service_state.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace podpilot {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// Kubernetes' container restart back-off: 10 s doubling to a 5 min cap.
double RestartBackOff(int restarts) { return std::min(300.0, 10.0 * std::pow(2.0, std::min(restarts, 10))); }
}  // namespace

void ServiceState::Reset(const ServiceModel& model, int index, Cluster* cluster, Rng* rng, double now) {
  model_ = &model;
  index_ = index;
  cluster_ = cluster;
  rng_ = rng;
  pods_.clear();
  next_id_ = 0;
  version_ = 0;
  requests_ = model.requests;
  limits_ = model.limits;
  desired_ = model.initial_replicas;
  cpu_seconds_per_ready_pod = 0;
  // The initial replicas are warm: scheduled and ready at t = 0, as a running cluster would be.
  for (int i = 0; i < desired_; ++i) {
    CreatePod(now);
    Pod& p = pods_.back();
    p.node = cluster_->Schedule(p.requests);
    if (p.node < 0) continue;  // stays pending; the cluster is too small
    p.state = PodState::kReady;
    // They count as started and ready at t = 0: times before the run are not representable for
    // consumers that treat negative times as "never" (the observation's contract).
    p.started_s = now;
    p.ready_s = now;
    p.next_s = kInf;
  }
  Recount();
}

void ServiceState::CreatePod(double now) {
  Pod p;
  p.id = next_id_++;
  p.version = version_;
  p.state = PodState::kPending;
  p.created_s = now;
  p.next_s = kInf;
  p.mem_factor = 0.94 + 0.12 * rng_->Uniform();
  p.requests = requests_;
  p.limits = limits_;
  pods_.push_back(p);
}

void ServiceState::StartPod(Pod& p, double now) {
  p.state = PodState::kStarting;
  p.next_s = now + model_->startup_seconds;
}

void ServiceState::SetResources(const Resources& requests, const Resources& limits, bool in_place, double now) {
  if (requests == requests_ && limits == limits_) return;
  requests_ = requests;
  limits_ = limits;
  ++version_;
  if (in_place) {
    for (auto& p : pods_) {
      if (p.state == PodState::kTerminating) continue;
      if (p.node < 0 || cluster_->Resize(p.node, p.requests, requests)) {
        p.requests = requests;
        p.limits = limits;
        p.version = version_;
      }
      // Pods whose node lacks room keep the old version and are replaced by the rollout.
    }
  }
  Recount();
  Reconcile(now);
}

int ServiceState::RankForDeletion(const Pod& p) const {
  // Lower rank is deleted first: unscheduled, then not yet running, then not ready, then ready.
  switch (p.state) {
    case PodState::kPending: return 0;
    case PodState::kStarting: return 1;
    case PodState::kBackOff: return 2;
    case PodState::kProbing: return 3;
    case PodState::kReady: return 4;
    case PodState::kTerminating: return 9;
  }
  return 9;
}

void ServiceState::DeletePod(size_t i, double now) {
  Pod& p = pods_[i];
  p.state = PodState::kTerminating;
  p.next_s = now + model_->termination_seconds;
}

void ServiceState::Reconcile(double now) {
  // Live pods per template generation.
  int cur = 0, old = 0, ready_all = 0;
  for (const auto& p : pods_) {
    if (p.state == PodState::kTerminating) continue;
    (p.version == version_ ? cur : old)++;
    ready_all += p.state == PodState::kReady;
  }
  // Picks the live pod to delete first among those matching `pred` (lowest rank, newest).
  auto delete_some = [&](int count, auto pred) {
    while (count-- > 0) {
      int best = -1;
      for (size_t i = 0; i < pods_.size(); ++i) {
        const Pod& p = pods_[i];
        if (p.state == PodState::kTerminating || !pred(p)) continue;
        if (best < 0) { best = static_cast<int>(i); continue; }
        const Pod& b = pods_[best];
        const int rp = RankForDeletion(p), rb = RankForDeletion(b);
        if (rp < rb || (rp == rb && p.created_s > b.created_s)) best = static_cast<int>(i);
      }
      if (best < 0) return;
      DeletePod(static_cast<size_t>(best), now);
    }
  };
  if (old == 0) {
    if (cur < desired_) {
      for (int i = cur; i < desired_; ++i) CreatePod(now);
    } else if (cur > desired_) {
      delete_some(cur - desired_, [](const Pod&) { return true; });
    }
  } else {
    const int max_surge = std::max(1, static_cast<int>(std::ceil(0.25 * desired_)));
    const int max_unavailable = static_cast<int>(std::floor(0.25 * desired_));
    const int create = std::min(desired_ - cur, desired_ + max_surge - (cur + old));
    for (int i = 0; i < create; ++i) CreatePod(now);
    if (cur > desired_) delete_some(cur - desired_, [&](const Pod& p) { return p.version == version_; });
    int old_not_ready = 0;
    for (const auto& p : pods_) {
      old_not_ready += p.state != PodState::kTerminating && p.version != version_ && p.state != PodState::kReady;
    }
    const int min_available = desired_ - max_unavailable;
    const int deletable = std::min(old, old_not_ready + std::max(0, ready_all - min_available));
    delete_some(deletable, [&](const Pod& p) { return p.version != version_; });
  }
  SchedulePending(now);
}

void ServiceState::SchedulePending(double now) {
  for (auto& p : pods_) {
    if (p.state != PodState::kPending) continue;
    p.node = cluster_->Schedule(p.requests);
    if (p.node >= 0) StartPod(p, now);
  }
  Recount();
}

void ServiceState::Advance(double now) {
  if (now < next_event_s_) return;
  for (size_t i = 0; i < pods_.size(); ++i) {
    Pod& p = pods_[i];
    // A pod may pass several stages within one tick (zero delays).
    while (p.next_s <= now) {
      const double t = p.next_s;
      switch (p.state) {
        case PodState::kStarting:
        case PodState::kBackOff:
          p.state = PodState::kProbing;
          p.started_s = t;
          p.burst_until_s = t + model_->startup_cpu_seconds;
          p.next_s = t + model_->ProbeSecondsToReady();
          break;
        case PodState::kProbing:
          p.state = PodState::kReady;
          p.ready_s = t;
          p.next_s = kInf;
          p.cpu_seconds_offset -= cpu_seconds_per_ready_pod;
          break;
        case PodState::kTerminating:
          p.next_s = kInf;
          break;
        default:
          p.next_s = kInf;
      }
    }
  }
  // Remove pods whose termination completed.
  for (size_t i = 0; i < pods_.size();) {
    Pod& p = pods_[i];
    if (p.state == PodState::kTerminating && p.next_s == kInf) {
      cluster_->Release(p.node, p.requests);
      pods_[i] = pods_.back();
      pods_.pop_back();
    } else {
      ++i;
    }
  }
  Reconcile(now);
}

int ServiceState::OomKill(double now, double nominal) {
  int killed = 0;
  for (auto& p : pods_) {
    if (p.state != PodState::kReady) continue;
    if (nominal * p.mem_factor > p.limits.memory) {
      p.state = PodState::kBackOff;
      // Freeze the pod's own CPU counter (it leaves the pool whose per-pod share it tracked).
      p.cpu_seconds_offset += cpu_seconds_per_ready_pod;
      p.next_s = now + RestartBackOff(p.restarts);
      p.ready_s = now;
      ++p.restarts;
      ++killed;
    }
  }
  if (killed) Recount();
  return killed;
}

double ServiceState::NotReadyCpu(double now) const {
  double cpu = 0;
  for (const auto& p : pods_) {
    if (p.state == PodState::kProbing) {
      cpu += std::min(p.limits.cpu, now < p.burst_until_s ? std::max(model_->startup_cpu_cores, model_->base_cpu)
                                                            : model_->base_cpu);
    }
  }
  return cpu;
}

Resources ServiceState::LargestPendingRequest() const {
  Resources r;
  for (const auto& p : pods_) {
    if (p.state == PodState::kPending) {
      r.cpu = std::max(r.cpu, p.requests.cpu);
      r.memory = std::max(r.memory, p.requests.memory);
    }
  }
  return r;
}

void ServiceState::Recount() {
  ready_ = starting_ = pending_ = terminating_ = 0;
  requested_cpu_ = requested_memory_ = ready_capacity_ = 0;
  max_mem_factor_ready_ = 0;
  next_event_s_ = kInf;
  for (const auto& p : pods_) {
    requested_cpu_ += p.requests.cpu;
    requested_memory_ += p.requests.memory;
    next_event_s_ = std::min(next_event_s_, p.next_s);
    switch (p.state) {
      case PodState::kPending: ++pending_; break;
      case PodState::kStarting:
      case PodState::kProbing:
      case PodState::kBackOff: ++starting_; break;
      case PodState::kReady:
        ++ready_;
        ready_capacity_ += std::max(1e-3, p.limits.cpu - model_->base_cpu);
        max_mem_factor_ready_ = std::max(max_mem_factor_ready_, p.mem_factor);
        break;
      case PodState::kTerminating: ++terminating_; break;
    }
  }
}

}  // namespace podpilot
