// Runs one policy on one environment for one episode and summarises it (the `simulate` command,
// and the unit of work of evaluations).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"
#include "sim/env.h"

namespace podpilot {

struct RunSummary {
  std::string app, workload, policy;
  uint64_t seed = 0;
  double cost = 0;              // $ on requested resources
  double node_cost = 0;         // $ on provisioned nodes
  double pod_hours = 0;
  double slo_attainment = 0;    // request-weighted
  double interval_slo_attainment = 0;  // fraction of control intervals whose p95 met the SLO
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double requests = 0, errors = 0;
  int scaling_actions = 0, replica_changes = 0, resource_changes = 0, oom_kills = 0;
  double cpu_utilization = 0;   // usage / request, time-integrated
  double memory_utilization = 0;
  double sim_seconds = 0, wall_seconds = 0;
  int steps = 0;
  // Decisions the policy took by its fallback (Decision::fallback non-empty), e.g. a learned
  // model run at another control interval than it was trained at: such a run did not score the
  // policy it names. first_fallback is the first one's why ("" when none).
  int fallback_decisions = 0;
  std::string first_fallback;
};

// Per control interval samples, kept when the caller wants the time series.
struct TimeSeries {
  std::vector<std::string> target_names;
  std::vector<std::string> class_names;
  struct Row {
    double time_s, request_rate, slo_attainment, p95_ms, error_rate, cost_rate;
    std::vector<int> replicas, ready;
    std::vector<double> cpu_util, target_p95_ms;
    std::vector<double> class_p95_ms;
    std::string reason;  // the reason of the decision taken at the end of this interval
  };
  std::vector<Row> rows;
  std::string ToCsv() const;
};

// Resets `env` with `seed`, runs `policy` until the episode is truncated, returns the summary.
// `series` (optional) receives one row per control interval, the warm-up's included (so that the
// rows' cost adds up to the summary's): the application's request rate, SLO attainment and p95 of
// that interval, each target's replicas, and its CPU utilisation and p95 as the policy saw them
// (metrics window and lag).
RunSummary RunEpisode(Env& env, Policy& policy, uint64_t seed, TimeSeries* series);

// Gives `policy` the environment it asks for: its control interval
// (Policy::PreferredControlIntervalSeconds), its metrics window (PreferredMetricsWindowSeconds)
// and pod samples when it reads them. Preferences of 0 leave `config` as it is. Used by eval,
// simulate and serve, so that a policy runs alike in all three.
void ApplyPolicyPreferences(const Policy& policy, EnvConfig* config);

// Builds the PolicyContext a policy gets for this environment.
PolicyContext MakePolicyContext(const Env& env);

std::string SummaryToJson(const RunSummary& s, int indent = -1);

// The one-line warning that `subject` (a policy, or "policy on scenario") decided by its
// fallback `fallback` of `decisions` times (decisions < 0: not known, left out), the first time
// because of `why`; ends in a newline. Shared by `podpilot simulate`, the scorecard table and
// `podpilot report` so that all say it in the same words.
std::string FallbackWarning(const std::string& subject, long fallback, long decisions, const std::string& why);

// Fallback decisions summed over several runs (one policy on one scenario, over seeds and
// workloads), for the scorecard table and the report.
struct FallbackTally {
  long fallback = 0;
  long decisions = 0;      // < 0 once a run did not record its count (older scorecard files)
  std::string first_why;   // the first non-empty reason added
  // Adds one run: `run_decisions` < 0 means not recorded.
  void Add(long run_fallback, long run_decisions, const std::string& why);
  std::string Warning(const std::string& subject) const {
    return FallbackWarning(subject, fallback, decisions, first_why);
  }
};

}  // namespace podpilot
