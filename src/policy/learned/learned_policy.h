// LearnedPolicy: runs a trained model file (model_file.h) as a podpilot Policy, without libtorch.
//
// Spec:  learned:model=PATH[,fallback=hpa|keep][,fallback_cpu=80]
//
//   model         a podpilot model file (safetensors); read once, when the policy is made. A file
//                 that is missing, corrupt, of a newer format or inconsistent is refused then,
//                 with a message naming the file and the problem.
//   fallback      what to decide when the model cannot be applied to an observation (a different
//                 number of targets than the model was trained for, a target the model knows by
//                 name (its feature layout's target_names) listed at another index than in
//                 training, a run at another control interval than the model's (below), or a
//                 non-finite output):
//                 hpa (default) = the plain HPA rule on CPU utilisation per target, with the
//                 HPA's 10 % tolerance, clamped to its [min, max] (actions.h HpaRuleReplicas);
//                 keep = change nothing.
//   fallback_cpu  the HPA rule's target CPU utilisation in percent of the request (default 80,
//                 the HPA's own default).
//
// The model's history and recent-peak features count control intervals (features.h), so they
// mean what they meant in training only at the interval the model was trained at (its feature
// layout's control_interval_s; 15 s when the file does not say). Reset compares it with
// PolicyContext::control_interval_s (to a relative 1e-6): if they differ, every decision until the
// next Reset is the fallback. A policy that was never Reset does not check.
//
// Each decision's reason names what was chosen per target, e.g.
//   "learned: frontend +1 (3->4), cart 0 (2)"                  (delta actions)
//   "learned: frontend cpu 50% (3->5)"                          (set-point actions)
//   "learned: frontend cpu 70% (5) held by the 300 s scale-down window (the rule alone: 3)"
//   "learned: fallback to the HPA rule (cpu 80%): model is for 1 targets, the observation has 2;
//    frontend 3->4, cart 2"
//   "learned: fallback, keeping replicas: model was trained at 15 s control intervals, this run
//    decides every 30 s"                                      (fallback=keep)
// A fallback decision also sets Decision::fallback to the "why" part.
//
// Thread-compatible: one instance per environment (it keeps the feature history).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "policy/learned/model_file.h"
#include "policy/policy.h"
#include "policy/policy_spec.h"

namespace podpilot::learned {

struct LearnedPolicyOptions {
  enum class Fallback { kHpa, kKeep };
  Fallback fallback = Fallback::kHpa;
  double fallback_cpu = 0.8;      // utilisation of the request, (0, 10]
  std::string name = "learned";   // what Name() reports
};

// Builds the policy from an already loaded model (trainers evaluate without a file round trip).
StatusOr<std::unique_ptr<Policy>> MakeLearnedPolicyFromModel(const LearnedModel& model, LearnedPolicyOptions options);

}  // namespace podpilot::learned

namespace podpilot {

// The factory for policy_registry.cc: "learned:model=PATH[,fallback=hpa|keep][,fallback_cpu=80]".
StatusOr<std::unique_ptr<Policy>> MakeLearnedPolicy(PolicyParams& params);

// The same policy from a model file's content held in memory (the operator reads it from a
// ConfigMap): `params` are those of the spec without model= ("learned[:fallback=...]"); `source`
// names the bytes in errors and in Name(), e.g. "configmap podpilot-system/models:web.safetensors".
StatusOr<std::unique_ptr<Policy>> MakeLearnedPolicyFromBytes(const std::string& bytes, const std::string& source,
                                                             PolicyParams& params);

}  // namespace podpilot
