#include "common.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace podpilot::python {
namespace {

std::string ShapeString(const py::array& a) {
  // Python's own spelling: (), (3,), (2, 3).
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(a.shape(i));
  }
  return s + (a.ndim() == 1 ? ",)" : ")");
}

std::string FormatChoice(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

void ThrowIfError(const Status& status, const std::string& context) {
  if (status.ok()) return;
  const std::string msg = context.empty() ? status.message() : context + ": " + status.message();
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kOutOfRange:
      throw py::value_error(msg);
    default:
      throw std::runtime_error(msg);
  }
}

Setup MakeSetup(const CoreConfig& c) {
  Setup s;
  auto app = LoadAppByName(c.app);
  ThrowIfError(app.status(), "app");
  s.env.app = std::make_shared<const AppModel>(std::move(app).value());
  s.env.workload = c.workload;
  s.env.duration_s = c.duration_s;
  s.env.control_interval_s = c.control_interval_s;
  s.env.sim.metrics_window_s = c.metrics_window_s;
  s.env.sim.metrics_lag_s = c.metrics_lag_s;
  s.env.sim.targets = c.targets;
  for (double w : {c.cost_weight, c.slo_weight, c.churn_weight}) {
    if (!std::isfinite(w)) throw py::value_error("reward weights must be finite, got " + FormatChoice(w));
  }
  s.env.reward = RewardWeights{c.cost_weight, c.slo_weight, c.churn_weight};
  // Reset consumes WarmupIntervals() (one, plus the metrics lag's); an episode needs at least one
  // step after it.
  const int warmup = c.control_interval_s > 0 ? WarmupIntervals(c.metrics_lag_s, c.control_interval_s) : 1;
  if (c.duration_s < (warmup + 1) * c.control_interval_s) {
    const std::string n = warmup == 1 ? std::string("two") : std::to_string(warmup + 1);
    throw py::value_error("duration " + FormatChoice(c.duration_s) + " s must cover at least " + n +
                          " control intervals (" + FormatChoice(c.control_interval_s) + " s each" +
                          (warmup > 1 ? ", the warm-up covering the metrics lag" : "") + ")");
  }
  // Env::Create validates the workload spec, durations and target names; probe it once here so
  // errors surface at construction. The env itself is created by the caller.
  auto probe = Env::Create(s.env);
  ThrowIfError(probe.status(), "");
  s.targets = (*probe)->simulator().target_services();
  for (int t : s.targets) s.target_names.push_back(s.env.app->services[t].name);
  const int n = static_cast<int>(s.targets.size());
  learned::FeatureOptions fo;
  fo.history = c.history;
  fo.peak_window = c.peak_window;
  fo.slo_ms = c.slo_ms;
  fo.control_interval_s = c.control_interval_s;  // the model records what its history counts in
  std::vector<int> replica_scale;  // recorded so a converted model reads replicas as in training (features.h)
  for (int t : s.targets) replica_scale.push_back(std::max(s.env.app->services[t].max_replicas, 1));
  auto features = learned::MakeFeatureLayout(n, fo, s.target_names, replica_scale);
  ThrowIfError(features.status(), "features");
  s.features = std::move(features).value();
  StatusOr<learned::ActionLayout> actions = InvalidArgumentError(
      "action_mode must be 'delta' or 'setpoint', got '" + c.action_mode + "'");
  if (c.action_mode == "delta") actions = learned::MakeDeltaActions(n, c.deltas);
  if (c.action_mode == "delta" && c.scale_down_window_s != 0) {
    actions = InvalidArgumentError("scale_down_window applies to action_mode 'setpoint', not 'delta'");
  }
  if (c.action_mode == "setpoint") actions = learned::MakeSetpointActions(n, c.setpoints, c.tolerance, c.scale_down_window_s);
  ThrowIfError(actions.status(), "");
  s.actions = std::move(actions).value();
  return s;
}

