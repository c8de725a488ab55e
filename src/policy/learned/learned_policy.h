// LearnedPolicy: runs a trained model file (model_file.h) as a podpilot Policy, without libtorch.
//
// Spec:  learned:model=PATH[,fallback=hpa|keep][,fallback_cpu=80]
//
//   model         a podpilot model file (safetensors); read once, when the policy is made. A file
//                 that is missing, corrupt, of a newer format or inconsistent is refused then,
//                 with a message naming the file and the problem.
//   fallback      what to decide when the model cannot be applied to an observation (a different
//                 number of targets than the model was trained for, or a non-finite output):
//                 hpa (default) = the plain HPA rule on CPU utilisation per target, with the
//                 HPA's 10 % tolerance, clamped to its [min, max] (actions.h HpaRuleReplicas);
//                 keep = change nothing.
//   fallback_cpu  the HPA rule's target CPU utilisation in percent of the request (default 80,
//                 the HPA's own default).
//
// Each decision's reason names what was chosen per target, e.g.
//   "learned: frontend +1 (3->4), cart 0 (2)"                  (delta actions)
//   "learned: frontend cpu 50% (3->5)"                          (set-point actions)
//   "learned: fallback to the HPA rule (cpu 80%): model is for 1 targets, the observation has 2;
//    frontend 3->4, cart 2"
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
