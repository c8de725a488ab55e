// Builds any podpilot policy from its spec string ("hpa:cpu=50", "static:replicas=3", ...).
// Unknown names and parameters are refused before any run starts, with the list of what is known.
// Thread-safe (no shared state).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"

namespace podpilot {

StatusOr<std::unique_ptr<Policy>> MakePolicy(const std::string& spec);
// Names of the policy kinds and one line of help each, for --help.
std::vector<std::pair<std::string, std::string>> PolicyKinds();

}  // namespace podpilot
