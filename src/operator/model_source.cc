#include "operator/model_source.h"

#include <fmt/format.h>

#include <vector>

#include "k8s/kube_config.h"
#include "k8s/resources.h"

namespace podpilot::op {

StatusOr<ConfigMapBytes> ReadConfigMapKey(const k8s::KubeClient& kube, const std::string& ns, const std::string& name,
                                          const std::string& key) {
  ConfigMapBytes out;
  out.source = fmt::format("configmap {}/{}:{}", ns, name, key);
  auto cm = kube.Get(k8s::ConfigMaps().Path(ns, name));
  if (!cm.ok()) return cm.status().WithPrefix(out.source);
  out.resource_version = (*cm)["metadata"].value("resourceVersion", "");
  const nlohmann::json binary = cm->value("binaryData", nlohmann::json::object());
  const nlohmann::json data = cm->value("data", nlohmann::json::object());
  if (binary.contains(key) && binary[key].is_string()) {
    auto decoded = k8s::DecodeBase64(binary[key].get<std::string>());
    if (!decoded.ok()) return decoded.status().WithPrefix(out.source + ": binaryData");
    out.bytes = std::move(decoded).value();
    return out;
  }
  if (data.contains(key) && data[key].is_string()) {
    out.bytes = data[key].get<std::string>();
    return out;
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : binary.items()) keys.push_back(k);
  for (const auto& [k, v] : data.items()) keys.push_back(k);
  return NotFoundError(fmt::format("{}: the ConfigMap has no key '{}' (keys: {})", out.source, key,
                                   keys.empty() ? std::string("none") : fmt::format("{}", fmt::join(keys, ", "))));
}

}  // namespace podpilot::op
