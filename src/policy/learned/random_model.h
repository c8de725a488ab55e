// Randomly initialised models: for tests, examples and as the starting point of a trainer that
// wants PyTorch's defaults without PyTorch.
//
// Weights and biases of every layer are drawn uniformly from [-1/sqrt(in), 1/sqrt(in)), the range
// of PyTorch's default nn.Linear initialisation (kaiming_uniform with a = sqrt(5)), from one
// common/rng.h stream seeded with `seed`, layer by layer in forward order (weights row-major,
// then biases). Deterministic for a given seed on every platform.
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "policy/learned/model_file.h"

namespace podpilot::learned {

// A model for `features` and `actions` with the given hidden widths. The feature layout's
// normalisation (if any) is kept. Errors as MakeMlpArchitecture.
StatusOr<LearnedModel> MakeRandomModel(const FeatureLayout& features, const ActionLayout& actions,
                                       std::vector<int> hidden, Activation activation, LogitsLayout logits,
                                       uint64_t seed);

}  // namespace podpilot::learned
