// Registers the model-file functions (write_model, Policy) on the _podpilot module.
#pragma once

#include <pybind11/pybind11.h>

namespace podpilot::python {

void BindModel(pybind11::module_& m);

}  // namespace podpilot::python
