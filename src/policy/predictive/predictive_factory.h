// Building a PredictivePolicy from a policy spec string.
//
//   predictive[:cpu=70,season=1d,alpha=0.3,beta=0.05,gamma=0.1,phi=0.9,mode=additive,headroom=0.15,
//              down_window=180,recent=2m,cap_alpha=0.1,tolerance=0.1,lag=15s]
//
// Keys (all optional; unknown keys are rejected; every error names the key and the value):
//    cpu=<percent>        target CPU utilisation of the request the sizing aims at (1..1000, 70)
//    season=<dur>         season length of the forecaster ("1d", "2h"; 0 = no season; default 1d)
//    alpha, beta, gamma   Holt-Winters level / trend / season smoothing (alpha in (0,1], others [0,1])
//    phi=<x>              trend damping in (0, 1] (1 = undamped; default 0.9)
//    mode=additive|multiplicative   seasonal model
//    headroom=<x>         planned rate = max forecast over the horizon x (1 + x) (0..10, default 0.15)
//    down_window=<dur>    scale-down stabilisation window (0..1d, default 180 s)
//    recent=<dur>         before one season is seen, plan for at least the max rate of this
//                         window (0..1d, default 2m; 0 = off)
//    cap_alpha=<x>        smoothing of the learned CPU per request, (0, 1]
//    tolerance=<x>        HPA tolerance of the reactive floor (0..0.99, default 0.1)
//    lag=<dur>            added to the forecast horizon for the age of the metrics (default: half
//                         the metrics window)
// See predictive_policy.h for what each one does. Defaults were tuned on the TRAIN workloads of
// scenarios/suites/default.yaml only.
#pragma once

#include <memory>

#include "common/status.h"
#include "policy/policy.h"
#include "policy/policy_spec.h"
#include "policy/predictive/predictive_policy.h"

namespace podpilot {

// Reads every key above (marking them used), rejects unknown keys with params.CheckAllUsed() and
// validates the result. Does not build the policy.
StatusOr<predictive::PredictiveOptions> ParsePredictiveOptions(PolicyParams& params);

// ParsePredictiveOptions + the policy. The caller owns the returned policy.
StatusOr<std::unique_ptr<Policy>> MakePredictivePolicy(PolicyParams& params);

}  // namespace podpilot
