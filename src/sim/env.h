// Env: the simulator behind a Gymnasium / EnvPool style Reset / Step interface.
//
//   auto env = Env::Create(config);           // validates app, workload and options
//   const StepResult& r0 = env->Reset(seed);  // first observation after one control interval
//                                             // (more with a metrics lag: Env::warmup_intervals)
//   const StepResult& r1 = env->Step(decision);  // apply, advance one control interval, observe
//
// One step is one control interval (15 s by default) of `dt` = 1 s ticks. The episode is
// truncated when the workload's duration is reached; it never terminates early. The workload and
// the Poisson arrivals are drawn from the reset seed, so Reset(seed) followed by the same decisions
// reproduces a run bit for bit.
//
// The returned reference stays valid until the next Reset/Step. Not thread-safe; VecEnv runs
// several Envs on a thread pool.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "sim/simulator.h"
#include "workload/workload.h"

namespace podpilot {

// reward = -(cost_weight * cost rate in $/h) - slo_weight * (1 - SLO attainment of the interval)
//          - churn_weight * |replica changes| in the interval.
struct RewardWeights {
  double cost = 1.0;
  double slo = 10.0;
  double churn = 0.01;
};

struct EnvConfig {
  std::shared_ptr<const AppModel> app;   // required
  std::string workload = "diurnal";      // workload spec (workload/workload.h)
  double duration_s = 86400;             // run length
  double control_interval_s = 15;
  SimConfig sim;
  RewardWeights reward;
};

struct RewardComponents {
  double cost = 0;            // $ spent in the interval
  double cost_rate = 0;       // $ per hour over the interval
  double slo_shortfall = 0;   // 1 - fraction of requests OK within SLO in the interval
  double churn = 0;           // replica changes applied at the start of the interval
  double reward = 0;          // weighted sum, see RewardWeights
};

// The reward formula above, for the env and for trainers that weight the components themselves
// (rl/train_env.h moves the SLO weight while training).
inline double WeightedReward(const RewardWeights& w, const RewardComponents& c) {
  return -w.cost * c.cost_rate - w.slo * c.slo_shortfall - w.churn * c.churn;
}

struct StepResult {
  Observation observation;
  RewardComponents reward;
  IntervalTotals interval;
  bool terminated = false;
  bool truncated = false;
};

// Control intervals Env::Reset runs before the first observation: 1, plus enough to cover the
// metrics lag (ceil(lag / control interval)), so that the first lagged window holds samples.
inline int WarmupIntervals(double metrics_lag_s, double control_interval_s) {
  return 1 + static_cast<int>(std::ceil(metrics_lag_s / control_interval_s));
}

class Env {
 public:
  static StatusOr<std::unique_ptr<Env>> Create(const EnvConfig& config);

  // Starts an episode and runs warmup_intervals() control intervals without decisions; returns
  // the last one's result. `on_warmup` (optional) sees each earlier one's, e.g. for a time series
  // that accounts for every second.
  const StepResult& Reset(uint64_t seed, const std::function<void(const StepResult&)>& on_warmup = {});

  // The entry arrivals (requests per second) an episode reset with `seed` sees: the workload drawn
  // with that seed and its Poisson arrivals. Exposed so that the clairvoyant lower bound plans
  // against exactly the arrivals the policies face.
  static StatusOr<std::vector<double>> Arrivals(const EnvConfig& config, uint64_t seed);
  // The mean entry rate per second of that episode (what drives the queueing model).
  static StatusOr<std::vector<double>> Rates(const EnvConfig& config, uint64_t seed);
  const StepResult& Step(const Decision& decision);

  const Simulator& simulator() const { return *sim_; }
  const EnvConfig& config() const { return config_; }
  const WorkloadSeries& workload() const { return series_; }
  // Number of steps in a full episode.
  int episode_steps() const;
  // WarmupIntervals() of this env's lag and control interval.
  int warmup_intervals() const;
  bool done() const { return sim_->Done(); }

 private:
  Env(EnvConfig config, WorkloadSpec spec);
  void RunInterval(int changes);

  EnvConfig config_;
  WorkloadSpec spec_;
  WorkloadSeries series_;
  std::unique_ptr<Simulator> sim_;
  StepResult result_;
};

}  // namespace podpilot
