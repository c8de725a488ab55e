#include "policy/learned/learned_policy.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "policy/hpa/hpa_types.h"
#include "policy/learned/actions.h"
#include "policy/learned/features.h"
#include "policy/learned/mlp.h"
#include "policy/learned/safetensors.h"

namespace podpilot::learned {
namespace {

class LearnedPolicy : public Policy {
 public:
  LearnedPolicy(ActionLayout actions, FeatureLayout features, MlpNet net, LearnedPolicyOptions options)
      : actions_(std::move(actions)),
        builder_(std::move(features)),
        net_(std::move(net)),
        options_(std::move(options)),
        features_(static_cast<size_t>(builder_.size())),
        choices_(static_cast<size_t>(actions_.num_targets)) {}

  std::string Name() const override { return options_.name; }
  void Reset(const PolicyContext& context) override {
    builder_.Reset();
    history_.Reset();
    // History and peak features count intervals: at another interval they would span another
    // stretch of time than in training, which the model has never seen.
    const double trained = builder_.layout().options.control_interval_s;
    interval_mismatch_.clear();
    if (!SameControlInterval(context.control_interval_s, trained)) {
      interval_mismatch_ = fmt::format("model was trained at {:g} s control intervals, this run decides every {:g} s",
                                       trained, context.control_interval_s);
    }
  }

  Decision Decide(const Observation& obs) override {
    if (!interval_mismatch_.empty()) return Fallback(obs, interval_mismatch_);
    if (static_cast<int>(obs.targets.size()) != actions_.num_targets) {
      return Fallback(obs, fmt::format("model is for {} targets, the observation has {}", actions_.num_targets,
                                       obs.targets.size()));
    }
    if (Status s = CheckTargetOrder(obs); !s.ok()) return Fallback(obs, s.message());
    if (Status s = builder_.Build(obs, features_.data()); !s.ok()) return Fallback(obs, s.message());
    if (!net_.Forward(features_.data(), choices_.data())) return Fallback(obs, "the model's output is not finite");
    Decision d;
    if (Status s = ApplyActions(actions_, obs, choices_.data(), &d, &history_); !s.ok()) return Fallback(obs, s.message());
    std::string reason = "learned: ";
    for (size_t i = 0; i < obs.targets.size(); ++i) {
      const TargetObservation& t = obs.targets[i];
      const int want = d.targets[i].replicas == TargetDecision::kKeep ? t.replicas_spec : d.targets[i].replicas;
      if (i > 0) reason += ", ";
      reason += fmt::format("{} {} ", t.name, DescribeChoice(actions_, choices_[i]));
      reason += want == t.replicas_spec ? fmt::format("({})", want) : fmt::format("({}->{})", t.replicas_spec, want);
      if (actions_.mode == ActionMode::kSetpoint && actions_.scale_down_window_s > 0) {
        // Says when the scale-down window, not the chosen set-point, decided the count.
        const int rule = ReplicasForChoice(actions_, t, choices_[i]);
        if (want > rule) reason += fmt::format(" held by the {:g} s scale-down window (the rule alone: {})",
                                               actions_.scale_down_window_s, rule);
      }
    }
    d.reason = std::move(reason);
    return d;
  }

 private:
  // A target the model knows (the feature layout's target_names, recorded at training) listed at
  // another position than in training: the group is in another order, and each target would be
  // fed another's features and given another's action. Names the model does not know are not
  // judged: a Deployment may be named otherwise than the simulated service.
  Status CheckTargetOrder(const Observation& obs) const {
    const std::vector<std::string>& trained = builder_.layout().target_names;
    for (size_t i = 0; i < obs.targets.size(); ++i) {
      if (i < trained.size() && trained[i] == obs.targets[i].name) continue;  // in place: the usual case
      const auto at = std::find(trained.begin(), trained.end(), obs.targets[i].name);
      if (at == trained.end() || static_cast<size_t>(at - trained.begin()) == i) continue;
      return InvalidArgumentError(fmt::format("target {} is at index {}, the model was trained with it at index {} "
                                              "(its order: {})",
                                              obs.targets[i].name, i, at - trained.begin(), fmt::join(trained, ", ")));
    }
    return Status::Ok();
  }

