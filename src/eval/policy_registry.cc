#include "eval/policy_registry.h"

#include <functional>

#include "policy/policy_spec.h"
#include "policy/hpa/hpa_factory.h"
#include "policy/keda/keda_factory.h"
#include "policy/kpa/kpa_factory.h"
#include "policy/learned/learned_policy.h"
#include "policy/predictive/predictive_factory.h"
#include "policy/static/static_policy.h"
#include "policy/vpa/vpa_factory.h"

namespace podpilot {
namespace {

struct Kind {
  const char* name;
  const char* help;
  std::function<StatusOr<std::unique_ptr<Policy>>(PolicyParams&)> make;
};

const std::vector<Kind>& Kinds() {
  static const std::vector<Kind> kinds = {
      {"static", "static[:replicas=N] - hold every target at N replicas", MakeStaticPolicy},
      {"threshold", "threshold[:cpu=70,low=30,step=1,cooldown=60s] - simple CPU threshold rule",
       MakeThresholdPolicy},
      {"hpa", "hpa[:cpu=80,behavior=none|default,...] - Kubernetes HPA (autoscaling/v2); see src/policy/hpa/hpa_factory.h",
       MakeHpaPolicy},
      {"vpa", "vpa[:mode=Off|Initial|Recreate|InPlaceOrRecreate,...] - Kubernetes VPA recommender + updater",
       MakeVpaPolicy},
      {"kpa", "kpa[:target=100,metric=concurrency|rps,...] - Knative Pod Autoscaler (2 s period)", MakeKpaPolicy},
      {"keda", "keda[:metric=request_rate,threshold=50,activation=5,cooldown=300s,min=0] - KEDA ScaledObject",
       MakeKedaPolicy},
      {"learned", "learned:model=PATH[,fallback=hpa|keep,fallback_cpu=80] - a trained policy from a podpilot model file",
       MakeLearnedPolicy},
      {"predictive",
       "predictive[:cpu=70,season=1d,alpha=0.3,beta=0.05,gamma=0.1,headroom=0.15,down_window=180s] - Holt-Winters forecast "
       "sized with the HPA rule; see src/policy/predictive/predictive_factory.h",
       MakePredictivePolicy},
  };
  return kinds;
}

}  // namespace

StatusOr<std::unique_ptr<Policy>> MakePolicy(const std::string& spec) {
  PP_ASSIGN_OR_RETURN(PolicyParams params, ParsePolicySpec(spec));
  for (const auto& k : Kinds()) {
    if (params.name() == k.name) return k.make(params);
  }
  std::string known;
  for (const auto& k : Kinds()) known += (known.empty() ? "" : ", ") + std::string(k.name);
  return InvalidArgumentError("unknown policy '" + params.name() + "' in '" + spec + "' (known: " + known + ")");
}

std::vector<std::pair<std::string, std::string>> PolicyKinds() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& k : Kinds()) out.emplace_back(k.name, k.help);
  return out;
}

}  // namespace podpilot
