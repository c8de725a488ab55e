#include "rl/train_env.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "common/rng.h"

namespace podpilot::rl {

StatusOr<std::unique_ptr<TrainEnvs>> TrainEnvs::Create(const TrainEnvOptions& options, uint64_t seed) {
  const int w = static_cast<int>(options.configs.size());
  if (w < 1) return InvalidArgumentError("train envs: no workload to train on");
  if (options.num_envs < w || options.num_envs > 4096) {
    return InvalidArgumentError("train envs: num_envs " + std::to_string(options.num_envs) + " outside [" +
                                std::to_string(w) + " (the number of train workloads), 4096]");
  }
  // The layout records the interval its history and peak features count in, so every workload
  // must step at the same one.
  learned::FeatureOptions features = options.features;
  features.control_interval_s = options.configs[0].control_interval_s;
  for (int k = 1; k < w; ++k) {
    const double ci = options.configs[k].control_interval_s;
    if (!learned::SameControlInterval(ci, features.control_interval_s)) {
      return InvalidArgumentError(fmt::format("train envs: workload {} has a control interval of {:g} s, workload 0 "
                                              "of {:g} s; a model is trained at one interval",
                                              k, ci, features.control_interval_s));
    }
  }
  std::unique_ptr<TrainEnvs> t(new TrainEnvs());
  t->options_ = options;
  t->num_envs_ = options.num_envs;
  for (const auto& c : options.configs) t->slo_weights_.push_back(c.reward.slo);
  t->request_totals_.by_workload.resize(w);
  t->group_of_.resize(options.num_envs);
  t->slot_of_.resize(options.num_envs);
  t->groups_.resize(w);
  for (int i = 0; i < options.num_envs; ++i) {
    Group& g = t->groups_[i % w];
    t->group_of_[i] = i % w;
    t->slot_of_[i] = static_cast<int>(g.envs.size());
    g.envs.push_back(i);
  }
  for (int k = 0; k < w; ++k) {
    Group& g = t->groups_[k];
    PP_ASSIGN_OR_RETURN(g.vec, VecEnv::Create(options.configs[k], static_cast<int>(g.envs.size()), options.threads));
    g.decisions.resize(g.envs.size());
    g.vec->Reset(Rng::Derive(seed, k));
  }
  // Every workload of a scenario runs the same app, but check: the layouts are per target.
  const Observation& first = t->groups_[0].vec->results()[0]->observation;
  std::vector<std::string> names;
  std::vector<int> replica_scale;  // the model file records each target's training bound (features.h)
  for (const auto& target : first.targets) {
    names.push_back(target.name);
    replica_scale.push_back(std::max(target.max_replicas, 1));
  }
  for (int k = 1; k < w; ++k) {
    const std::vector<TargetObservation>& other = t->groups_[k].vec->results()[0]->observation.targets;
    if (other.size() != names.size()) {
      return InvalidArgumentError("train envs: workload " + std::to_string(k) + " has a different target count");
    }
    for (size_t i = 0; i < other.size(); ++i) {
      if (std::max(other[i].max_replicas, 1) != replica_scale[i]) {  // one scale per target, or the record would lie
        return InvalidArgumentError(fmt::format("train envs: target {} has max_replicas {} in workload {} but {} in workload 0",
                                                names[i], other[i].max_replicas, k, replica_scale[i]));
      }
    }
  }
  const int num_targets = static_cast<int>(names.size());
  PP_ASSIGN_OR_RETURN(t->features_, learned::MakeFeatureLayout(num_targets, features, names, replica_scale));
  if (options.mode == learned::ActionMode::kDelta) {
    PP_ASSIGN_OR_RETURN(t->actions_, learned::MakeDeltaActions(num_targets, options.deltas));
  } else {
    PP_ASSIGN_OR_RETURN(t->actions_, learned::MakeSetpointActions(num_targets, options.setpoints, options.tolerance,
                                                                   options.scale_down_window_s));
  }
  for (int i = 0; i < options.num_envs; ++i) t->builders_.emplace_back(t->features_);
  t->histories_.resize(options.num_envs);
  t->obs_.assign(static_cast<size_t>(options.num_envs) * t->features_.size(), 0.f);
  t->rewards_.assign(options.num_envs, 0.f);
  t->truncated_.assign(options.num_envs, 0);
  t->reset_step_.assign(options.num_envs, 0);
  t->running_.assign(options.num_envs, Running{});
  PP_RETURN_IF_ERROR(t->Collect(/*after_reset=*/true));
  return t;
}

Status TrainEnvs::Reset(uint64_t seed) {
  for (size_t k = 0; k < groups_.size(); ++k) groups_[k].vec->Reset(Rng::Derive(seed, k));
  running_.assign(num_envs_, Running{});
  return Collect(/*after_reset=*/true);
}

Status TrainEnvs::Step(const int32_t* actions) {
  const int heads = num_heads(), choices = actions_.choices();
  for (int i = 0; i < num_envs_; ++i) {
    for (int h = 0; h < heads; ++h) {
      const int32_t a = actions[static_cast<size_t>(i) * heads + h];
      if (a < 0 || a >= choices) {
        return InvalidArgumentError("train envs: action " + std::to_string(a) + " of env " + std::to_string(i) +
                                    " head " + std::to_string(h) + " outside [0, " + std::to_string(choices) + ")");
      }
    }
  }
  for (auto& g : groups_) {
    for (size_t s = 0; s < g.envs.size(); ++s) {
      const int i = g.envs[s];
      const Observation& obs = g.vec->results()[s]->observation;
      // An env about to be reset ignores its decision, but it is still well formed.
      PP_RETURN_IF_ERROR(learned::ApplyActions(actions_, obs, actions + static_cast<size_t>(i) * heads, &g.decisions[s],
                                               &histories_[i]));
    }
    g.vec->Step(g.decisions);
  }
  return Collect(/*after_reset=*/false);
}

Status TrainEnvs::Collect(bool after_reset) {
  const int f = features_.size();
  for (auto& g : groups_) {
    const auto& results = g.vec->results();
    const auto& just_reset = g.vec->just_reset();
    for (size_t s = 0; s < g.envs.size(); ++s) {
      const int i = g.envs[s];
      const StepResult& r = *results[s];
      const bool fresh = after_reset || just_reset[s];
      if (fresh) {
        builders_[i].Reset();
        histories_[i].Reset();
      }
      PP_RETURN_IF_ERROR(builders_[i].Build(r.observation, obs_.data() + static_cast<size_t>(i) * f));
      reset_step_[i] = fresh ? 1 : 0;
      truncated_[i] = (r.truncated || r.terminated) ? 1 : 0;
      RewardWeights w = options_.configs[group_of_[i]].reward;
      w.slo = slo_weights_[group_of_[i]];
      const double reward = WeightedReward(w, r.reward);
      rewards_[i] = fresh ? 0.f : static_cast<float>(reward);
      if (fresh) {
        running_[i] = Running{};
        continue;
      }
      Running& run = running_[i];
      run.ret += reward;
      const RequestTotals transition{r.interval.requests, r.interval.ok_within_slo};
      request_totals_.all += transition;
      request_totals_.by_workload[group_of_[i]] += transition;
      run.cost += r.reward.cost;
      run.requests += r.interval.requests;
      run.ok += r.interval.ok_within_slo;
      ++run.steps;
      if (truncated_[i]) {
        EpisodeStats e;
        e.ret = run.ret;
        e.cost = run.cost;
        e.slo_attainment = run.requests > 0 ? run.ok / run.requests : 1.0;
        e.steps = run.steps;
        e.workload = group_of_[i];
        finished_.push_back(e);
        ++episodes_finished_;
      }
    }
  }
  return Status::Ok();
}

TrainEnvs::RolloutTotals TrainEnvs::TakeRequestTotals() {
  RolloutTotals out;
  out.by_workload.resize(request_totals_.by_workload.size());
  std::swap(out, request_totals_);
  return out;
}

std::vector<EpisodeStats> TrainEnvs::TakeFinishedEpisodes() {
  std::vector<EpisodeStats> out;
  out.swap(finished_);
  return out;
}

}  // namespace podpilot::rl
