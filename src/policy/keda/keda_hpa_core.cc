// KedaHpa on top of podpilot's HPA controller (src/policy/hpa).
#include <map>

#include "policy/hpa/hpa_controller.h"
#include "policy/hpa/hpa_defaults.h"
#include "policy/keda/keda_hpa.h"

namespace podpilot::keda {
namespace {

// The KEDA metrics adapter as the HPA's external.metrics API: one series per trigger.
class AdapterMetricsClient final : public hpa::MetricsClient {
 public:
  explicit AdapterMetricsClient(const std::vector<KedaHpaMetric>& metrics) : metrics_(metrics) {}
  StatusOr<hpa::PodMetricsInfo> GetResourceMetric(hpa::ResourceName, const std::string&) override {
    return UnavailableError("keda-metrics-adapter: resource metrics are not served");
  }
  StatusOr<hpa::PodMetricsInfo> GetRawMetric(const std::string& name) override {
    return UnavailableError("keda-metrics-adapter: no custom metric " + name);
  }
  StatusOr<int64_t> GetObjectMetric(const std::string& name, const std::string&, const std::string&) override {
    return UnavailableError("keda-metrics-adapter: no object metric " + name);
  }
  StatusOr<std::vector<int64_t>> GetExternalMetric(const std::string& name) override {
    for (const KedaHpaMetric& m : metrics_) {
      if (m.name != name) continue;
      if (!m.value_milli) return UnavailableError("keda-metrics-adapter: scaler for " + name + " failed");
      return std::vector<int64_t>{*m.value_milli};
    }
    return NotFoundError("keda-metrics-adapter: no external metric " + name);
  }

 private:
  const std::vector<KedaHpaMetric>& metrics_;
};

// Pods as the HPA's Value path counts them: the ready ones Running and Ready, the rest Pending.
std::vector<hpa::Pod> SyntheticPods(const KedaHpaInput& in) {
  std::vector<hpa::Pod> pods;
  for (int32_t k = 0; k < std::max(in.status_replicas, in.ready_pods); ++k) {
    hpa::Pod p;
    p.name = "pod-" + std::to_string(k);
    if (k < in.ready_pods) {
      p.phase = hpa::PodPhase::kRunning;
      p.start_time = in.now_s;
      p.ready_condition = hpa::ReadyCondition{true, in.now_s};
    } else {
      p.phase = hpa::PodPhase::kPending;
    }
    pods.push_back(std::move(p));
  }
  return pods;
}

class HpaCoreKedaHpa final : public KedaHpa {
 public:
  explicit HpaCoreKedaHpa(std::string key) : key_(std::move(key)) {}

  KedaHpaResult Reconcile(const KedaHpaInput& in) override {
    hpa::HpaSpec spec;
    spec.min_replicas = in.min_replicas;
    spec.max_replicas = in.max_replicas;
    for (const KedaHpaMetric& m : in.metrics) {
      hpa::MetricSpec ms;
      ms.type = hpa::MetricSourceType::kExternal;
      ms.metric_name = m.name;
      if (m.type == MetricType::kAverageValue) {
        ms.target.type = hpa::MetricTargetType::kAverageValue;
        ms.target.average_value_milli = m.target_milli;
      } else {
        ms.target.type = hpa::MetricTargetType::kValue;
        ms.target.value_milli = m.target_milli;
      }
      spec.metrics.push_back(ms);
    }
    hpa::SetDefaults(spec);  // behavior stays nil: the legacy path, as KEDA's default HPA
    hpa::ReconcileInput input{{in.spec_replicas, in.status_replicas}, SyntheticPods(in), in.now_s};
    AdapterMetricsClient client(in.metrics);
    hpa::ReconcileResult r = controller_.Reconcile(key_, spec, input, client);
    return {r.desired_replicas, r.rescaled, r.metric_proposal, r.rescale_reason, r.error};
  }

  void Reset() override { controller_.Reset(); }

 private:
  std::string key_;
  hpa::HpaController controller_;
};

}  // namespace

std::unique_ptr<KedaHpa> MakeHpaCoreKedaHpa(const std::string& key) {
  return std::make_unique<HpaCoreKedaHpa>(key);
}

}  // namespace podpilot::keda
