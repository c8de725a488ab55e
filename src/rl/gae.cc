#include "rl/gae.h"

#include <cstddef>

namespace podpilot::rl {

GaeResult ComputeGae(int steps, int envs, const std::vector<float>& rewards, const std::vector<float>& values,
                     const std::vector<uint8_t>& fake, const std::vector<uint8_t>& terminated,
                     const std::vector<float>& last_values, double gamma, double lambda) {
  GaeResult r;
  const size_t total = static_cast<size_t>(steps) * envs;
  r.advantages.assign(total, 0.f);
  r.returns.assign(total, 0.f);
  for (int i = 0; i < envs; ++i) {
    double next_adv = 0.0;
    double next_value = last_values[i];
    for (int t = steps - 1; t >= 0; --t) {
      const size_t k = static_cast<size_t>(t) * envs + i;
      double adv = 0.0;
      if (!fake[k]) {
        const double nonterminal = terminated[k] ? 0.0 : 1.0;
        const double delta = rewards[k] + gamma * next_value * nonterminal - values[k];
        adv = delta + gamma * lambda * next_adv * nonterminal;
      }
      r.advantages[k] = static_cast<float>(adv);
      r.returns[k] = static_cast<float>(adv + values[k]);
      next_adv = adv;
      next_value = values[k];
    }
  }
  return r;
}

}  // namespace podpilot::rl
