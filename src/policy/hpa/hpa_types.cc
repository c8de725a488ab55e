#include "policy/hpa/hpa_types.h"

namespace podpilot::hpa {

const char* ResourceNameString(ResourceName r) {
  return r == ResourceName::kCpu ? "cpu" : "memory";
}

const char* ConditionTypeString(ConditionType t) {
  switch (t) {
    case ConditionType::kAbleToScale: return "AbleToScale";
    case ConditionType::kScalingActive: return "ScalingActive";
    case ConditionType::kScalingLimited: return "ScalingLimited";
    case ConditionType::kScaledToZero: return "ScaledToZero";
  }
  return "Unknown";
}

}  // namespace podpilot::hpa
