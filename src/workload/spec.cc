// ParseWorkloadSpec: "kind:key=value,key=value" into a WorkloadSpec. Only the syntax and the key
// names are checked here; values are checked by GenerateWorkload (which must also accept specs
// built in code).
#include <string>

#include "workload/params.h"
#include "workload/text_util.h"
#include "workload/workload.h"

namespace podpilot {

using workload_internal::ParamReader;
using workload_internal::SplitFields;
using workload_internal::Trim;

StatusOr<WorkloadSpec> ParseWorkloadSpec(const std::string& text) {
  const std::string_view trimmed = Trim(text);
  if (trimmed.empty()) {
    return InvalidArgumentError("empty workload spec (want e.g. 'diurnal' or 'step:low=20,high=200,at=10m')");
  }
  WorkloadSpec spec;
  spec.text = std::string(trimmed);
  // Split at the first ':' only, so values (paths) may contain ':'.
  const size_t colon = trimmed.find(':');
  spec.kind = std::string(Trim(trimmed.substr(0, colon)));
  ParamReader kind_check(spec);
  PP_RETURN_IF_ERROR(kind_check.CheckKeys());  // no params yet: checks the kind only

  if (colon != std::string_view::npos) {
    std::vector<std::string_view> items;
    SplitFields(trimmed.substr(colon + 1), ',', &items);
    if (items.size() == 1 && items[0].empty()) items.clear();  // "diurnal:" is "diurnal"
    for (std::string_view item : items) {
      const size_t eq = item.find('=');
      if (item.empty() || eq == std::string_view::npos) {
        return InvalidArgumentError("workload '" + spec.text + "': item '" + std::string(item) +
                                    "' is not key=value");
      }
      std::string key(Trim(item.substr(0, eq)));
      std::string value(Trim(item.substr(eq + 1)));
      if (key.empty() || value.empty()) {
        return InvalidArgumentError("workload '" + spec.text + "': item '" + std::string(item) +
                                    "' needs both a key and a value");
      }
      if (!spec.params.emplace(key, value).second) {
        return InvalidArgumentError("workload '" + spec.text + "': key '" + key + "' given twice");
      }
    }
  }
  PP_RETURN_IF_ERROR(ParamReader(spec).CheckKeys());
  return spec;
}

}  // namespace podpilot