  Decision Fallback(const Observation& obs, const std::string& why) {
    Decision d;
    d.targets.resize(obs.targets.size());
    d.fallback = why;
    if (options_.fallback == LearnedPolicyOptions::Fallback::kKeep) {
      d.reason = "learned: fallback, keeping replicas: " + why;
      return d;
    }
    std::string per_target;
    for (size_t i = 0; i < obs.targets.size(); ++i) {
      const TargetObservation& t = obs.targets[i];
      const int want = HpaRuleReplicas(t, options_.fallback_cpu, hpa::Tolerances{}.scale_up);
      if (want != t.replicas_spec) d.targets[i].replicas = want;
      if (i > 0) per_target += ", ";
      per_target += want == t.replicas_spec ? fmt::format("{} {}", t.name, want)
                                            : fmt::format("{} {}->{}", t.name, t.replicas_spec, want);
    }
    d.reason = fmt::format("learned: fallback to the HPA rule (cpu {:g}%): {}; {}", options_.fallback_cpu * 100, why,
                           per_target.empty() ? "no targets" : per_target);
    return d;
  }

  ActionLayout actions_;
  FeatureBuilder builder_;
  MlpNet net_;
  LearnedPolicyOptions options_;
  std::vector<float> features_;
  std::vector<int32_t> choices_;
  ScaleDownHistory history_;  // setpoint layouts with a scale-down window
  std::string interval_mismatch_;  // set by Reset when the run's interval is not the model's
};

}  // namespace

StatusOr<std::unique_ptr<Policy>> MakeLearnedPolicyFromModel(const LearnedModel& model, LearnedPolicyOptions options) {
  if (!(options.fallback_cpu > 0 && options.fallback_cpu <= 10)) {
    return InvalidArgumentError(fmt::format("learned: fallback_cpu must be in (0, 1000] percent, got {:g}", options.fallback_cpu * 100));
  }
  PP_ASSIGN_OR_RETURN(MlpNet net, MlpNet::Create(model));
  return std::unique_ptr<Policy>(new LearnedPolicy(model.actions, model.features, std::move(net), std::move(options)));
}

}  // namespace podpilot::learned

namespace podpilot {

namespace {
// fallback= and fallback_cpu= of a learned spec; `model` is what Name() shows after "model=".
StatusOr<learned::LearnedPolicyOptions> LearnedOptions(PolicyParams& params, const std::string& model) {
  PP_ASSIGN_OR_RETURN(std::string fallback, params.GetString("fallback", "hpa"));
  PP_ASSIGN_OR_RETURN(double cpu, params.GetDouble("fallback_cpu", 80, 1, 1000));
  PP_RETURN_IF_ERROR(params.CheckAllUsed());
  learned::LearnedPolicyOptions options;
  if (fallback == "hpa") {
    options.fallback = learned::LearnedPolicyOptions::Fallback::kHpa;
  } else if (fallback == "keep") {
    options.fallback = learned::LearnedPolicyOptions::Fallback::kKeep;
  } else {
    return InvalidArgumentError("learned: parameter fallback=" + fallback + ": unknown (known: hpa, keep)");
  }
  options.fallback_cpu = cpu / 100;
  options.name = "learned:model=" + model;
  if (params.Has("fallback")) options.name += ",fallback=" + fallback;
  if (params.Has("fallback_cpu")) options.name += fmt::format(",fallback_cpu={:g}", cpu);
  return options;
}
}  // namespace

StatusOr<std::unique_ptr<Policy>> MakeLearnedPolicy(PolicyParams& params) {
  PP_ASSIGN_OR_RETURN(std::string path, params.GetString("model", ""));
  PP_ASSIGN_OR_RETURN(learned::LearnedPolicyOptions options, LearnedOptions(params, path));
  if (path.empty()) return InvalidArgumentError("learned: parameter model=PATH is required (a podpilot model file)");
  auto model = learned::ReadModel(path);
  if (!model.ok()) return model.status().WithPrefix("learned: cannot load model");
  return learned::MakeLearnedPolicyFromModel(*model, std::move(options));
}

StatusOr<std::unique_ptr<Policy>> MakeLearnedPolicyFromBytes(const std::string& bytes, const std::string& source,
                                                             PolicyParams& params) {
  if (params.Has("model")) return InvalidArgumentError("learned: model= and model bytes (" + source + ") both given");
  PP_ASSIGN_OR_RETURN(learned::LearnedPolicyOptions options, LearnedOptions(params, source));
  auto file = learned::DecodeSafetensors(bytes, source);
  if (!file.ok()) return file.status().WithPrefix("learned: cannot load model");
  auto model = learned::ModelFromSafetensors(*file, source);
  if (!model.ok()) return model.status().WithPrefix("learned: cannot load model");
  return learned::MakeLearnedPolicyFromModel(*model, std::move(options));
}

}  // namespace podpilot
