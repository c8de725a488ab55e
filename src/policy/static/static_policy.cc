#include "policy/static/static_policy.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace podpilot {
namespace {

class StaticPolicy : public Policy {
 public:
  explicit StaticPolicy(int replicas) : replicas_(replicas) {}
  std::string Name() const override {
    return replicas_ < 0 ? "static" : "static:replicas=" + std::to_string(replicas_);
  }
  void Reset(const PolicyContext&) override {}
  Decision Decide(const Observation& obs) override {
    Decision d;
    d.targets.resize(obs.targets.size());
    if (replicas_ >= 0) {
      for (auto& t : d.targets) t.replicas = replicas_;
      d.reason = "static: hold " + std::to_string(replicas_) + " replicas";
    } else {
      d.reason = "static: keep current replicas";
    }
    return d;
  }

 private:
  int replicas_;
};

class ThresholdPolicy : public Policy {
 public:
  ThresholdPolicy(double high, double low, int step, double cooldown)
      : high_(high), low_(low), step_(step), cooldown_(cooldown) {}
  std::string Name() const override {
    char buf[96];
    std::snprintf(buf, sizeof buf, "threshold:cpu=%g,low=%g", high_ * 100, low_ * 100);
    return buf;
  }
  void Reset(const PolicyContext& ctx) override { last_change_.assign(ctx.target_names.size(), -1e18); }
  Decision Decide(const Observation& obs) override {
    if (last_change_.size() != obs.targets.size()) last_change_.assign(obs.targets.size(), -1e18);
    Decision d;
    d.targets.resize(obs.targets.size());
    int up = 0, down = 0;
    for (size_t i = 0; i < obs.targets.size(); ++i) {
      const TargetObservation& t = obs.targets[i];
      if (obs.time_s - last_change_[i] < cooldown_ || t.replicas_ready == 0) continue;
      int want = t.replicas_spec;
      if (t.cpu_utilization > high_) want = t.replicas_spec + step_;
      else if (t.cpu_utilization < low_ && t.replicas_spec > t.min_replicas) want = t.replicas_spec - 1;
      want = std::clamp(want, t.min_replicas, t.max_replicas);
      if (want != t.replicas_spec) {
        d.targets[i].replicas = want;
        last_change_[i] = obs.time_s;
        (want > t.replicas_spec ? up : down)++;
      }
    }
    d.reason = "threshold: " + std::to_string(up) + " up, " + std::to_string(down) + " down";
    return d;
  }

 private:
  double high_, low_;
  int step_;
  double cooldown_;
  std::vector<double> last_change_;
};

}  // namespace

StatusOr<std::unique_ptr<Policy>> MakeStaticPolicy(PolicyParams& params) {
  PP_ASSIGN_OR_RETURN(int replicas, params.GetInt("replicas", -1, 0, 100000));
  PP_RETURN_IF_ERROR(params.CheckAllUsed());
  return std::unique_ptr<Policy>(new StaticPolicy(replicas));
}

StatusOr<std::unique_ptr<Policy>> MakeThresholdPolicy(PolicyParams& params) {
  PP_ASSIGN_OR_RETURN(double high, params.GetDouble("cpu", 70, 1, 1000));
  PP_ASSIGN_OR_RETURN(double low, params.GetDouble("low", 30, 0, 1000));
  PP_ASSIGN_OR_RETURN(int step, params.GetInt("step", 1, 1, 1000));
  PP_ASSIGN_OR_RETURN(double cooldown, params.GetDuration("cooldown", 60, 0, 86400));
  PP_RETURN_IF_ERROR(params.CheckAllUsed());
  if (low >= high) {
    return InvalidArgumentError("threshold: low=" + std::to_string(low) + " must be below cpu=" + std::to_string(high));
  }
  return std::unique_ptr<Policy>(new ThresholdPolicy(high / 100, low / 100, step, cooldown));
}

}  // namespace podpilot
