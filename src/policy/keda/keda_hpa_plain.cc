// KedaHpa written out from the formulas of baselines.md 1.5(c)/(d), 1.6 and 1.7 (legacy path).
#include <algorithm>
#include <cmath>
#include <limits>

#include "policy/keda/keda_hpa.h"

namespace podpilot::keda {
namespace {

constexpr double kTolerance = 0.1;
constexpr double kDownscaleWindowS = 300;

bool Within(double ratio) { return (1.0 - kTolerance) <= ratio && ratio <= (1.0 + kTolerance); }

int32_t CeilCapped(double x) {
  double c = std::ceil(x);
  return c >= std::numeric_limits<int32_t>::max() ? std::numeric_limits<int32_t>::max() : static_cast<int32_t>(c);
}

class PlainKedaHpa final : public KedaHpa {
 public:
  KedaHpaResult Reconcile(const KedaHpaInput& in) override {
    KedaHpaResult out;
    const int32_t current = in.spec_replicas;
    if (!seeded_) {
      history_.push_back({current, in.now_s});
      seeded_ = true;
    }
    out.desired_replicas = current;
    if (current == 0) {
      out.reason = "scaling is disabled since the replica count of the target is zero";
      return out;
    }
    int32_t desired = 0;
    if (current > in.max_replicas) {
      desired = in.max_replicas;
    } else if (current < in.min_replicas) {
      desired = in.min_replicas;
    } else {
      int32_t proposal = -1;
      int failed = 0;
      for (const KedaHpaMetric& m : in.metrics) {
        if (!m.value_milli) {
          ++failed;
          out.error = UnavailableError("failed to get external metric " + m.name);
          continue;
        }
        const double usage = static_cast<double>(*m.value_milli);
        const double target = static_cast<double>(m.target_milli);
        int32_t r = 0;
        if (m.type == MetricType::kAverageValue) {  // 1.5(d): status replicas, readiness ignored
          const double ratio = usage / (target * in.status_replicas);
          r = Within(ratio) ? in.status_replicas : CeilCapped(usage / target);
        } else {  // 1.5(c): ready pods
          const double ratio = usage / target;
          if (Within(ratio)) {
            r = current;
          } else if (in.ready_pods == 0) {
            ++failed;
            out.error = UnavailableError("no ready pods for external metric " + m.name);
            continue;
          } else {
            r = CeilCapped(ratio * in.ready_pods);
          }
        }
        proposal = std::max(proposal, r);
      }
      out.proposal = proposal;
      // 1.6: all failed, or some failed and the rest want a scale-down -> no scaling.
      if (proposal < 0 || (failed > 0 && proposal < current)) return out;
      desired = Normalize(current, std::max(0, proposal), in.min_replicas, in.max_replicas, in.now_s);
    }
    out.rescaled = desired != current;
    out.desired_replicas = desired;
    return out;
  }

  void Reset() override {
    history_.clear();
    seeded_ = false;
  }

 private:
  struct Rec {
    int32_t replicas;
    Time time;
  };

  // 1.7: stabilize over the downscale window (max of recent proposals), then clamp.
  int32_t Normalize(int32_t current, int32_t proposal, int32_t min, int32_t max, Time now) {
    const Time cutoff = now - kDownscaleWindowS;
    int32_t best = proposal;
    std::optional<size_t> old;
    for (size_t i = 0; i < history_.size(); ++i) {
      if (history_[i].time < cutoff) {
        old = i;
      } else {
        best = std::max(best, history_[i].replicas);
      }
    }
    if (old) {
      history_[*old] = {proposal, now};
    } else {
      history_.push_back({proposal, now});
    }
    const int32_t up_limit = static_cast<int32_t>(std::max(2.0 * current, 4.0));
    const int32_t max_allowed = std::min(max, up_limit);
    if (best < min) return min;
    if (best > max_allowed) return max_allowed;
    return best;
  }

  std::vector<Rec> history_;
  bool seeded_ = false;
};

}  // namespace

std::unique_ptr<KedaHpa> MakePlainKedaHpa() { return std::make_unique<PlainKedaHpa>(); }

}  // namespace podpilot::keda
