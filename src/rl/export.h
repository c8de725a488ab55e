// Export of a trained network to podpilot's model format (policy/learned/model_file.h), which
// LearnedPolicy runs with Eigen, without libtorch.
//
//   policy.<i>.*  the hidden layers of `logits_net`
//   action.*      its output layer, "concat" logits (head h owns the next nvec[h] outputs); for
//                 PPO the actor's logits, for DQN the Q-values (greedy = argmax either way)
//   value.<i>.*   the hidden layers of `value_net` and value.out.* its output (optional; kept for
//                 further training, ignored by inference)
// The feature layout carries the observation normalisation the network was trained behind.
//
// Thread-safety: reads the modules' parameters; do not train concurrently.
#pragma once

#include "common/status.h"
#include "policy/learned/model_file.h"
#include "rl/nets.h"

namespace podpilot::rl {

// `value_net` may be null. Validates the result (ValidateModel).
StatusOr<learned::LearnedModel> ExportModel(const Mlp& logits_net, const Mlp* value_net,
                                            const learned::FeatureLayout& features,
                                            const learned::ActionLayout& actions, const learned::Provenance& provenance);

// Same for a network given as hidden layers plus one explicit output layer [sum(nvec), hidden]
// (DQN's dueling head folded into one linear layer).
StatusOr<learned::LearnedModel> ExportModelWithHead(const Mlp& trunk_net, const torch::Tensor& head_weight,
                                                    const torch::Tensor& head_bias, const learned::FeatureLayout& features,
                                                    const learned::ActionLayout& actions,
                                                    const learned::Provenance& provenance);

}  // namespace podpilot::rl
