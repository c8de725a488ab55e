// Generalised advantage estimation (Schulman et al. 2016) over a rollout collected from
// TrainEnvs, with its NEXT_STEP autoreset (train_env.h).
//
// Arrays are [T][N] row-major (step-major, env-minor). For step t and env i:
//   rewards    the reward of the transition taken from obs_t
//   values     V(obs_t)
//   fake       1 if obs_t was a FINAL observation, so the action taken from it was ignored and
//              the "transition" was the autoreset: its advantage is 0 and nothing flows across it
//   terminated 1 if the transition ended the episode in a terminal state (no bootstrap)
// last_values[i] = V(obs_T), the observation after the rollout's last step.
//
//   delta_t = r_t + gamma * V(obs_{t+1}) * (1 - terminated_t) - V(obs_t)
//   A_t     = delta_t + gamma * lambda * A_{t+1} * (1 - terminated_t)      (A_T = 0; A = 0 if fake)
//
// A truncated episode's last transition bootstraps from V(final observation), which is simply
// V(obs_{t+1}) because obs_{t+1} IS the final observation under NEXT_STEP; the fake transition
// that follows has A = 0, which stops the recursion at the episode's end.
//
// returns_t = A_t + V(obs_t) (the value target). Pure function.
#pragma once

#include <cstdint>
#include <vector>

namespace podpilot::rl {

struct GaeResult {
  std::vector<float> advantages, returns;
};

GaeResult ComputeGae(int steps, int envs, const std::vector<float>& rewards, const std::vector<float>& values,
                     const std::vector<uint8_t>& fake, const std::vector<uint8_t>& terminated,
                     const std::vector<float>& last_values, double gamma, double lambda);

}  // namespace podpilot::rl
