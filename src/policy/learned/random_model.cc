#include "policy/learned/random_model.h"

#include <cmath>

#include "common/rng.h"

namespace podpilot::learned {

StatusOr<LearnedModel> MakeRandomModel(const FeatureLayout& features, const ActionLayout& actions,
                                       std::vector<int> hidden, Activation activation, LogitsLayout logits,
                                       uint64_t seed) {
  LearnedModel m;
  m.features = features;
  m.actions = actions;
  PP_ASSIGN_OR_RETURN(m.arch, MakeMlpArchitecture(features, actions, std::move(hidden), activation, logits));
  Rng rng(seed);
  auto layer = [&rng](int in, int out) {
    LinearLayer l;
    l.in = in;
    l.out = out;
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    l.weight.resize(static_cast<size_t>(in) * out);
    for (float& w : l.weight) w = static_cast<float>((2 * rng.Uniform() - 1) * bound);
    l.bias.resize(static_cast<size_t>(out));
    for (float& b : l.bias) b = static_cast<float>((2 * rng.Uniform() - 1) * bound);
    return l;
  };
  int in = m.arch.input;
  for (int width : m.arch.hidden) {
    m.hidden.push_back(layer(in, width));
    in = width;
  }
  if (logits == LogitsLayout::kConcat) {
    int total = 0;
    for (int h : m.arch.heads) total += h;
    m.heads.push_back(layer(in, total));
  } else {
    for (int h : m.arch.heads) m.heads.push_back(layer(in, h));
  }
  return m;
}

}  // namespace podpilot::learned
