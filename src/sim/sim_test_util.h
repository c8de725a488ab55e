// Helpers for the simulator's tests: small apps written inline as YAML.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sim/app_model.h"
#include "sim/env.h"

namespace podpilot::testing {

// One service "web" with the given per-request CPU and limits; a single class "get".
inline std::string OneServiceYaml(double cpu_per_request = 0.01, const std::string& limit_cpu = "500m",
                                  int replicas = 2, const std::string& extra_service_fields = "",
                                  const std::string& cluster = "") {
  return "name: one\n"
         "slo_ms: 200\n"
         "network_hop_ms: 0\n"
         "services:\n"
         "  - name: web\n"
         "    cpu_per_request: " + std::to_string(cpu_per_request) + "\n"
         "    requests: {cpu: 250m, memory: 128Mi}\n"
         "    limits: {cpu: " + limit_cpu + ", memory: 256Mi}\n"
         "    base_memory: 50Mi\n"
         "    startup_seconds: 5\n"
         "    readiness: {initial_delay_seconds: 5, period_seconds: 5, success_threshold: 3}\n"
         "    replicas: {initial: " + std::to_string(replicas) + ", min: 1, max: 20}\n" +
         extra_service_fields +
         "request_classes:\n"
         "  - name: get\n"
         "    call: {service: web}\n" + cluster;
}

inline std::shared_ptr<const AppModel> MustParseApp(const std::string& yaml) {
  auto app = ParseAppModel(yaml, "test.yaml");
  EXPECT_TRUE(app.ok()) << app.status().ToString();
  return std::make_shared<const AppModel>(std::move(app).value());
}

inline std::unique_ptr<Env> MustCreateEnv(const EnvConfig& cfg) {
  auto env = Env::Create(cfg);
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  return std::move(env).value();
}

inline Decision Keep(size_t targets) {
  Decision d;
  d.targets.resize(targets);
  return d;
}

inline Decision SetReplicas(size_t targets, size_t which, int replicas) {
  Decision d = Keep(targets);
  d.targets[which].replicas = replicas;
  return d;
}

}  // namespace podpilot::testing
