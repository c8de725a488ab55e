// Where a Learned policy's model comes from when the autoscaler names a ConfigMap
// (spec.policy.model.configMapRef) instead of a file path: the bytes of one key, read through the
// API.
//
// The operator reads ConfigMaps in ONE namespace only, its own (where the platform team publishes
// models: `kubectl create configmap podpilot-models -n podpilot-system --from-file=models/`),
// through a Role there; it can read no ConfigMap of any application namespace (deploy/rbac).
#pragma once

#include <string>

#include "common/status.h"
#include "k8s/kube_client.h"

namespace podpilot::op {

struct ConfigMapBytes {
  std::string bytes;             // the key's content, base64-decoded for binaryData
  std::string resource_version;  // of the ConfigMap: a new one means the model may have changed
  std::string source;            // "configmap NS/NAME:KEY", for messages and the policy's name
};

// GETs ConfigMap ns/name and returns `key` from binaryData (how `kubectl create configmap
// --from-file` stores a safetensors file) or data. Errors start with the source and say what is
// wrong: not found, forbidden, no such key (listing the keys there are), bad base64.
StatusOr<ConfigMapBytes> ReadConfigMapKey(const k8s::KubeClient& kube, const std::string& ns, const std::string& name,
                                          const std::string& key);

}  // namespace podpilot::op
