#include "sim/call_plans.h"

namespace podpilot {
namespace {

// Accumulates the expected visits and CPU demand per entry request of every service in a tree.
void Accumulate(const AppModel& app, const CallNode& n, double mult, std::vector<double>* visits,
                std::vector<double>* cpu) {
  const double v = mult * n.visits;
  const double c = n.cpu_per_request >= 0 ? n.cpu_per_request : app.services[n.service].cpu_per_request;
  (*visits)[n.service] += v;
  (*cpu)[n.service] += v * c;
  for (const auto& step : n.steps) {
    for (const auto& child : step) Accumulate(app, child, v, visits, cpu);
  }
}

bool HasParallel(const CallNode& node) {
  for (const auto& step : node.steps) {
    if (step.size() > 1 || HasParallel(step[0])) return true;
  }
  return false;
}

}  // namespace

CallPlans::CallPlans(const AppModel& app, bool force_tree_walk) : app_(app), n_(app.services.size()) {
  const size_t n = n_;
  visit_factor_.assign(n, 0.0);
  cpu_factor_.assign(n, 0.0);
  for (const auto& c : app.classes) {
    std::vector<double> v(n, 0.0), cpu(n, 0.0);
    Accumulate(app, c.root, 1.0, &v, &cpu);
    std::vector<std::pair<int, double>> sparse;
    for (size_t s = 0; s < n; ++s) {
      visit_factor_[s] += c.weight * v[s];
      cpu_factor_[s] += c.weight * cpu[s];
      if (v[s] > 0) sparse.emplace_back(static_cast<int>(s), v[s]);
    }
    class_visits_.push_back(std::move(sparse));
  }
  mean_cpu_.resize(n);
  for (size_t s = 0; s < n; ++s) {
    mean_cpu_[s] = visit_factor_[s] > 0 ? cpu_factor_[s] / visit_factor_[s] : app.services[s].cpu_per_request;
  }
  lin_.assign(app.classes.size(), LinearClass{});
  sub_cpu_.assign(n * n, 0.0);
  sub_wait_.assign(n * n, 0.0);
  sub_var_.assign(n * n, 0.0);
  sub_hops_.assign(n, 0.0);
  sub_visits_.assign(n, 0.0);
  for (size_t c = 0; c < app.classes.size(); ++c) {
    LinearClass& lc = lin_[c];
    lc.linear = !force_tree_walk && !HasParallel(app.classes[c].root);
    if (!lc.linear) continue;
    lc.a_cpu.assign(n, 0.0);
    lc.a_wait.assign(n, 0.0);
    lc.a_var.assign(n, 0.0);
    lc.hops = 2.0 * app.network_hop_ms;
    std::vector<int> ancestors;
    AddLinear(app.classes[c].root, 1.0, static_cast<int>(c), &ancestors);
  }
  sub_nonzero_.assign(n, {});
  for (size_t r = 0; r < n; ++r) {
    for (size_t k = 0; k < n; ++k) {
      if (sub_cpu_[r * n + k] != 0 || sub_wait_[r * n + k] != 0) sub_nonzero_[r].push_back(static_cast<int>(k));
    }
  }
}

void CallPlans::AddLinear(const CallNode& node, double p_parent, int cls, std::vector<int>* ancestors) {
  const size_t n = n_;
  const int s = node.service;
  const double p = p_parent * node.visits;
  const double cpu_ms = 1e3 * (node.cpu_per_request >= 0 ? node.cpu_per_request : app_.services[s].cpu_per_request);
  const double hops = p * 2.0 * app_.network_hop_ms * static_cast<double>(node.steps.size());
  LinearClass& lc = lin_[cls];
  lc.a_cpu[s] += p * cpu_ms;
  lc.a_wait[s] += p;
  lc.a_var[s] += p * cpu_ms * cpu_ms;
  lc.hops += hops;
  const double w = app_.classes[cls].weight;
  ancestors->push_back(s);
  sub_visits_[s] += w * p;
  // This node's own terms appear in the subtree of every ancestor-or-self.
  for (int a : *ancestors) {
    sub_cpu_[a * n + s] += w * p * cpu_ms;
    sub_wait_[a * n + s] += w * p;
    sub_var_[a * n + s] += w * p * cpu_ms * cpu_ms;
    sub_hops_[a] += w * hops;
  }
  for (const auto& step : node.steps) AddLinear(step[0], p, cls, ancestors);
  ancestors->pop_back();
}

Moments CallPlans::ClassMoments(int c, const double* spc, const double* wait_ms, const double* scv, const double* v2,
                                double weight, double* subtree_mean, double* subtree_m2) const {
  const LinearClass& lc = lin_[c];
  if (lc.linear) {
    double m = lc.hops, v = 0;
    for (size_t k = 0; k < n_; ++k) {
      m += lc.a_cpu[k] * spc[k] + lc.a_wait[k] * wait_ms[k];
      v += lc.a_var[k] * v2[k];
    }
    return {m, v};
  }
  Moments e2e = Walk(app_.classes[c].root, spc, wait_ms, scv, weight, subtree_mean, subtree_m2);
  e2e.mean += 2.0 * app_.network_hop_ms;
  return e2e;
}

Moments CallPlans::Walk(const CallNode& node, const double* spc, const double* wait_ms, const double* scv,
                        double weight, double* subtree_mean, double* subtree_m2) const {
  const int s = node.service;
  const double cpu = node.cpu_per_request >= 0 ? node.cpu_per_request : app_.services[s].cpu_per_request;
  const double q_ms = cpu * spc[s] * 1e3;
  Moments sub{q_ms + wait_ms[s], q_ms * q_ms * scv[s]};
  const double hop2 = 2.0 * app_.network_hop_ms;
  const double child_weight = weight * node.visits;
  for (const auto& step : node.steps) {
    Moments m1 = Walk(step[0], spc, wait_ms, scv, child_weight, subtree_mean, subtree_m2);
    for (size_t i = 1; i < step.size(); ++i) {
      m1 = MaxOfIndependent(m1, Walk(step[i], spc, wait_ms, scv, child_weight, subtree_mean, subtree_m2));
    }
    sub.mean += m1.mean + hop2;
    sub.var += m1.var;
  }
  if (subtree_mean) {
    subtree_mean[s] += child_weight * sub.mean;
    subtree_m2[s] += child_weight * (sub.var + sub.mean * sub.mean);
  }
  // Repeated visits run one after another.
  return {node.visits * sub.mean, node.visits * sub.var};
}

void CallPlans::LinearSubtrees(double entry, const double* spc, const double* wait_ms, const double* v2,
                               double* subtree_mean, double* subtree_m2) const {
  const size_t n = n_;
  for (size_t s = 0; s < n; ++s) {
    subtree_mean[s] = 0;
    subtree_m2[s] = 0;
    if (sub_visits_[s] <= 0) continue;
    const double* rc = &sub_cpu_[s * n];
    const double* rw = &sub_wait_[s * n];
    const double* rv = &sub_var_[s * n];
    double m = sub_hops_[s], v = 0;
    for (int k : sub_nonzero_[s]) {
      m += rc[k] * spc[k] + rw[k] * wait_ms[k];
      v += rv[k] * v2[k];
    }
    subtree_mean[s] = entry * m;
    subtree_m2[s] = entry * (v + m * m / sub_visits_[s]);
  }
}

}  // namespace podpilot
