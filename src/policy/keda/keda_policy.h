// KedaPolicy: a KEDA ScaledObject with one trigger, and the HPA KEDA generates for it, as a
// podpilot Policy.
//
// Every pollingInterval (30 s) KEDA's loop reads the trigger, decides activity (value >
// activation threshold) and runs RequestScale (keda_executor.h): scale from zero / idle, and back
// to zero once the cooldown (300 s) since the last active poll has passed. Every HPA sync period
// (15 s) the generated HPA (keda_hpa.h) reads the trigger through the metrics adapter (sanitised,
// milli-units, or the fallback metric after too many failures) and scales between
// max(min, 1) and max. When both act on one tick, KEDA's write wins and the HPA sees it next time.
//
// Trigger values come from the Observation (see keda_factory.h for the metric names); a NaN value
// is a scaler error. Call Decide() at the HPA sync period or faster (the default 15 s control
// interval is exactly it). One instance per environment; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/keda/keda_hpa.h"
#include "policy/keda/keda_types.h"
#include "policy/policy.h"

namespace podpilot::keda {

// Observation quantities a trigger can read.
enum class TriggerSource {
  kRequestRate,       // targets[i].request_rate (requests/s arriving at the service)
  kInFlight,          // targets[i].in_flight x replicas_ready (requests in flight / queued)
  kLatencyP95Ms,      // targets[i].latency_p95_ms
  kErrorRate,         // targets[i].error_rate
  kEntryRequestRate,  // Observation::request_rate (entry requests/s of the whole application)
};

struct KedaPolicyConfig {
  ScaledObjectSpec scaled_object;
  TriggerSpec trigger;
  TriggerSource source = TriggerSource::kRequestRate;
  double hpa_sync_period_s = 15;  // --horizontal-pod-autoscaler-sync-period
  bool plain_hpa = false;         // use MakePlainKedaHpa instead of the HPA controller
};

class KedaPolicy final : public Policy {
 public:
  explicit KedaPolicy(KedaPolicyConfig config, std::string name = "keda");

  std::string Name() const override { return name_; }
  void Reset(const PolicyContext& context) override;
  Decision Decide(const Observation& observation) override;

 private:
  struct TargetState {
    ScaledObjectStatus status;
    std::unique_ptr<KedaHpa> hpa;
    std::optional<Time> last_poll_s;
    std::optional<Time> last_hpa_s;
  };
  TargetState& StateFor(size_t i, const std::string& target_name, Time now_s);
  // The scaler's answer: nullopt when it fails (a NaN in the observation).
  std::optional<double> ReadTrigger(const Observation& obs, const TargetObservation& t) const;

  KedaPolicyConfig config_;
  std::string name_;
  std::vector<TargetState> targets_;
};

}  // namespace podpilot::keda
