// Python access to podpilot model files (src/policy/learned/model_file.h) and their Eigen forward
// pass (mlp.h). The Stable-Baselines3 converter (examples/sb3_to_podpilot.py) writes through
// write_model so that every file passes the same validation as a C++ trainer's, and checks the
// result with Policy, the very code LearnedPolicy runs.
#include "model_binding.h"

#include <pybind11/stl.h>

#include <cmath>

#include "common.h"
#include "policy/learned/mlp.h"
#include "policy/learned/model_file.h"

namespace podpilot::python {
namespace {

namespace learned = podpilot::learned;

// A float32 C-contiguous copy of `a` with `dims` dimensions; ValueError naming `what` otherwise.
py::array_t<float, py::array::c_style | py::array::forcecast> FloatArray(py::handle a, int dims,
                                                                           const std::string& what) {
  auto arr = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!arr) {
    PyErr_Clear();
    throw py::type_error(what + ": not convertible to a float32 array");
  }
  if (arr.ndim() != dims) {
    throw py::value_error(what + ": expected " + std::to_string(dims) + " dimensions, got " +
                          std::to_string(arr.ndim()));
  }
  return arr;
}

learned::LinearLayer Layer(py::handle pair, const std::string& what) {
  auto t = py::reinterpret_borrow<py::sequence>(pair);
  if (!py::isinstance<py::sequence>(pair) || py::len(t) != 2) {
    throw py::type_error(what + ": expected a (weight [out, in], bias [out]) pair");
  }
  auto w = FloatArray(t[0], 2, what + ".weight");
  auto b = FloatArray(t[1], 1, what + ".bias");
  learned::LinearLayer l;
  l.out = static_cast<int>(w.shape(0));
  l.in = static_cast<int>(w.shape(1));
  if (b.shape(0) != l.out) {
    throw py::value_error(what + ": bias has " + std::to_string(b.shape(0)) + " entries for " + std::to_string(l.out) +
                          " outputs");
  }
  l.weight.assign(w.data(), w.data() + w.size());
  l.bias.assign(b.data(), b.data() + b.size());
  return l;
}

void WriteModelPy(const std::string& path, const std::string& features_json, const std::string& actions_json,
                  py::list hidden, py::list heads, const std::string& activation, const std::string& logits,
                  py::dict value, py::dict provenance, py::dict metadata) {
  learned::LearnedModel m;
  auto features = learned::FeatureLayoutFromJson(features_json, "features_json");
  ThrowIfError(features.status(), "");
  m.features = std::move(features).value();
  auto actions = learned::ActionLayoutFromJson(actions_json, "actions_json");
  ThrowIfError(actions.status(), "");
  m.actions = std::move(actions).value();
  for (size_t i = 0; i < hidden.size(); ++i) m.hidden.push_back(Layer(hidden[i], "hidden[" + std::to_string(i) + "]"));
  for (size_t i = 0; i < heads.size(); ++i) m.heads.push_back(Layer(heads[i], "heads[" + std::to_string(i) + "]"));
  std::vector<int> widths;
  for (const auto& l : m.hidden) widths.push_back(l.out);
  learned::Activation act;
  if (activation == "tanh") act = learned::Activation::kTanh;
  else if (activation == "relu") act = learned::Activation::kRelu;
  else throw py::value_error("activation must be 'tanh' or 'relu', got '" + activation + "'");
  learned::LogitsLayout lay;
  if (logits == "concat") lay = learned::LogitsLayout::kConcat;
  else if (logits == "per_head") lay = learned::LogitsLayout::kPerHead;
  else throw py::value_error("logits must be 'concat' or 'per_head', got '" + logits + "'");
  auto arch = learned::MakeMlpArchitecture(m.features, m.actions, widths, act, lay);
  ThrowIfError(arch.status(), "");
  m.arch = std::move(arch).value();
  for (auto [k, v] : value) {
    const std::string name = py::cast<std::string>(k);
    auto arr = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(v);
    if (!arr) {
      PyErr_Clear();
      throw py::type_error("value['" + name + "']: not convertible to a float32 array");
    }
    learned::Tensor t;
    for (py::ssize_t d = 0; d < arr.ndim(); ++d) t.shape.push_back(arr.shape(d));
    t.data.assign(arr.data(), arr.data() + arr.size());
    m.value_tensors[name] = std::move(t);
  }
  for (auto [k, v] : provenance) {
    const std::string key = py::cast<std::string>(k);
    if (key == "trainer") m.provenance.trainer = py::cast<std::string>(v);
    else if (key == "timesteps") m.provenance.timesteps = py::cast<int64_t>(v);
    else if (key == "suite") m.provenance.suite = py::cast<std::string>(v);
    else if (key == "seed") m.provenance.seed = py::cast<uint64_t>(v);
    else if (key == "metrics_lag_s") {
      if (py::isinstance<py::bool_>(v) || !(py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v))) {
        throw py::value_error("provenance: metrics_lag_s must be a number of seconds, got " + py::cast<std::string>(py::repr(v)));
      }
      m.provenance.metrics_lag_s = py::cast<double>(v);
      if (!(m.provenance.metrics_lag_s >= 0) || !std::isfinite(m.provenance.metrics_lag_s)) {
        throw py::value_error("provenance: metrics_lag_s must be a non-negative number of seconds, got " +
                              py::cast<std::string>(py::str(v)));
      }
    }
    else throw py::value_error("provenance: unknown key '" + key + "' (known: trainer, timesteps, suite, seed, metrics_lag_s)");
  }
  for (auto [k, v] : metadata) m.extra_metadata[py::cast<std::string>(k)] = py::cast<std::string>(v);
  ThrowIfError(learned::WriteModel(path, m), "");
}

