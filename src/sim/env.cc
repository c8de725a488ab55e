#include "sim/env.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/units.h"

namespace podpilot {

StatusOr<std::unique_ptr<Env>> Env::Create(const EnvConfig& config) {
  if (!config.app) return InvalidArgumentError("env: no application model");
  if (!(config.duration_s >= 1) || config.duration_s > 400 * 86400.0) {
    return InvalidArgumentError("env: duration " + std::to_string(config.duration_s) + " s outside [1 s, 400 d]");
  }
  if (!(config.control_interval_s >= 1) || config.control_interval_s > 3600 ||
      config.control_interval_s != std::floor(config.control_interval_s)) {
    return InvalidArgumentError("env: control interval " + std::to_string(config.control_interval_s) +
                                " s must be a whole number of seconds in [1, 3600]");
  }
  if (!(config.sim.metrics_lag_s >= 0) || config.sim.metrics_lag_s != std::floor(config.sim.metrics_lag_s)) {
    // The simulator ticks once a second: a fraction of a second would be dropped silently.
    return InvalidArgumentError("env: metrics lag " + std::to_string(config.sim.metrics_lag_s) +
                                " s must be a whole number of seconds >= 0");
  }
  {
    // As warmup_intervals() and episode_steps(): Reset's warm-up must leave at least one decision.
    const int warmup = WarmupIntervals(config.sim.metrics_lag_s, config.control_interval_s);
    if (static_cast<int>(std::ceil(config.duration_s / config.control_interval_s)) - warmup < 1) {
      return InvalidArgumentError("env: duration " + std::to_string(config.duration_s) + " s leaves no decision after " +
                                  "the warm-up of " + std::to_string(warmup) + " control intervals (one, plus the " +
                                  "metrics lag of " + std::to_string(config.sim.metrics_lag_s) + " s)");
    }
  }
  // The simulator keeps max(window, control interval) + lag seconds of history for Observe.
  if (config.sim.metrics_window_s < 1 ||
      std::max(config.sim.metrics_window_s, config.control_interval_s) + config.sim.metrics_lag_s > 1000) {
    return InvalidArgumentError("env: metrics window " + FormatDuration(config.sim.metrics_window_s) +
                                " (or the control interval " + FormatDuration(config.control_interval_s) +
                                ", if longer) + metrics lag " + FormatDuration(config.sim.metrics_lag_s) +
                                " must lie within [1s, 1000s]");
  }
  for (const auto& t : config.sim.targets) {
    if (config.app->ServiceIndex(t) < 0) {
      return InvalidArgumentError("env: target '" + t + "' is not a service of " + config.app->name);
    }
  }
  PP_ASSIGN_OR_RETURN(WorkloadSpec spec, ParseWorkloadSpec(config.workload));
  // Validate the workload once now (files, lengths) so that Reset cannot fail later.
  PP_ASSIGN_OR_RETURN(WorkloadSeries probe, GenerateWorkload(spec, config.duration_s, 0));
  (void)probe;
  std::unique_ptr<Env> env(new Env(config, std::move(spec)));
  return env;
}

Env::Env(EnvConfig config, WorkloadSpec spec)
    : config_(std::move(config)), spec_(std::move(spec)) {
  config_.sim.control_interval_s = config_.control_interval_s;
  sim_ = std::make_unique<Simulator>(config_.app, config_.sim);
}

int Env::warmup_intervals() const {
  return WarmupIntervals(config_.sim.metrics_lag_s, config_.control_interval_s);
}

int Env::episode_steps() const {
  return static_cast<int>(std::ceil(config_.duration_s / config_.control_interval_s)) - warmup_intervals();
}

void Env::RunInterval(int changes) {
  const int ticks = static_cast<int>(config_.control_interval_s);
  for (int i = 0; i < ticks && !sim_->Done(); ++i) sim_->Tick();
  result_.interval = sim_->TakeInterval();
  sim_->Observe(&result_.observation, config_.control_interval_s);
  RewardComponents& r = result_.reward;
  const IntervalTotals& it = result_.interval;
  r.cost = it.cost;
  r.cost_rate = it.seconds > 0 ? it.cost * 3600.0 / it.seconds : 0;
  r.slo_shortfall = it.requests > 0 ? 1.0 - it.ok_within_slo / it.requests : 0.0;
  r.churn = changes;
  r.reward = WeightedReward(config_.reward, r);
  result_.terminated = false;
  result_.truncated = sim_->Done();
}

namespace {
constexpr uint64_t kArrivalStream = 0xA221;
}  // namespace

StatusOr<std::vector<double>> Env::Arrivals(const EnvConfig& config, uint64_t seed) {
  PP_ASSIGN_OR_RETURN(WorkloadSpec spec, ParseWorkloadSpec(config.workload));
  PP_ASSIGN_OR_RETURN(WorkloadSeries series, GenerateWorkload(spec, config.duration_s, seed));
  return SampleArrivals(series, Rng::Derive(seed, kArrivalStream));
}

StatusOr<std::vector<double>> Env::Rates(const EnvConfig& config, uint64_t seed) {
  PP_ASSIGN_OR_RETURN(WorkloadSpec spec, ParseWorkloadSpec(config.workload));
  PP_ASSIGN_OR_RETURN(WorkloadSeries series, GenerateWorkload(spec, config.duration_s, seed));
  return std::move(series.rps);
}

const StepResult& Env::Reset(uint64_t seed, const std::function<void(const StepResult&)>& on_warmup) {
  auto series = GenerateWorkload(spec_, config_.duration_s, seed);
  if (!series.ok()) {
    // Create() generated this workload successfully; only a file changing underneath can fail here.
    throw std::runtime_error("env reset: " + series.status().ToString());
  }
  series_ = std::move(series).value();
  auto arrivals = std::make_shared<const std::vector<double>>(SampleArrivals(series_, Rng::Derive(seed, kArrivalStream)));
  auto rates = std::make_shared<const std::vector<double>>(series_.rps);
  sim_->Reset(std::move(arrivals), seed, series_.start_time_of_day_s, series_.start_day_of_week, std::move(rates));
  // Warm up until the metrics window, `lag` seconds late, holds samples: a pipeline reports none
  // before that, and a policy reading zeros as measurements would scale everything to its minimum.
  // The warm-up is nobody's doing: its cost counts in the run totals, not in the reward.
  for (int k = warmup_intervals(); k > 0; --k) {
    RunInterval(0);
    result_.reward = RewardComponents{};
    if (k > 1 && on_warmup) on_warmup(result_);
  }
  return result_;
}

const StepResult& Env::Step(const Decision& decision) {
  const int changes = sim_->Apply(decision);
  RunInterval(changes);
  return result_;
}

}  // namespace podpilot
