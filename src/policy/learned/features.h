// Observation features: the one definition of the flat float vector that learned policies see.
//
// Trainers (C++ in src/rl, Python through the binding in python/) and inference (LearnedPolicy)
// all call FeatureBuilder::Build, so a policy trained in one place reads exactly the same numbers
// when it runs in another. A model file records the FeatureLayout it was trained with; loading it
// into a build whose definition differs is refused (CheckSameFeatures), never silently accepted.
//
// Feature vector, version 1 (kFeatureVersion). T targets, in Observation::targets order; K = the
// history length. Every value is clipped to [low, high] below; NaN becomes 0 (then clipped), so
// the vector is always finite. log1p(x) means log(1 + max(x, 0)).
//
//   global (6)
//     request_rate_log1p         log1p(entry requests/s)                         [0, 20]
//     slo_attainment             fraction of requests OK within SLO, last interval [0, 1]
//     time_of_day_sin / _cos     sin / cos(2 pi time_of_day_s / 86400)          [-1, 1]
//     day_of_week_sin / _cos     sin / cos(2 pi day_of_week / 7)                [-1, 1]
//   per target i, prefix "t<i>." (11 each; R = the replica scale, below)
//     replicas_spec              replicas_spec / R                               [0, 4]
//     replicas_ready             replicas_ready / R                              [0, 4]
//     replicas_starting          replicas_starting / R                           [0, 4]
//     replicas_pending           replicas_pending / R                            [0, 4]
//     cpu_utilization            CPU usage / request per ready pod (0.5 = 50 %)  [0, 10]
//     memory_utilization         memory working set / request                    [0, 10]
//     request_rate_per_pod_log1p log1p(request_rate / max(replicas_ready, 1))    [0, 20]
//     p95_over_slo               latency_p95_ms / SLO (see below)                [0, 20]
//     error_fraction             error_rate / request_rate (1 if errors at zero rate) [0, 1]
//     in_flight_per_pod_log1p    log1p(in_flight)  (already per ready pod)       [0, 20]
//     oom_kills                  OOM kills in the last interval                  [0, 10]
//   history, for k = 1..K, prefix "h<k>." (2 + 3 T each): the key features of the observation
//   k control intervals before the current one:
//     request_rate_log1p, slo_attainment, then per target "t<i>.": replicas_spec,
//     cpu_utilization, p95_over_slo
//     At the start of an episode, where fewer than k earlier observations exist, the oldest one
//     seen stands in (so the first observation of an episode fills every history slot with
//     itself: no fake trend from zeros).
//   recent peak, with peak_window W > 0 (2): over the current and the W - 1 previous observations
//   of the episode (fewer at its start),
//     peak.request_rate_log1p    the largest request_rate_log1p                 [0, 20]
//     peak.below_log1p           that minus the current request_rate_log1p      [0, 20]
//     A load that was 5x higher 20 minutes ago (a low phase between bursts) and a load at the
//     trough of a slow wave look alike to the other features; these tell them apart without a
//     history block as long as the window (W = 240 is one hour at the 15 s control interval).
//     A layout without the block (W = 0) is version 1 as it always was.
//
// History and peak_window count control intervals, so they span the time they were trained on
// only at the training interval: the layout records it (FeatureOptions::control_interval_s, 15 s
// unless stated), and LearnedPolicy refuses to apply a model at another interval (it falls back).
// The interval does not change the vector itself: FeatureBuilder never reads it.
//
// The replica scale R of target i is FeatureLayout::replica_scale[i] when the layout records one
// (the max_replicas the target had in training: trainers record it), otherwise the observation's
// own max_replicas (below 1 counts as 1), as in files written before the record existed. With the
// record a replica count means the same to the model wherever it runs: an operator whose
// maxReplicas differs from the training bound (40 where the model was trained at 20) would
// otherwise show the model half the replicas there are. The SLO is FeatureOptions::slo_ms when set, otherwise the
// strictest (smallest positive) ClassObservation::slo_ms of the observation, otherwise 200 ms.
// The per-target p95 is the latency the mesh sees at that service (its own time plus its
// downstream calls), so it is compared with the end-to-end objective as the bound it must fit in.
//
// Features are not normalised here: normalisation (mean / std, optional clip, as Stable-Baselines3's
// VecNormalize) is part of the model and applied by the network (mlp.h), from the values stored in
// FeatureLayout::normalization.
//
// Thread-safety: FeatureLayout is a value. A FeatureBuilder holds one episode's history: one per
// environment, not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "policy/observation.h"

