// CallPlans: an application's call trees compiled for fast latency evaluation.
//
// For each request class it knows the expected visits and CPU demand per service per request, and
// evaluates the end-to-end latency moments from per-service state:
//   spc[s]     seconds per core-second of demand at service s (the PS slowdown over a pod's
//              capacity: a visit with demand c core-seconds takes c * spc[s] on average),
//   wait_ms[s] the fluid-backlog delay added to every visit of s,
//   scv[s]     the SCV of a visit's queueing time at s (queueing.h).
// Trees without parallel steps are linear in that state: a class's mean is
// sum_s a_cpu[s] spc[s] + a_wait[s] wait_ms[s] + hops and its variance sum_s a_var[s] spc[s]^2 scv[s];
// evaluating those sums instead of walking the tree every tick is what makes the simulator fast.
// Trees with parallel steps are walked, since the max (Clark's approximation) is not linear.
//
// Both the simulator and the clairvoyant lower bound evaluate latency through this one class.
// Immutable after construction; thread-safe for concurrent reads.
#pragma once

#include <utility>
#include <vector>

#include "sim/app_model.h"
#include "sim/queueing.h"

namespace podpilot {

class CallPlans {
 public:
  // `force_tree_walk` evaluates every class by walking its tree (to cross-check the fast path).
  CallPlans(const AppModel& app, bool force_tree_walk);

  size_t services() const { return n_; }
  size_t classes() const { return lin_.size(); }
  // Per entry request (class mix included): visits to service s, CPU demand (core-seconds), mean
  // demand per visit.
  double visit_factor(int s) const { return visit_factor_[s]; }
  double cpu_factor(int s) const { return cpu_factor_[s]; }
  double mean_cpu(int s) const { return mean_cpu_[s]; }
  // Per request of class c: (service, expected visits) for the services it reaches.
  const std::vector<std::pair<int, double>>& class_visits(int c) const { return class_visits_[c]; }

  // End-to-end moments (ms) of one request of class c, network hops included. `v2[s]` must be
  // spc[s]^2 * scv[s]. For walked classes, `subtree_mean` / `subtree_m2` (if non-null) receive
  // the mesh view of every visit weighted by `weight` (requests of this class), as below.
  Moments ClassMoments(int c, const double* spc, const double* wait_ms, const double* scv, const double* v2,
                       double weight, double* subtree_mean, double* subtree_m2) const;

  // The mesh's per-service view for the linear classes, per `entry` requests: sum over visits of
  // the subtree latency (a visit's own time plus its downstream calls) and of its second moment.
  // The second moment treats all visits of a service as having the same subtree mean (their spread
  // across call sites is small next to the queueing variance). Overwrites both outputs.
  void LinearSubtrees(double entry, const double* spc, const double* wait_ms, const double* v2, double* subtree_mean,
                      double* subtree_m2) const;

 private:
  struct LinearClass {
    bool linear = true;
    std::vector<double> a_cpu, a_wait, a_var;  // per service
    double hops = 0;                           // ms
  };
  void AddLinear(const CallNode& n, double p_parent, int cls, std::vector<int>* ancestors);
  Moments Walk(const CallNode& node, const double* spc, const double* wait_ms, const double* scv, double weight,
               double* subtree_mean, double* subtree_m2) const;

  const AppModel& app_;
  size_t n_;
  std::vector<double> visit_factor_, cpu_factor_, mean_cpu_;
  std::vector<std::vector<std::pair<int, double>>> class_visits_;
  std::vector<LinearClass> lin_;
  std::vector<double> sub_cpu_, sub_wait_, sub_var_;  // n x n, row = the service whose subtree it is
  std::vector<double> sub_hops_, sub_visits_;
  std::vector<std::vector<int>> sub_nonzero_;
};

}  // namespace podpilot
