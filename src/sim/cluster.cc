#include "sim/cluster.h"

namespace podpilot {

void Cluster::Reset(const ClusterModel& model) {
  model_ = &model;
  nodes_.clear();
  pool_nodes_.assign(model.node_pools.size(), 0);
  now_ = 0;
  for (size_t p = 0; p < model.node_pools.size(); ++p) {
    const NodePool& pool = model.node_pools[p];
    for (int i = 0; i < pool.nodes; ++i) {
      nodes_.push_back(Node{static_cast<int>(p), pool.cpu, pool.memory, 0.0, -1, 0, false});
    }
    pool_nodes_[p] = pool.nodes;
  }
}

int Cluster::Schedule(const Resources& r) {
  // Small epsilon so that requests summing exactly to allocatable still fit despite rounding.
  constexpr double kEps = 1e-9;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    if (n.removed || n.ready_at > now_) continue;
    if (n.free_cpu + kEps >= r.cpu && n.free_memory + 1.0 >= r.memory) {
      n.free_cpu -= r.cpu;
      n.free_memory -= r.memory;
      ++n.pods;
      n.empty_since = -1;
      return static_cast<int>(i);
    }
  }
  return -1;
}

void Cluster::Release(int node, const Resources& r) {
  if (node < 0) return;
  Node& n = nodes_[node];
  n.free_cpu += r.cpu;
  n.free_memory += r.memory;
  if (--n.pods == 0) n.empty_since = now_;
}

bool Cluster::Resize(int node, const Resources& from, const Resources& to) {
  Node& n = nodes_[node];
  const double dc = to.cpu - from.cpu, dm = to.memory - from.memory;
  if (n.free_cpu + 1e-9 < dc || n.free_memory + 1.0 < dm) return false;
  n.free_cpu -= dc;
  n.free_memory -= dm;
  return true;
}

bool Cluster::Tick(double now, int unschedulable, const Resources& largest) {
  const double prev = now_;
  now_ = now;
  bool became_ready = false;
  for (auto& n : nodes_) {
    if (!n.removed && n.ready_at > prev && n.ready_at <= now) became_ready = true;
  }
  if (unschedulable > 0) {
    // Provision one node at a time per pool that could host the largest pending pod, unless one
    // is already on its way (the cluster autoscaler's scale-up is similarly conservative).
    bool provisioning = false;
    for (const auto& n : nodes_) provisioning = provisioning || (!n.removed && n.ready_at > now);
    if (!provisioning) {
      for (size_t p = 0; p < model_->node_pools.size(); ++p) {
        const NodePool& pool = model_->node_pools[p];
        if (pool_nodes_[p] >= pool.max_nodes) continue;
        if (pool.cpu < largest.cpu || pool.memory < largest.memory) continue;
        nodes_.push_back(Node{static_cast<int>(p), pool.cpu, pool.memory, now + pool.provision_seconds, -1, 0, false});
        ++pool_nodes_[p];
        break;
      }
    }
  } else {
    for (auto& n : nodes_) {
      if (n.removed || n.pods > 0 || n.empty_since < 0) continue;
      if (now - n.empty_since >= kScaleDownUnneededS && pool_nodes_[n.pool] > model_->node_pools[n.pool].nodes) {
        n.removed = true;
        --pool_nodes_[n.pool];
      }
    }
  }
  return became_ready;
}

double Cluster::NodeCostRatePerHour() const {
  double rate = 0;
  for (const auto& n : nodes_) {
    if (n.removed) continue;
    const NodePool& pool = model_->node_pools[n.pool];
    rate += pool.cpu * model_->price_cpu_core_hour + pool.memory / (1024.0 * 1024 * 1024) * model_->price_memory_gib_hour;
  }
  return rate;
}

int Cluster::ReadyNodes() const {
  int k = 0;
  for (const auto& n : nodes_) k += (!n.removed && n.ready_at <= now_);
  return k;
}

}  // namespace podpilot
