#include "eval/steady_evaluator.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "sim/queueing.h"

namespace podpilot {

SteadyEvaluator::SteadyEvaluator(const AppModel& app, const CallPlans& plans, double entry, double target)
    : app_(app), plans_(plans), entry_(entry), target_(target) {
  const size_t n = app.services.size();
  default_cap_.resize(n);
  for (size_t s = 0; s < n; ++s) default_cap_[s] = DefaultPodCapacity(app.services[s]);
  spc_.assign(n, 0);
  wait_.assign(n, 0);
  scv_.assign(n, 1);
  v2_.assign(n, 0);
}

double SteadyEvaluator::Work(int s) const { return entry_ * plans_.cpu_factor(s); }
double SteadyEvaluator::Visits(int s) const { return entry_ * plans_.visit_factor(s); }

int SteadyEvaluator::StabilityFloor(int s, double cap) const {
  const double work = Work(s);
  int need = work > 0 ? static_cast<int>(std::floor(work / (cap * kMaxStationaryRho))) + 1 : 0;
  if (Visits(s) > 0) need = std::max(need, 1);
  return std::max(need, app_.services[s].min_replicas);
}

std::vector<int> SteadyEvaluator::StabilityFloor() const {
  std::vector<int> n(app_.services.size());
  for (size_t s = 0; s < n.size(); ++s) n[s] = StabilityFloor(static_cast<int>(s), default_cap_[s]);
  return n;
}

double SteadyEvaluator::Shortfall(const std::vector<int>& n) { return Shortfall(n, default_cap_); }

double SteadyEvaluator::Shortfall(const std::vector<int>& n, const std::vector<double>& capacity) {
  const size_t ns = n.size();
  for (size_t s = 0; s < ns; ++s) {
    const ServiceModel& m = app_.services[s];
    const double cap = capacity[s];
    const double work = Work(static_cast<int>(s));
    if (n[s] <= 0 || work / (n[s] * cap) > kMaxStationaryRho) {
      if (work > 0) return 1e9;  // unstable: never acceptable
      spc_[s] = 1.0 / cap;
      scv_[s] = m.cpu_cv * m.cpu_cv;
    } else {
      const PsVisit v = StationaryPsVisit(work, n[s], cap, m.cpu_cv);
      spc_[s] = v.spc;
      scv_[s] = v.scv;
    }
    v2_[s] = spc_[s] * spc_[s] * scv_[s];
  }
  double within = 0, pull = 0;
  for (size_t c = 0; c < app_.classes.size(); ++c) {
    const Moments e = plans_.ClassMoments(static_cast<int>(c), spc_.data(), wait_.data(), scv_.data(), v2_.data(), 0.0,
                                          nullptr, nullptr);
    const double scv = e.mean > 0 ? std::max(1e-4, e.var / (e.mean * e.mean)) : 1.0;
    within += app_.classes[c].weight * GammaWithinProbabilityExact(e.mean, scv, app_.classes[c].slo_ms);
    pull += e.mean / app_.classes[c].slo_ms;
  }
  const double shortfall = target_ - within;
  return shortfall > 0 ? shortfall + 1e-6 * pull : 0.0;
}

double SteadyEvaluator::InflightPerPod(int s, int n, double cap) const {
  const double visits = Visits(s);
  if (visits <= 0 || n <= 0) return 0;
  const PsVisit v = StationaryPsVisit(Work(s), n, cap, app_.services[s].cpu_cv);
  // As the simulator: in flight = visit rate x (mean demand x seconds per core-second).
  return visits * plans_.mean_cpu(s) * v.spc / n;
}

double QuantizeRate(double a) {
  constexpr double kGrid = 1.002;
  static const double log_grid = std::log(kGrid);
  return a <= 0 ? 0.0 : (a == std::floor(a) && a < 500 ? a : std::pow(kGrid, std::floor(std::log(a) / log_grid)));
}

std::vector<int> WindowMax(const std::vector<int>& in, int back, int ahead) {
  const int T = static_cast<int>(in.size());
  std::vector<int> out(T);
  std::deque<int> dq;  // indices with decreasing values
  int next = 0;        // next index to push
  for (int t = 0; t < T; ++t) {
    const int hi = std::min(T - 1, t + ahead);
    while (next <= hi) {
      while (!dq.empty() && in[dq.back()] <= in[next]) dq.pop_back();
      dq.push_back(next++);
    }
    while (dq.front() < t - back) dq.pop_front();
    out[t] = in[dq.front()];
  }
  return out;
}

}  // namespace podpilot
