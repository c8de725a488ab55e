// Pieces the single-env and vector-env bindings share: the configuration Python passes down, the
// checks on actions coming up from Python, and the info / scorecard dictionaries going back.
//
// Errors: every user mistake becomes a Python ValueError or TypeError with a message naming the
// argument and the value (pybind11 translates py::value_error / py::type_error); a C++ Status of
// another kind becomes RuntimeError. Nothing here may crash the interpreter on bad input.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "policy/learned/actions.h"
#include "policy/learned/features.h"
#include "sim/env.h"

namespace podpilot::python {

namespace py = pybind11;

// What make_env / make_vec_env pass to the extension (durations already in seconds).
struct CoreConfig {
  std::string app = "online-boutique";   // bundled name or YAML path
  std::string workload = "diurnal";
  double duration_s = 86400;
  double control_interval_s = 15;
  double metrics_window_s = 30;
  double metrics_lag_s = 0;
  std::vector<std::string> targets;      // empty: every service
  double cost_weight = 1.0, slo_weight = 10.0, churn_weight = 0.01;
  // Action layout (policy/learned/actions.h).
  std::string action_mode = "delta";
  std::vector<int> deltas = {-1, 0, 1};              // delta mode: replica change per choice
  std::vector<double> setpoints = {0.3, 0.5, 0.7, 0.9};  // setpoint mode: CPU utilisation per choice
  double tolerance = 0.1;                            // setpoint mode: the HPA rule's tolerance
  double scale_down_window_s = 0;                    // setpoint mode: scale-down stabilisation (s)
  // Feature layout (policy/learned/features.h).
  int history = 0;
  int peak_window = 0;                               // recent-peak block over this many steps (0 = none)
  double slo_ms = 0;                                 // 0: the strictest class SLO of the app
};

// Everything an env core needs, built and validated once.
struct Setup {
  EnvConfig env;
  std::vector<int> targets;              // service indices, in action / observation order
  std::vector<std::string> target_names;
  learned::FeatureLayout features;
  learned::ActionLayout actions;
};

// Loads the app, validates the workload and options. Throws py::value_error on bad input.
Setup MakeSetup(const CoreConfig& config);

// Throws the Python exception matching `status` (ValueError for invalid / not found / out of
// range, RuntimeError otherwise), prefixed with `context`. No-op for OK.
void ThrowIfError(const Status& status, const std::string& context);

// Reads `rows` x nvec.size() choices from a Python object (numpy array, list, ...) into `out`
// (row-major). rows < 0 means a single env: a 1-D action of shape (nvec.size(),). Accepts any
// integer dtype and floating dtypes holding whole numbers; refuses booleans, strings and objects
// (TypeError), and wrong shapes, NaN, infinities, fractions and out-of-range choices (ValueError),
// each with a message naming the offending index and value. Needs the GIL.
void ReadActions(py::handle action, int rows, const learned::ActionLayout& layout,
                 const std::vector<std::string>& target_names, std::vector<int32_t>* out);

// Writes, per target, the choice whose replicas equal the current replicas_spec (in delta mode
// the 0 delta: what `--policy static` decides); where no choice keeps the count (a setpoint
// layout far from the current utilisation, a delta list without 0), the one closest to it.
void KeepChoices(const learned::ActionLayout& layout, const Observation& obs, int32_t* choices);

// Encodes `r`'s observation with `builder` into `out`; RuntimeError if the builder refuses it.
void Featurize(learned::FeatureBuilder& builder, const StepResult& r, float* out);

// The scorecard components of one step, as plain doubles (see InfoKeys()): what happened in the
// interval, whatever the metrics lag (p95_ms from Simulator::ObserveLastInterval of `sim`, the
// simulator `r` came from, read before it advances).
struct StepInfo {
  double cost = 0, cost_rate = 0, slo_shortfall = 0, churn = 0, requests = 0, errors = 0, slo_attainment = 1,
         p95_ms = 0;
};
StepInfo InfoOf(const StepResult& r, const Simulator& sim);
// Names of StepInfo's fields in declaration order: the keys of every step's info dict.
const std::vector<std::string>& InfoKeys();

// The run's scorecard so far (design.md section 5), the same numbers `podpilot simulate --json`
// prints for a finished run: cost, node_cost, pod_hours, slo_attainment, interval_slo_attainment,
// p50/p95/p99_ms, requests, errors, scaling_actions, replica_changes, resource_changes,
// oom_kills, cpu_utilization, memory_utilization, sim_seconds, steps.
py::dict Scorecard(const Env& env, int steps);

}  // namespace podpilot::python