void KeepChoices(const learned::ActionLayout& layout, const Observation& obs, int32_t* choices) {
  if (layout.mode == learned::ActionMode::kDelta) {
    // The 0 delta keeps every target, and does so whatever the state (several choices may keep a
    // target at its minimum, but only this one means "no change" to a learner).
    auto zero = std::find(layout.deltas.begin(), layout.deltas.end(), 0);
    if (zero != layout.deltas.end()) {
      std::fill_n(choices, layout.num_targets, static_cast<int32_t>(zero - layout.deltas.begin()));
      return;
    }
  }
  for (int i = 0; i < layout.num_targets; ++i) {
    int best = 0, best_gap = INT32_MAX;
    if (i < static_cast<int>(obs.targets.size())) {
      const TargetObservation& t = obs.targets[i];
      for (int k = 0; k < layout.choices() && best_gap > 0; ++k) {
        const int gap = std::abs(learned::ReplicasForChoice(layout, t, k) - t.replicas_spec);
        if (gap < best_gap) best = k, best_gap = gap;
      }
    }
    choices[i] = best;
  }
}

void Featurize(learned::FeatureBuilder& builder, const StepResult& r, float* out) {
  const Status st = builder.Build(r.observation, out);
  if (!st.ok()) throw std::runtime_error("podpilot features: " + st.message());
}

void ReadActions(py::handle action, int rows, const learned::ActionLayout& layout,
                 const std::vector<std::string>& names, std::vector<int32_t>* out) {
  const std::vector<int> nvec = layout.nvec();
  const py::ssize_t k = static_cast<py::ssize_t>(nvec.size());
  if (action.is_none()) throw py::type_error("action is None; expected an integer array of choices");
  py::array arr = py::array::ensure(action);
  if (!arr) {
    PyErr_Clear();
    throw py::type_error("action of type " + std::string(Py_TYPE(action.ptr())->tp_name) +
                         " cannot be read as an array of integers");
  }
  const char kind = arr.dtype().kind();
  if (kind != 'i' && kind != 'u' && kind != 'f') {
    throw py::type_error("action dtype " + std::string(py::str(arr.dtype())) +
                         " is not accepted; use an integer dtype (e.g. numpy.int64)");
  }
  const bool single = rows < 0;
  const std::string want = single ? "(" + std::to_string(k) + ",)"
                                  : "(" + std::to_string(rows) + ", " + std::to_string(k) + ")";
  const bool shape_ok = single ? (arr.ndim() == 1 && arr.shape(0) == k)
                               : (arr.ndim() == 2 && arr.shape(0) == rows && arr.shape(1) == k);
  if (!shape_ok) {
    throw py::value_error("action has shape " + ShapeString(arr) + ", expected " + want +
                          (single ? " (one choice per target)" : " (num_envs, one choice per target)"));
  }
  const py::ssize_t n = (single ? 1 : rows) * k;
  out->resize(n);
  auto check = [&](py::ssize_t idx, double v) {
    const int j = static_cast<int>(idx % k);
    std::string where = single ? "action[" + std::to_string(j) + "]"
                               : "action[" + std::to_string(idx / k) + ", " + std::to_string(j) + "]";
    where += " (target '" + names[j] + "')";
    if (std::isnan(v)) throw py::value_error(where + " is NaN");
    if (std::isinf(v)) throw py::value_error(where + " is infinite");
    if (v != std::floor(v)) throw py::value_error(where + " = " + FormatChoice(v) + " is not a whole number");
    if (v < 0 || v >= nvec[j]) {
      std::string meaning;
      for (int c = 0; c < layout.choices(); ++c) {
        if (c > 0) meaning += ", ";
        meaning += learned::DescribeChoice(layout, c);
      }
      throw py::value_error(where + " = " + FormatChoice(v) + " is outside [0, " + std::to_string(nvec[j]) +
                            "); the choices mean " + meaning);
    }
    (*out)[idx] = static_cast<int32_t>(v);
  };
  if (kind == 'f') {
    auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
    if (!a) throw py::type_error("action could not be converted to float64");
    const double* p = a.data();
    for (py::ssize_t i = 0; i < n; ++i) check(i, p[i]);
  } else if (kind == 'u') {
    auto a = py::array_t<uint64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
    if (!a) throw py::type_error("action could not be converted to uint64");
    const uint64_t* p = a.data();
    // Values beyond every nvec are refused by check(); clamp first so the double is exact.
    for (py::ssize_t i = 0; i < n; ++i) check(i, static_cast<double>(std::min<uint64_t>(p[i], 1ull << 40)));
  } else {
    auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
    if (!a) throw py::type_error("action could not be converted to int64");
    const int64_t* p = a.data();
    for (py::ssize_t i = 0; i < n; ++i) {
      check(i, static_cast<double>(std::clamp<int64_t>(p[i], -(1ll << 40), 1ll << 40)));
    }
  }
}