namespace podpilot::learned {

inline constexpr int kFeatureVersion = 1;
inline constexpr int kMaxFeatureHistory = 64;
inline constexpr int kMaxFeaturePeakWindow = 5760;  // a day of 15 s intervals
inline constexpr int kMaxFeatureTargets = 1000;
inline constexpr int kMaxReplicaScale = 100000;  // the largest maxReplicas a spec takes
inline constexpr double kDefaultFeatureSloMs = 200.0;
// The simulator's default control interval (EnvConfig::control_interval_s), which every model
// trained before layouts recorded the interval was trained at.
inline constexpr double kDefaultControlIntervalS = 15.0;
inline constexpr double kMaxControlIntervalS = 3600.0;

// Choices that change the vector or what its values mean; part of the layout and of every model file.
struct FeatureOptions {
  int history = 0;     // K in [0, kMaxFeatureHistory]
  double slo_ms = 0;   // > 0: use this objective; 0: take it from the observation's classes
  int peak_window = 0; // W in [0, kMaxFeaturePeakWindow]: observations in the recent-peak block; 0 = none
  // Seconds between the observations that history and peak_window count, in (0, kMaxControlIntervalS]:
  // the interval the model is trained (and must run) at.
  double control_interval_s = kDefaultControlIntervalS;
};

// True if two control intervals are the same up to a relative 1e-6, so that an interval that went
// through a unit conversion still matches. False if either is NaN.
bool SameControlInterval(double a, double b);

// Observation normalisation applied by the network: x' = (x - mean) / std, then clipped to
// [-clip, clip] when clip > 0. Empty mean and std mean "no normalisation".
struct FeatureNormalization {
  std::vector<float> mean;
  std::vector<float> std;
  float clip = 0;
  bool empty() const { return mean.empty(); }
};

struct FeatureLayout {
  int version = kFeatureVersion;
  int num_targets = 0;
  FeatureOptions options;
  std::vector<std::string> names;   // one per feature, in vector order
  std::vector<float> low, high;     // clip bounds per feature (a Gymnasium Box)
  std::vector<std::string> target_names;  // the targets at training time, in order; LearnedPolicy falls
                                          // back when one is listed at another index
  std::vector<int> replica_scale;  // per target, what its replica counts are divided by (the max_replicas
                                   // it had in training); empty: the observation's max_replicas
  FeatureNormalization normalization;
  int size() const { return static_cast<int>(names.size()); }
};

// The version-1 layout for `num_targets` targets. InvalidArgument if num_targets is outside
// [1, kMaxFeatureTargets], history outside [0, kMaxFeatureHistory], peak_window outside
// [0, kMaxFeaturePeakWindow], slo_ms negative / not finite or control_interval_s outside
// (0, kMaxControlIntervalS] / not finite.
// `target_names` and `replica_scale` (optional) must each be empty or have num_targets entries;
// every replica scale in [1, kMaxReplicaScale].
StatusOr<FeatureLayout> MakeFeatureLayout(int num_targets, const FeatureOptions& options,
                                          const std::vector<std::string>& target_names = {},
                                          const std::vector<int>& replica_scale = {});

// JSON text of the layout: {"version","num_targets","history","slo_ms","target_names","names",
// "normalization":{"mean","std","clip"}} ("normalization" and "replica_scale" only when set; "peak_window" only when
// > 0, so a layout without the block is written exactly as before it existed; absent reads as 0;
// likewise "control_interval_s" only when it is not kDefaultControlIntervalS, absent reads as that).
std::string FeatureLayoutToJson(const FeatureLayout& layout);

// Parses FeatureLayoutToJson output and checks it against this build's definition: the version
// must equal kFeatureVersion (a newer one is refused as such) and the names must be exactly those
// MakeFeatureLayout gives for the same num_targets and options. Normalisation arrays must have one
// finite value per feature, std > 0. Errors start with `where` and name the field.
StatusOr<FeatureLayout> FeatureLayoutFromJson(const std::string& text, const std::string& where);

// OK if `actual` describes the same vector as `expected` (version, num_targets, options, names in
// order; control intervals by SameControlInterval). Normalisation, target names and replica
// scales are not compared. FailedPrecondition otherwise, naming the first difference; the message starts with
// `where`.
Status CheckSameFeatures(const FeatureLayout& expected, const FeatureLayout& actual, const std::string& where);

// Builds feature vectors for one episode, keeping the last K observations' key features in a
// ring buffer. Build does not allocate after construction.
class FeatureBuilder {
 public:
  explicit FeatureBuilder(FeatureLayout layout);

  const FeatureLayout& layout() const { return layout_; }
  int size() const { return layout_.size(); }

  // Forgets the history (call at the start of each episode).
  void Reset();

  // Writes size() features of `obs` to `out` (not normalised) and records `obs` as the newest
  // history entry. FailedPrecondition, writing and recording nothing, when obs.targets.size()
  // differs from layout().num_targets.
  Status Build(const Observation& obs, float* out);
  Status Build(const Observation& obs, std::vector<float>* out);  // resizes *out

 private:
  FeatureLayout layout_;
  int current_size_ = 0;          // features before the history block
  std::vector<int> key_index_;    // positions of the key features within the current block
  std::vector<float> ring_;       // history_ * key_index_.size() values
  int stored_ = 0;                // entries in ring_ (<= history)
  int newest_ = -1;               // slot of the newest entry
  std::vector<float> rates_;      // peak_window recent request_rate_log1p values (a ring)
  int rates_stored_ = 0;          // entries in rates_ (<= peak_window)
  int rates_next_ = 0;            // slot the next value goes to
};

}  // namespace podpilot::learned
