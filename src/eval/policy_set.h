// The policies of a scorecard, as the user named them, resolved to a runnable spec per scenario.
//
// Lists are separated by ';' (policy specs themselves contain ','): "static;hpa:cpu=50,behavior=
// default;kpa". Besides every kind MakePolicy knows, one spec is resolved here:
//
//   tuned-hpa:file=PATH   the HPA with the CPU target the sweep chose for each scenario on its
//                         TRAIN workloads (PATH = the sweep's tuned_hpa.json); resolves per
//                         scenario to "hpa:cpu=T". Refused when the file lacks a selected scenario,
//                         was tuned on a different definition of it (Scenario::Fingerprint) or
//                         holds another kind's targets.
//   tuned-kpa:file=PATH   the same for the Knative KPA (`podpilot sweep --policy kpa`,
//                         tuned_kpa.json): resolves to "kpa:target=T".
//   tuned-keda:file=PATH  the same for KEDA on request rate (`podpilot sweep --policy keda`,
//                         tuned_keda.json): "keda:metric=request_rate,threshold=T,min=1".
//   learned:dir=DIR[,...] a learned policy per scenario from a directory of model files (what
//                         `podpilot train` writes, see scripts/train-default-models): resolves to
//                         "learned:model=DIR/<scenario>.safetensors[,...]" when that file exists,
//                         else to DIR/<app>.safetensors (one model for every scenario of an app);
//                         refused, naming both paths, when neither exists. Other parameters
//                         (fallback=, fallback_cpu=) are passed on.
//
// Thread-safety: plain values; resolution does file I/O and is meant to run once, before any run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "eval/suite.h"

namespace podpilot {

struct PolicyEntry {
  std::string label;                          // the spec as given; names the policy in every output
  std::map<std::string, std::string> specs;   // scenario name -> runnable MakePolicy spec
  std::string policy_name;                    // Policy::Name() of one built instance: the spec with its
                                              // defaults filled in (tuned-*: one scenario's)
  std::vector<std::string> warnings;          // LearnedLagWarning()s of its scenarios, for stderr
  const std::string& SpecFor(const std::string& scenario) const { return specs.at(scenario); }
};

// Splits a ';'-separated policy list (trimmed, empty items dropped).
std::vector<std::string> ParsePolicyList(const std::string& text);

// Resolves and validates every spec for every scenario: builds each policy once (MakePolicy), so
// unknown names or parameters fail here, before any run. Duplicate labels are refused.
StatusOr<std::vector<PolicyEntry>> ResolvePolicies(const std::vector<std::string>& specs,
                                                   const std::vector<const Scenario*>& scenarios);

// For a "learned:model=PATH[,...]" spec run at a metrics lag of `lag_s`: a warning (without the
// "warning: " prefix) when the model records another training lag (Provenance::metrics_lag_s), or
// records none while lag_s > 0; "" otherwise, for every other spec, and for a file that cannot be
// read (building the policy reports that). `runs` says what runs at that lag, e.g. "scenarios
// 'a', 'b' run" or "this run is"; `label` names the policy as the user wrote it.
std::string LearnedLagWarning(const std::string& label, const std::string& spec, double lag_s, const std::string& runs);

}  // namespace podpilot