StepInfo InfoOf(const StepResult& r, const Simulator& sim) {
  StepInfo i;
  const IntervalTotals& t = r.interval;
  i.cost = t.cost;
  // The reward's components are zeroed for Reset's warm-up (nobody's doing), but the interval
  // itself happened: report it from the interval totals (the last warm-up interval's, with a lag).
  i.cost_rate = t.seconds > 0 ? t.cost * 3600.0 / t.seconds : 0;
  i.slo_shortfall = t.requests > 0 ? 1.0 - t.ok_within_slo / t.requests : 0.0;
  i.churn = r.reward.churn;
  i.requests = t.requests;
  i.errors = t.errors;
  i.slo_attainment = t.requests > 0 ? t.ok_within_slo / t.requests : 1.0;
  if (sim.config().metrics_lag_s > 0) {
    thread_local Observation happened;  // scratch: only the class part is filled
    sim.ObserveLastInterval(&happened, r.observation.control_interval_s);
    i.p95_ms = happened.latency_p95_ms;
  } else {
    i.p95_ms = r.observation.latency_p95_ms;  // without a lag the observation is that interval already
  }
  return i;
}

const std::vector<std::string>& InfoKeys() {
  static const std::vector<std::string> keys = {"cost",     "cost_rate", "slo_shortfall",  "churn",
                                                "requests", "errors",    "slo_attainment", "p95_ms"};
  return keys;
}

py::dict Scorecard(const Env& env, int steps) {
  const RunTotals& t = env.simulator().totals();
  py::dict d;
  d["app"] = env.simulator().app().name;
  d["workload"] = env.config().workload;
  d["cost"] = t.cost;
  d["node_cost"] = t.node_cost;
  d["pod_hours"] = t.pod_seconds / 3600.0;
  d["slo_attainment"] = t.SloAttainment();
  d["interval_slo_attainment"] =
      t.intervals > 0 ? static_cast<double>(t.intervals_meeting_slo) / t.intervals : 1.0;
  d["p50_ms"] = t.LatencyQuantileMs(0.5);
  d["p95_ms"] = t.LatencyQuantileMs(0.95);
  d["p99_ms"] = t.LatencyQuantileMs(0.99);
  d["requests"] = t.requests;
  d["errors"] = t.errors;
  d["scaling_actions"] = t.scaling_actions;
  d["replica_changes"] = t.replica_changes;
  d["resource_changes"] = t.resource_changes;
  d["oom_kills"] = t.oom_kills;
  d["cpu_utilization"] = t.cpu_request_core_seconds > 0 ? t.cpu_usage_core_seconds / t.cpu_request_core_seconds : 0.0;
  d["memory_utilization"] =
      t.memory_request_byte_seconds > 0 ? t.memory_usage_byte_seconds / t.memory_request_byte_seconds : 0.0;
  d["sim_seconds"] = t.sim_seconds;
  d["steps"] = steps;
  return d;
}

}  // namespace podpilot::python
