#include "policy/hpa/normalization_behavior.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "policy/hpa/hpa_defaults.h"
#include "policy/hpa/usage_ratio.h"

namespace podpilot::hpa {
namespace {

constexpr int32_t kMinInt32 = std::numeric_limits<int32_t>::min();
constexpr int32_t kMaxInt32 = std::numeric_limits<int32_t>::max();

// The replica count at the start of the policy's period: current minus what was added plus what
// was removed within it.
int32_t PeriodStartReplicas(int32_t current, const std::vector<TimestampedScaleEvent>& up_events,
                            const std::vector<TimestampedScaleEvent>& down_events,
                            int32_t period_seconds, Time now) {
  return current - ReplicasChangePerPeriod(period_seconds, up_events, now) +
         ReplicasChangePerPeriod(period_seconds, down_events, now);
}

double Seconds(const std::optional<int32_t>& s) { return static_cast<double>(s.value_or(0)); }

}  // namespace

LimitedReplicas StabilizeRecommendationWithBehaviors(
    std::vector<TimestampedRecommendation>& recommendations, const NormalizationArg& arg,
    double up_window_s, double down_window_s, Time now) {
  const Time up_cutoff = now - up_window_s;
  const Time down_cutoff = now - down_window_s;
  int32_t up_recommendation = arg.desired_replicas;
  int32_t down_recommendation = arg.desired_replicas;
  std::optional<size_t> old_index;
  for (size_t i = 0; i < recommendations.size(); ++i) {
    const auto& rec = recommendations[i];
    if (rec.timestamp > up_cutoff) up_recommendation = std::min(rec.replicas, up_recommendation);
    if (rec.timestamp > down_cutoff) down_recommendation = std::max(rec.replicas, down_recommendation);
    if (rec.timestamp < up_cutoff && rec.timestamp < down_cutoff) old_index = i;
  }
  int32_t recommendation = arg.current_replicas;
  if (recommendation < up_recommendation) recommendation = up_recommendation;
  if (recommendation > down_recommendation) recommendation = down_recommendation;

  if (old_index) {
    recommendations[*old_index] = {arg.desired_replicas, now};
  } else {
    recommendations.push_back({arg.desired_replicas, now});
  }
  if (arg.desired_replicas >= arg.current_replicas) {
    return {recommendation, "ScaleUpStabilized",
            "recent recommendations were lower than current one, applying the lowest recent "
            "recommendation"};
  }
  return {recommendation, "ScaleDownStabilized",
          "recent recommendations were higher than current one, applying the highest recent "
          "recommendation"};
}

int32_t CalculateScaleUpLimitWithScalingRules(int32_t current_replicas,
                                              const std::vector<TimestampedScaleEvent>& up_events,
                                              const std::vector<TimestampedScaleEvent>& down_events,
                                              const ScalingRules& rules, Time now) {
  const SelectPolicy select = rules.select_policy.value_or(SelectPolicy::kMax);
  if (select == SelectPolicy::kDisabled) return current_replicas;
  // Max: the policy allowing the largest change wins; for scale-up that is the largest result.
  const bool pick_min = select == SelectPolicy::kMin;
  int32_t result = pick_min ? kMaxInt32 : kMinInt32;
  if (!rules.policies) return result;
  for (const ScalingPolicy& p : *rules.policies) {
    const int32_t start =
        PeriodStartReplicas(current_replicas, up_events, down_events, p.period_seconds, now);
    int32_t proposed = 0;
    if (p.type == PolicyType::kPods) {
      proposed = start + p.value;
    } else {
      // Rounded up so that a small percentage still adds a pod.
      proposed = CeilToInt32(static_cast<double>(start) * (1.0 + static_cast<double>(p.value) / 100.0));
    }
    result = pick_min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

int32_t CalculateScaleDownLimitWithBehaviors(int32_t current_replicas,
                                             const std::vector<TimestampedScaleEvent>& up_events,
                                             const std::vector<TimestampedScaleEvent>& down_events,
                                             const ScalingRules& rules, Time now) {
  const SelectPolicy select = rules.select_policy.value_or(SelectPolicy::kMax);
  if (select == SelectPolicy::kDisabled) return current_replicas;
  // Max: the largest change wins; for scale-down that is the smallest floor.
  const bool pick_max = select == SelectPolicy::kMin;
  int32_t result = pick_max ? kMinInt32 : kMaxInt32;
  if (!rules.policies) return result;
  for (const ScalingPolicy& p : *rules.policies) {
    const int32_t start =
        PeriodStartReplicas(current_replicas, up_events, down_events, p.period_seconds, now);
    int32_t proposed = 0;
    if (p.type == PolicyType::kPods) {
      proposed = start - p.value;
    } else {
      proposed = TruncToInt32(static_cast<double>(start) * (1.0 - static_cast<double>(p.value) / 100.0));
    }
    result = pick_max ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

LimitedReplicas ConvertDesiredReplicasWithBehaviorRate(
    const NormalizationArg& arg, const std::vector<TimestampedScaleEvent>& up_events,
    const std::vector<TimestampedScaleEvent>& down_events, Time now) {
  if (arg.desired_replicas > arg.current_replicas) {
    int32_t limit = CalculateScaleUpLimitWithScalingRules(arg.current_replicas, up_events,
                                                          down_events, arg.scale_up, now);
    // Recent scale-ups can push the limit below current; never scale down on the way up.
    limit = std::max(limit, arg.current_replicas);
    LimitedReplicas capped;
    if (arg.max_replicas > limit) {
      capped = {limit, "ScaleUpLimit",
                "the desired replica count is increasing faster than the maximum scale rate"};
    } else {
      capped = {arg.max_replicas, "TooManyReplicas",
                "the desired replica count is more than the maximum replica count"};
    }
    if (arg.desired_replicas > capped.replicas) return capped;
  } else if (arg.desired_replicas < arg.current_replicas) {
    int32_t limit = CalculateScaleDownLimitWithBehaviors(arg.current_replicas, up_events,
                                                         down_events, arg.scale_down, now);
    limit = std::min(limit, arg.current_replicas);
    LimitedReplicas floored;
    if (arg.min_replicas < limit) {
      floored = {limit, "ScaleDownLimit",
                 "the desired replica count is decreasing faster than the maximum scale rate"};
    } else {
      floored = {arg.min_replicas, "TooFewReplicas",
                 "the desired replica count is less than the minimum replica count"};
    }
    if (arg.desired_replicas < floored.replicas) return floored;
  }
  return {arg.desired_replicas, "DesiredWithinRange",
          "the desired count is within the acceptable range"};
}

Normalized NormalizeWithBehaviors(KeyHistory& history, const Behavior& behavior,
                                  int32_t current_replicas, int32_t proposal, int32_t min_replicas,
                                  int32_t max_replicas, double default_down_window_s, Time now) {
  NormalizationArg arg;
  arg.scale_up = GenerateScaleUpRules(behavior.scale_up);
  arg.scale_down = GenerateScaleDownRules(behavior.scale_down);
  arg.min_replicas = min_replicas;
  arg.max_replicas = max_replicas;
  arg.current_replicas = current_replicas;
  arg.desired_replicas = proposal;
  // maybeInitScaleDownStabilizationWindow: the API leaves it unset; the controller's flag fills it.
  const double down_window = arg.scale_down.stabilization_window_seconds
                                 ? Seconds(arg.scale_down.stabilization_window_seconds)
                                 : std::trunc(default_down_window_s);
  const double up_window = Seconds(arg.scale_up.stabilization_window_seconds);

  Normalized n;
  LimitedReplicas stabilized = StabilizeRecommendationWithBehaviors(history.recommendations, arg,
                                                                    up_window, down_window, now);
  n.stabilized = stabilized.replicas;
  if (stabilized.replicas != proposal) {
    n.able_to_scale = {ConditionType::kAbleToScale, true, stabilized.reason, stabilized.message};
  } else {
    n.able_to_scale = {ConditionType::kAbleToScale, true, "ReadyForNewScale",
                       "recommended size matches current size"};
  }
  arg.desired_replicas = stabilized.replicas;
  LimitedReplicas limited = ConvertDesiredReplicasWithBehaviorRate(
      arg, history.scale_up_events, history.scale_down_events, now);
  n.replicas = limited.replicas;
  n.scaling_limited = {ConditionType::kScalingLimited, limited.replicas != n.stabilized,
                       limited.reason, limited.message};
  return n;
}

}  // namespace podpilot::hpa