// A model file loaded for inference: what `--policy learned:model=PATH` evaluates.
class PolicyPy {
 public:
  explicit PolicyPy(const std::string& path) {
    auto model = learned::ReadModel(path);
    ThrowIfError(model.status(), "");
    model_ = std::move(model).value();
    auto net = learned::MlpNet::Create(model_);
    ThrowIfError(net.status(), "");
    net_ = std::make_unique<learned::MlpNet>(std::move(net).value());
  }
  // features: float32 [n] or [batch, n] (FeatureBuilder output, not normalised) -> int32 actions.
  py::array_t<int32_t> Act(py::handle features) {
    auto x = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(features);
    if (!x) {
      PyErr_Clear();
      throw py::type_error("features: not convertible to a float32 array");
    }
    const py::ssize_t n = net_->input_size(), h = net_->num_heads();
    const bool single = x.ndim() == 1;
    if (!((single && x.shape(0) == n) || (x.ndim() == 2 && x.shape(1) == n))) {
      throw py::value_error("features must have shape (" + std::to_string(n) + ",) or (batch, " + std::to_string(n) +
                            ")");
    }
    const py::ssize_t rows = single ? 1 : x.shape(0);
    py::array_t<int32_t> out = single ? py::array_t<int32_t>(h) : py::array_t<int32_t>({rows, h});
    for (py::ssize_t r = 0; r < rows; ++r) {
      if (!net_->Forward(x.data() + r * n, out.mutable_data() + r * h)) {
        throw py::value_error("features row " + std::to_string(r) + " gives non-finite logits");
      }
    }
    return out;
  }
  std::string FeaturesJson() const { return learned::FeatureLayoutToJson(model_.features); }
  std::string ActionsJson() const { return learned::ActionLayoutToJson(model_.actions); }
  std::string ArchitectureJson() const { return learned::ArchitectureToJson(model_.arch); }
  std::string ProvenanceJson() const { return learned::ProvenanceToJson(model_.provenance); }

 private:
  learned::LearnedModel model_;
  std::unique_ptr<learned::MlpNet> net_;
};

}  // namespace

void BindModel(py::module_& m) {
  m.def("write_model", &WriteModelPy, py::arg("path"), py::arg("features_json"), py::arg("actions_json"),
        py::arg("hidden"), py::arg("heads"), py::arg("activation") = "tanh", py::arg("logits") = "concat",
        py::arg("value") = py::dict(), py::arg("provenance") = py::dict(), py::arg("metadata") = py::dict(),
        "Validates and writes a podpilot model file (model_file.h). ValueError/TypeError on bad input.");
  py::class_<PolicyPy>(m, "Policy")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def("act", &PolicyPy::Act, py::arg("features"))
      .def_property_readonly("features_json", &PolicyPy::FeaturesJson)
      .def_property_readonly("actions_json", &PolicyPy::ActionsJson)
      .def_property_readonly("architecture_json", &PolicyPy::ArchitectureJson)
      .def_property_readonly("provenance_json", &PolicyPy::ProvenanceJson);
}

}  // namespace podpilot::python
