// Cluster: nodes of the node pools, first-fit scheduling by requests, and cluster-autoscaler
// style provisioning (a pool with max_nodes > nodes adds a node, ready after provision_seconds,
// when pods cannot be scheduled; removes nodes empty for scale_down_unneeded_s).
//
// Owned by one Simulator; not thread-safe.
#pragma once

#include <vector>

#include "sim/app_model.h"

namespace podpilot {

class Cluster {
 public:
  void Reset(const ClusterModel& model);

  // Places a pod with these requests on the first ready node with room. Returns the node index or
  // -1 if none fits (the pod stays Pending). O(nodes).
  int Schedule(const Resources& requests);
  void Release(int node, const Resources& requests);
  // Changes a scheduled pod's requests in place (in-place resize). False if the node lacks room.
  bool Resize(int node, const Resources& from, const Resources& to);

  // Called once per tick with the number of pods that could not be scheduled and the largest
  // request among them: provisions and retires nodes. Returns true if a node became ready (the
  // caller retries its pending pods).
  bool Tick(double now, int unschedulable, const Resources& largest_pending);

  // Node-hours cost of the ready and provisioning nodes (an alternative cost view).
  double NodeCostRatePerHour() const;
  int ReadyNodes() const;
  int TotalNodes() const { return static_cast<int>(nodes_.size()); }

 private:
  struct Node {
    int pool = 0;
    double free_cpu = 0, free_memory = 0;
    double ready_at = 0;        // provisioning until then
    double empty_since = -1;    // for scale-down
    int pods = 0;
    bool removed = false;
  };
  const ClusterModel* model_ = nullptr;
  std::vector<Node> nodes_;
  std::vector<int> pool_nodes_;  // live nodes per pool
  double now_ = 0;
  static constexpr double kScaleDownUnneededS = 600;
};

}  // namespace podpilot
