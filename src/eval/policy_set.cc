#include "eval/policy_set.h"

#include <filesystem>
#include <set>

#include "common/units.h"
#include "eval/policy_registry.h"
#include "eval/sweep.h"
#include "policy/learned/model_file.h"
#include "policy/policy_spec.h"

namespace podpilot {
namespace {

// "learned:dir=DIR,fallback=hpa" -> DIR and the parameters other than dir ("fallback=hpa").
void SplitLearnedDir(const std::string& spec, std::string* dir, std::string* rest) {
  const size_t colon = spec.find(':');
  for (const std::string& item : SplitList(colon == std::string::npos ? "" : spec.substr(colon + 1), ',')) {
    if (item.rfind("dir=", 0) == 0) {
      *dir = item.substr(4);
    } else {
      *rest += "," + item;
    }
  }
}

bool HasDirParam(const std::string& spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) return false;
  for (const std::string& item : SplitList(spec.substr(colon + 1), ',')) {
    if (item.rfind("dir=", 0) == 0) return true;
  }
  return false;
}

StatusOr<std::string> ResolveLearnedDir(const std::string& spec, const Scenario& s) {
  std::string dir, rest;
  SplitLearnedDir(spec, &dir, &rest);
  if (dir.empty()) return InvalidArgumentError("policy '" + spec + "': dir= is empty");
  const std::string by_scenario = dir + "/" + s.name + ".safetensors";
  const std::string by_app = dir + "/" + s.model->name + ".safetensors";
  std::error_code ec;
  if (std::filesystem::exists(by_scenario, ec)) return "learned:model=" + by_scenario + rest;
  if (std::filesystem::exists(by_app, ec)) return "learned:model=" + by_app + rest;
  return NotFoundError("policy '" + spec + "': no model for scenario '" + s.name + "': neither " + by_scenario +
                       " nor " + by_app + " exists (train one with podpilot train)");
}

// "scenario 'a' runs" or "scenarios 'a', 'b' run": what runs at one lag, for LearnedLagWarning.
std::string ScenarioList(const std::vector<std::string>& names) {
  std::string out = names.size() == 1 ? "scenario " : "scenarios ";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", '" : "'") + names[i] + "'";
  return out + (names.size() == 1 ? " runs" : " run");
}

}  // namespace

std::string LearnedLagWarning(const std::string& label, const std::string& spec, double lag_s, const std::string& runs) {
  auto params = ParsePolicySpec(spec);
  if (!params.ok() || params->name() != "learned") return "";
  auto path = params->GetString("model", "");
  if (!path.ok() || path->empty()) return "";
  auto model = learned::ReadModel(*path);
  if (!model.ok()) return "";
  const double trained = model->provenance.metrics_lag_s;
  if (trained == lag_s || (trained < 0 && lag_s == 0)) return "";
  const std::string fix = lag_s > 0 ? "train one at that lag with podpilot train --metrics-lag " + FormatDuration(lag_s)
                                    : "train one without a lag with podpilot train";
  const std::string what = trained < 0 ? "does not record the metrics lag it was trained at"
                                       : "was trained at a metrics lag of " + FormatDuration(trained);
  return "policy '" + label + "': model " + *path + " " + what + "; " + runs + " at " + FormatDuration(lag_s) + " (" +
         fix + ")";
}

std::vector<std::string> ParsePolicyList(const std::string& text) { return SplitList(text, ';'); }

StatusOr<std::vector<PolicyEntry>> ResolvePolicies(const std::vector<std::string>& specs,
                                                   const std::vector<const Scenario*>& scenarios) {
  if (specs.empty()) return InvalidArgumentError("no policies given");
  std::vector<PolicyEntry> out;
  std::set<std::string> seen;
  for (const auto& spec : specs) {
    if (!seen.insert(spec).second) return InvalidArgumentError("policy '" + spec + "' is listed twice");
    PolicyEntry e;
    e.label = spec;
    PP_ASSIGN_OR_RETURN(PolicyParams params, ParsePolicySpec(spec));
    if (params.name() == "tuned-hpa" || params.name() == "tuned-kpa" || params.name() == "tuned-keda") {
      const SweepPolicy kind = params.name() == "tuned-kpa"    ? SweepPolicy::kKpa
                               : params.name() == "tuned-keda" ? SweepPolicy::kKeda
                                                               : SweepPolicy::kHpa;
      auto file = params.GetString("file", "");
      if (!file.ok()) return file.status().WithPrefix("policy '" + spec + "'");
      if (file->empty()) {
        return InvalidArgumentError("policy '" + spec + "': " + params.name() + " needs file=PATH (tuned_" + SweepPolicyName(kind) + ".json)");
      }
      Status unused = params.CheckAllUsed();
      if (!unused.ok()) return unused.WithPrefix("policy '" + spec + "'");
      PP_ASSIGN_OR_RETURN(TunedFile tuned, ReadTunedFile(*file));
      if (kind != tuned.kind) {
        return InvalidArgumentError("policy '" + spec + "': " + *file + " holds " + SweepPolicyName(tuned.kind) +
                                    " targets (use tuned-" + SweepPolicyName(tuned.kind) + ":file=...)");
      }
      for (const Scenario* s : scenarios) {
        auto it = tuned.scenarios.find(s->name);
        if (it == tuned.scenarios.end()) {
          return NotFoundError("policy '" + spec + "': " + *file + " has no tuned target for scenario '" + s->name +
                               "' (run podpilot sweep on it)");
        }
        if (it->second.fingerprint != s->Fingerprint()) {
          return FailedPreconditionError("policy '" + spec + "': " + *file + " was tuned on a different definition of scenario '" +
                                         s->name + "' (app, duration, SLO, cluster, metrics lag or train workloads changed); rerun podpilot sweep");
        }
        e.specs[s->name] = SpecForTarget(tuned.kind, it->second.choice.target);
      }
    } else if (params.name() == "learned" && HasDirParam(spec)) {
      for (const Scenario* s : scenarios) {
        PP_ASSIGN_OR_RETURN(e.specs[s->name], ResolveLearnedDir(spec, *s));
      }
    } else {
      for (const Scenario* s : scenarios) e.specs[s->name] = spec;
    }
    // Build each distinct resolved spec once now so that a bad name or parameter fails before any run.
    std::set<std::string> checked;
    for (const auto& [scenario, resolved] : e.specs) {
      if (!checked.insert(resolved).second) continue;
      auto policy = MakePolicy(resolved);
      if (!policy.ok()) return policy.status().WithPrefix("policy '" + spec + "'");
      if (e.policy_name.empty()) e.policy_name = (*policy)->Name();
    }
    // One warning per model file and lag, naming the scenarios.
    std::map<std::pair<std::string, double>, std::vector<std::string>> by_model_and_lag;
    for (const Scenario* s : scenarios) by_model_and_lag[{e.specs[s->name], s->metrics_lag_s}].push_back(s->name);
    for (const auto& [key, names] : by_model_and_lag) {
      std::string w = LearnedLagWarning(e.label, key.first, key.second, ScenarioList(names));
      if (!w.empty()) e.warnings.push_back(std::move(w));
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace podpilot
