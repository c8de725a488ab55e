// _podpilot: the C++ half of the podpilot Python package. Python users import `podpilot`, whose
// make_env / make_vec_env wrap these cores in Gymnasium classes; this module stays minimal.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "common/units.h"
#include "env_core.h"
#include "model_binding.h"
#include "vec_env_core.h"

namespace py = pybind11;
using namespace podpilot::python;
namespace learned = podpilot::learned;

namespace {

py::array_t<float> ToArray(const std::vector<float>& v) {
  py::array_t<float> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

// Layout accessors both cores expose identically.
template <typename Core, typename Cls>
void DefLayout(Cls& cls) {
  cls.def_property_readonly("obs_names", [](const Core& c) { return c.setup().features.names; })
      .def_property_readonly("obs_low", [](const Core& c) { return ToArray(c.setup().features.low); })
      .def_property_readonly("obs_high", [](const Core& c) { return ToArray(c.setup().features.high); })
      .def_property_readonly("nvec", [](const Core& c) { return c.setup().actions.nvec(); })
      .def_property_readonly("action_mode",
                             [](const Core& c) { return std::string(learned::ActionModeName(c.setup().actions.mode)); })
      .def_property_readonly("choices",
                             [](const Core& c) {
                               std::vector<std::string> out;
                               for (int k = 0; k < c.setup().actions.choices(); ++k) {
                                 out.push_back(learned::DescribeChoice(c.setup().actions, k));
                               }
                               return out;
                             })
      .def_property_readonly("feature_layout_json",
                             [](const Core& c) { return learned::FeatureLayoutToJson(c.setup().features); })
      .def_property_readonly("action_layout_json",
                             [](const Core& c) { return learned::ActionLayoutToJson(c.setup().actions); })
      .def_property_readonly("target_names", [](const Core& c) { return c.setup().target_names; })
      .def_property_readonly("app_name", [](const Core& c) { return c.setup().env.app->name; })
      .def_property_readonly("app_path", [](const Core& c) { return c.setup().env.app->source_path; })
      .def_property_readonly("episode_steps", [](Core& c) { return c.episode_steps(); });
}

}  // namespace

PYBIND11_MODULE(_podpilot, m) {
  m.doc() = "podpilot simulator bindings (use the `podpilot` package, not this module)";
  m.attr("FEATURE_VERSION") = podpilot::learned::kFeatureVersion;

  m.def(
      "parse_duration",
      [](const std::string& text) {
        auto d = podpilot::ParseDuration(text);
        ThrowIfError(d.status(), "duration '" + text + "'");
        return *d;
      },
      py::arg("text"), "Seconds in a duration such as '90s', '15m', '1d'. ValueError if malformed.");

  py::class_<CoreConfig>(m, "Config")
      .def(py::init<>())
      .def_readwrite("app", &CoreConfig::app)
      .def_readwrite("workload", &CoreConfig::workload)
      .def_readwrite("duration_s", &CoreConfig::duration_s)
      .def_readwrite("control_interval_s", &CoreConfig::control_interval_s)
      .def_readwrite("metrics_window_s", &CoreConfig::metrics_window_s)
      .def_readwrite("metrics_lag_s", &CoreConfig::metrics_lag_s)
      .def_readwrite("targets", &CoreConfig::targets)
      .def_readwrite("cost_weight", &CoreConfig::cost_weight)
      .def_readwrite("slo_weight", &CoreConfig::slo_weight)
      .def_readwrite("churn_weight", &CoreConfig::churn_weight)
      .def_readwrite("action_mode", &CoreConfig::action_mode)
      .def_readwrite("deltas", &CoreConfig::deltas)
      .def_readwrite("setpoints", &CoreConfig::setpoints)
      .def_readwrite("tolerance", &CoreConfig::tolerance)
      .def_readwrite("scale_down_window_s", &CoreConfig::scale_down_window_s)
      .def_readwrite("history", &CoreConfig::history)
      .def_readwrite("peak_window", &CoreConfig::peak_window)
      .def_readwrite("slo_ms", &CoreConfig::slo_ms);

  m.attr("INFO_KEYS") = InfoKeys();

  auto env = py::class_<EnvCore>(m, "EnvCore")
                 .def(py::init<const CoreConfig&>(), py::arg("config"))
                 .def("reset", &EnvCore::Reset, py::arg("seed"))
                 .def("step", &EnvCore::Step, py::arg("action"))
                 .def("scorecard", &EnvCore::CurrentScorecard)
                 .def("noop_action", &EnvCore::NoopAction);
  DefLayout<EnvCore>(env);

  auto vec = py::class_<VecEnvCore>(m, "VecEnvCore")
                 .def(py::init<const CoreConfig&, int, int>(), py::arg("config"), py::arg("num_envs"),
                      py::arg("threads") = 0)
                 .def(
                     "reset",
                     [](py::object self, uint64_t seed) { return self.cast<VecEnvCore&>().Reset(self, seed); },
                     py::arg("seed"))
                 .def(
                     "step",
                     [](py::object self, py::handle actions) {
                       return self.cast<VecEnvCore&>().Step(self, actions);
                     },
                     py::arg("actions"))
                 .def("noop_action", &VecEnvCore::NoopAction)
                 .def_property_readonly("num_envs", &VecEnvCore::num_envs)
                 .def_property_readonly("threads", &VecEnvCore::threads);
  DefLayout<VecEnvCore>(vec);
  BindModel(m);
}
