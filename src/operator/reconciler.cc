#include "operator/reconciler.h"

#include <chrono>
#include <set>

#include <fmt/format.h>

#include "eval/policy_registry.h"
#include "k8s/api_status.h"
#include "k8s/resources.h"
#include "operator/hpa_conflicts.h"
#include "operator/json_log.h"
#include "operator/model_source.h"
#include "operator/safety_rails.h"
#include "operator/status_builder.h"
#include "operator/target_observer.h"
#include "policy/hpa/hpa_policy.h"
#include "policy/learned/learned_policy.h"
#include "policy/policy_spec.h"

namespace podpilot::op {

using nlohmann::json;

struct Reconciler::State {
  std::string uid;
  int64_t generation = -1;
  bool built = false;
  std::unique_ptr<Policy> policy;     // the configured one; null when it could not be built
  std::unique_ptr<Policy> hpa;        // the HPA rule from spec.metrics/behavior
  std::string policy_error;           // why `policy` is null
  std::vector<ScaleHistory> history;  // per target
  OomKillLedger oom_kills;            // counted once each (target_observer.h)
  // Warning events sent by the last reconcile ("reason|message"): a problem still there is not
  // sent again; one that went away and came back is.
  std::set<std::string> last_warnings;
  std::string last_shadow;            // dedups Shadow recommendation events
  // A model from a ConfigMap: the resourceVersion `policy` (or `policy_error`) came from, and
  // when the ConfigMap was last read.
  std::string model_version;
  std::chrono::steady_clock::time_point model_read{};
};

Reconciler::Reconciler(const k8s::KubeClient& kube, const prom::PrometheusClient* prom, OperatorMetrics* metrics,
                       ReconcilerOptions options)
    : kube_(kube), prom_(prom), metrics_(metrics), options_(std::move(options)) {}

Reconciler::~Reconciler() = default;

std::shared_ptr<Reconciler::State> Reconciler::StateFor(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& s = states_[key];
  if (!s) s = std::make_shared<State>();
  return s;
}


void Reconciler::Forget(const std::string& ns, const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    states_.erase(ns + "/" + name);
  }
  if (metrics_ != nullptr) metrics_->Forget(ns, name);
}

namespace {

std::string PolicyLabel(PolicyType t) {
  switch (t) {
    case PolicyType::kHpa: return "hpa";
    case PolicyType::kPredictive: return "predictive";
    case PolicyType::kLearned: return "learned";
  }
  return "hpa";
}

std::set<std::string> TargetNames(const AutoscalerSpec& spec) {
  std::set<std::string> names;
  for (const TargetRef& t : spec.targets) names.insert(t.name);
  return names;
}

void Emit(const k8s::KubeClient& kube, const json& object, const std::string& component, const std::string& type,
          const std::string& reason, const std::string& message) {
  k8s::EventSpec e;
  e.involved_object = {{"apiVersion", object.value("apiVersion", "")},
                       {"kind", object.value("kind", "")},
                       {"metadata",
                        {{"name", object["metadata"].value("name", "")},
                         {"namespace", object["metadata"].value("namespace", "")},
                         {"uid", object["metadata"].value("uid", "")}}}};
  e.type = type;
  e.reason = reason;
  e.message = message.size() > 1000 ? message.substr(0, 1000) : message;
  e.component = component;
  if (auto r = k8s::CreateEvent(kube, e); !r.ok()) {
    LogWarn("event not recorded", {{"reason", reason}, {"error", r.status().ToString()}});
  }
}

PolicyContext ContextFor(const AutoscalerSpec& spec, const Observation& o, double period_s) {
  PolicyContext c;
  for (size_t i = 0; i < spec.targets.size(); ++i) {
    c.target_names.push_back(spec.targets[i].name);
    c.min_replicas.push_back(spec.targets[i].min_replicas);
    c.max_replicas.push_back(spec.targets[i].max_replicas);
    c.requests.push_back(o.targets[i].requests);
    c.limits.push_back(o.targets[i].limits);
  }
  c.control_interval_s = period_s;
  // The pods' own start-up as their status tells it now; 30 s when no ready pod tells (none is
  // ready, or each became Ready long after its start).
  c.startup_seconds_hint = TypicalStartupSeconds(o, 30);
  return c;
}

}  // namespace

void Reconciler::RefreshConfigMapModel(const AutoscalerSpec& spec, const Observation& obs, State& st) {
  const auto now = std::chrono::steady_clock::now();
  if (st.policy && now - st.model_read < options_.model_recheck) return;
  st.model_read = now;
  auto cm = ReadConfigMapKey(kube_, options_.model_namespace, spec.model_config_map, spec.model_config_map_key);
  if (!cm.ok()) {
    // A model already loaded keeps deciding through a failed re-read (the API server restarting);
    // without one the HPA rule decides and the status says why.
    if (st.policy) {
      LogWarn("model ConfigMap not re-read; keeping the loaded model", {{"error", cm.status().message()}});
    } else {
      st.policy_error = cm.status().message();
    }
    return;
  }
  if (cm->resource_version == st.model_version) return;  // unchanged: the policy, or the error it gave
  st.model_version = cm->resource_version;
  auto params = ParsePolicySpec(spec.policy_spec);
  StatusOr<std::unique_ptr<Policy>> p = params.ok() ? MakeLearnedPolicyFromBytes(cm->bytes, cm->source, *params)
                                                    : StatusOr<std::unique_ptr<Policy>>(params.status());
  if (!p.ok()) {
    // A new version that is refused: the HPA rule decides (FallbackActive=ModelUnavailable names
    // the ConfigMap and the problem) until a good version is published.
    st.policy.reset();
    st.policy_error = p.status().message();
    return;
  }
  st.policy = std::move(p).value();
  st.policy->Reset(ContextFor(spec, obs, options_.period_s));
  st.policy_error.clear();
  LogInfo("model loaded", {{"source", cm->source}, {"resourceVersion", cm->resource_version}, {"bytes", cm->bytes.size()}});
}

ReconcileOutcome Reconciler::Reconcile(const json& object, double now) {
  const auto t0 = std::chrono::steady_clock::now();
  ReconcileOutcome out;
  const json& meta = object.value("metadata", json::object());
  const std::string ns = meta.value("namespace", "");
  const std::string name = meta.value("name", "");
  const std::string key = ns + "/" + name;
  // Held for the whole reconcile: the watch thread may Forget this key meanwhile (the object was
  // deleted), which then only drops the map's reference. What this reconcile sets again after
  // that (state, metric series) the operator forgets once it returns (operator.cc).
  const std::shared_ptr<State> held = StateFor(key);
  State& st = *held;
  StatusBuilder status(object, now);
  // Time spent waiting for the API server / Prometheus, to report the operator's own time apart.
  double api_s = 0;
  auto timed = [&](auto&& fn) {
    const auto a = std::chrono::steady_clock::now();
    auto result = fn();
    api_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
    return result;
  };
  auto emit = [&](const std::string& type, const std::string& reason, const std::string& message) {
    timed([&] {
      Emit(kube_, object, options_.component, type, reason, message);
      return 0;
    });
  };

  std::set<std::string> warnings;  // this reconcile's ("reason|message", digits elided)
  bool complete = false;           // reached the end (not an early return)
  auto warn = [&](const std::string& reason, const std::string& message) {
    // Without numbers: messages carry elapsed times and counts ("timed out after 10001 ms") that
    // differ each period while the problem is the same.
    std::string sig = reason + "|";
    for (char c : message) {
      if (c < '0' || c > '9') sig += c;
      else if (sig.back() != '#') sig += '#';
    }
    if (!warnings.insert(sig).second || st.last_warnings.count(sig) != 0) return;
    emit("Warning", reason, message);
  };
  auto finish = [&](Status s) {
    // A reconcile that stopped early did not look at every problem: those it did not reach are
    // still there, not gone (a later return of them is no news).
    if (complete) {
      st.last_warnings = std::move(warnings);
    } else {
      st.last_warnings.insert(warnings.begin(), warnings.end());
    }
    out.status = std::move(s);
    auto written = timed([&] { return status.Write(kube_); });
    if (!written.ok()) {
      if (k8s::IsConflict(written.status()) && metrics_ != nullptr) metrics_->WriteConflict("status");
      LogWarn("status not written", {{"autoscaler", key}, {"error", written.status().ToString()}});
      if (out.status.ok()) out.status = written.status();
    } else {
      out.status_written = *written;
      if (*written && metrics_ != nullptr) metrics_->StatusWritten();
    }
    if (metrics_ != nullptr) {
      metrics_->ReconcileDone(out.status.ok(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                              api_s);
    }
    return out;
  };

  ParseOptions popts;
  popts.model_dir = options_.model_dir;
  auto spec = ParseAutoscalerSpec(object, popts);
  if (!spec.ok()) {
    status.SetCondition("ScalingActive", false, "InvalidSpec", spec.status().message());
    warn("InvalidSpec", spec.status().message());
    out.summary = "invalid spec: " + spec.status().message();
    if (metrics_ != nullptr) metrics_->ForgetGauges(ns, name);  // it manages nothing now
    return finish(spec.status());
  }
  if (st.uid != spec->uid || st.generation != spec->generation) {
    // OOM kills already counted stay counted across spec edits (not across a new object).
    OomKillLedger kills = st.uid == spec->uid ? std::move(st.oom_kills) : OomKillLedger{};
    st = State{};
    st.oom_kills = std::move(kills);
    st.uid = spec->uid;
    st.generation = spec->generation;
    st.history.resize(spec->targets.size());
    if (metrics_ != nullptr) {
      // The gauges follow the spec. Once per edit, before anything can fail: an edit that removed
      // a target or replaced the policy, then points at a Deployment not there yet, must not
      // leave the old series behind while it fails.
      metrics_->RetainGauges(ns, name, TargetNames(*spec), {"hpa", "live-hpa", PolicyLabel(spec->policy_type)});
    }
  }

  ObserverOptions oopts;
  oopts.control_interval_s = options_.period_s;
  oopts.cache = options_.cache;
  oopts.oom_ledger = &st.oom_kills;
  auto observed = timed([&] { return ObserveTargets(kube_, prom_, *spec, now, oopts); });
  if (!observed.ok()) {
    if (metrics_ != nullptr) metrics_->SourceError("kubernetes");
    status.SetCondition("AbleToScale", false, "FailedGetScale", observed.status().message());
    warn("FailedGetScale", observed.status().message());
    out.summary = "targets not readable: " + observed.status().message();
    return finish(observed.status());
  }
  status.SetCondition("AbleToScale", true, "SucceededGetScale", "the operator can read and scale its targets");
  if (metrics_ != nullptr) {
    if (!observed->metrics_api_ok) metrics_->SourceError("metrics-api");
    if (!observed->prometheus_ok) metrics_->SourceError("prometheus");
  }
  const Observation& obs = observed->observation;
  if (metrics_ != nullptr) {
    for (const TargetObservation& t : obs.targets) metrics_->OomKills(ns, name, t.name, t.oom_kills);
  }

  if (!st.built) {
    st.built = true;
    auto hpa = MakePolicy(spec->hpa_spec);
    if (!hpa.ok()) {
      status.SetCondition("ScalingActive", false, "InvalidSpec", hpa.status().message());
      warn("InvalidSpec", hpa.status().message());
      st.built = false;
      if (metrics_ != nullptr) metrics_->ForgetGauges(ns, name);
      return finish(hpa.status());
    }
    st.hpa = std::move(hpa).value();
    st.hpa->Reset(ContextFor(*spec, obs, options_.period_s));
    if (spec->policy_type == PolicyType::kHpa && spec->policy_spec == spec->hpa_spec) {
      // The configured policy is the HPA rule itself: one instance serves both.
    } else if (!spec->model_config_map.empty()) {
      // Built from the ConfigMap's bytes below.
    } else {
      auto p = MakePolicy(spec->policy_spec);
      if (p.ok()) {
        st.policy = std::move(p).value();
        st.policy->Reset(ContextFor(*spec, obs, options_.period_s));
      } else {
        st.policy_error = p.status().message();
        if (spec->policy_type == PolicyType::kHpa) {  // parameters the HPA rule refuses: an invalid spec
          status.SetCondition("ScalingActive", false, "InvalidSpec", st.policy_error);
          warn("InvalidSpec", st.policy_error);
          st.built = false;
          if (metrics_ != nullptr) metrics_->ForgetGauges(ns, name);
          return finish(InvalidArgumentError(st.policy_error));
        }
      }
    }
  }

  if (!spec->model_config_map.empty()) timed([&] { RefreshConfigMapModel(*spec, obs, st); return 0; });

  // The HPA rule always runs: its proposal is shown beside the policy's and it is the fallback.
  const Decision hpa_decision = st.hpa->Decide(obs);
  Decision decision;
  std::string decided_by = PolicyLabel(spec->policy_type);
  std::string fallback_reason;
  if (spec->policy_type == PolicyType::kHpa && !st.policy) {
    decision = hpa_decision;
  } else {
    if (!st.policy) {
      fallback_reason = "ModelUnavailable: " + st.policy_error;
    } else if (!observed->metrics_api_ok || !observed->prometheus_ok) {
      fallback_reason = "SignalsMissing: " + observed->signal_errors.front();
    }
    Decision own;
    if (st.policy) own = st.policy->Decide(obs);  // keeps its state current even when not used
    // The policy could not apply its own rule (e.g. a model trained at another control interval):
    // the operator's HPA rule, with the spec's behavior, decides as for the other fallbacks.
    if (fallback_reason.empty() && !own.fallback.empty()) fallback_reason = "PolicyFallback: " + own.fallback;
    if (fallback_reason.empty()) {
      decision = own;
    } else {
      decision = hpa_decision;
      decided_by = "hpa";
    }
    for (size_t i = 0; i < spec->targets.size() && st.policy; ++i) {
      const int r = own.targets.size() > i && own.targets[i].replicas != TargetDecision::kKeep ? own.targets[i].replicas
                                                                                              : obs.targets[i].replicas_spec;
      status.AddProposal(PolicyLabel(spec->policy_type), spec->targets[i].name, r, own.reason);
      if (metrics_ != nullptr) metrics_->SetProposal(ns, name, spec->targets[i].name, PolicyLabel(spec->policy_type), r);
    }
  }
  for (size_t i = 0; i < spec->targets.size(); ++i) {
    const int r = hpa_decision.targets.size() > i && hpa_decision.targets[i].replicas != TargetDecision::kKeep
                      ? hpa_decision.targets[i].replicas
                      : obs.targets[i].replicas_spec;
    status.AddProposal("hpa", spec->targets[i].name, r, hpa_decision.reason);
    if (metrics_ != nullptr) metrics_->SetProposal(ns, name, spec->targets[i].name, "hpa", r);
  }
  if (metrics_ != nullptr && !st.policy) {
    // A model that could not be built (or a refused new version) proposes nothing: its series go.
    // live-hpa has its own rule below.
    metrics_->RetainGauges(ns, name, TargetNames(*spec), {"hpa", "live-hpa"});
  }
  if (!fallback_reason.empty()) {
    status.SetCondition("FallbackActive", true, fallback_reason.substr(0, fallback_reason.find(':')), fallback_reason);
    warn(fallback_reason.substr(0, fallback_reason.find(':')), fallback_reason);
    if (metrics_ != nullptr) metrics_->Fallback(ns, name, fallback_reason.substr(0, fallback_reason.find(':')));
  } else {
    status.SetCondition("FallbackActive", false, "PolicyInUse", "the configured policy decides");
  }
  // ScalingActive as the HPA reports it: the metrics API answered, and the HPA rule could compute
  // a proposal from it (no pod with a sample yet, e.g. right after start-up, is False too).
  const hpa::Condition* hpa_active = nullptr;
  if (const auto* rule = dynamic_cast<const hpa::HpaPolicy*>(st.hpa.get()); rule != nullptr) {
    for (const auto& r : rule->last_results()) {
      const hpa::Condition* c = r.FindCondition(hpa::ConditionType::kScalingActive);
      if (c != nullptr && !c->status) hpa_active = c;
    }
  }
  // The HPA rule reads a Pods or External metric from Prometheus and a query failed: that metric
  // reads 0 on every pod and the rule would scale to the minimum. The upstream HPA, failing to
  // fetch a metric, holds: so does the operator, for every target, until the query answers.
  std::string blind_field;
  for (const std::string& f : spec->hpa_prometheus_fields) {
    if (observed->failed_fields.count(f) != 0) blind_field = f;
  }
  const bool rule_blind = decided_by == "hpa" && !blind_field.empty();
  if (rule_blind) {
    decision = Decision{};
    decision.reason = "hold: a Prometheus metric of the HPA rule is missing (" + blind_field + ": " +
                      observed->signal_errors.front() + ")";
  }
  if (!observed->metrics_api_ok) {
    status.SetCondition("ScalingActive", false, "FailedGetResourceMetric", observed->signal_errors.front());
    warn("FailedGetResourceMetric", observed->signal_errors.front());
  } else if (rule_blind) {
    status.SetCondition("ScalingActive", false, "FailedGetPodsMetric", decision.reason);
    warn("FailedGetPodsMetric", decision.reason);
  } else if (hpa_active != nullptr) {
    status.SetCondition("ScalingActive", false, hpa_active->reason, hpa_active->message);
  } else {
    status.SetCondition("ScalingActive", true, "ValidMetricFound", "the metrics the policy needs are available");
  }

  // An upstream HPA on a target: the two would undo each other's writes every period, so an Active
  // autoscaler holds until it is gone. In Shadow, meant to run beside it, its desired replicas are
  // shown with the proposals ("live-hpa"): the comparison Shadow mode is for.
  std::vector<std::string> conflicts;
  {
    std::set<std::string> live_hpa_targets;  // the live-hpa gauges follow the status's proposals
    auto found = timed([&] { return FindHpasOnTargets(kube_, options_.cache, ns, spec->targets); });
    if (!found.ok()) {
      warn("FailedListHorizontalPodAutoscalers",
           std::string("cannot tell whether an HorizontalPodAutoscaler also scales the targets") +
               (spec->mode == Mode::kActive ? " (scaling anyway): " : ": ") + found.status().message());
    } else if (spec->mode == Mode::kActive) {
      for (const HpaOnTarget& h : *found) conflicts.push_back(h.Describe());
    } else {
      for (const HpaOnTarget& h : *found) {
        if (h.desired_replicas < 0) continue;  // the HPA controller has not decided yet
        status.AddProposal("live-hpa", h.target, h.desired_replicas,
                           "HorizontalPodAutoscaler " + h.hpa + " status.desiredReplicas");
        if (metrics_ != nullptr) metrics_->SetProposal(ns, name, h.target, "live-hpa", h.desired_replicas);
        live_hpa_targets.insert(h.target);
      }
    }
    // A list that failed for now (server unavailable) says nothing about the HPAs: their lines stay
    // until one answers. A refusal (no RBAC, no autoscaling/v2) is remembered and not asked again,
    // so what its lines showed can no longer be known: they go, as the status's proposals do.
    const bool refused = !found.ok() && (found.status().code() == StatusCode::kPermissionDenied ||
                                         found.status().code() == StatusCode::kNotFound);
    if (metrics_ != nullptr && (found.ok() || refused)) {
      metrics_->RetainProposals(ns, name, "live-hpa", live_hpa_targets);
    }
  }

  // Safety rails, then act (Active) or only record (Shadow).
  std::vector<std::string> notes;
  bool limited = false;
  Status act_status;
  for (size_t i = 0; i < spec->targets.size(); ++i) {
    const TargetRef& ref = spec->targets[i];
    const int current = obs.targets[i].replicas_spec;
    const int proposed = decision.targets.size() > i && decision.targets[i].replicas != TargetDecision::kKeep
                             ? decision.targets[i].replicas
                             : current;
    RailsResult rails = ApplyRails(current, proposed, ref, spec->rate_limits, st.history[i], now);
    for (const auto& rail : rails.rails) {
      limited = true;
      if (metrics_ != nullptr) metrics_->Clamp(ns, name, rail);
    }
    if (!rails.note.empty()) notes.push_back(ref.name + ": " + rails.note);
    status.SetTarget(i, ref.name, current, rails.replicas);
    if (metrics_ != nullptr) metrics_->SetReplicas(ns, name, ref.name, current, rails.replicas);
    if (rails.replicas == current || spec->mode == Mode::kShadow || !conflicts.empty()) continue;

    const std::string rv = observed->targets[i].scale_resource_version;
    const k8s::ResourceType* workload = k8s::ScalableWorkload(ref.kind);  // checked by the spec parser
    bool first = true;
    bool changed_by_other = false;
    Status s = timed([&] { return k8s::RetryOnConflict([&]() -> Status {
      std::string version = rv;
      if (!first) {
        auto scale = k8s::GetScale(kube_, *workload, ns, ref.name);
        if (!scale.ok()) return scale.status();
        if ((*scale)["spec"].value("replicas", 0) != current) {
          changed_by_other = true;  // decided on a stale count: leave it to the next reconcile
          return Status::Ok();
        }
        version = (*scale)["metadata"].value("resourceVersion", "");
      }
      first = false;
      if (options_.before_scale_write) options_.before_scale_write(ns, ref.name);
      auto r = k8s::UpdateScale(kube_, *workload, ns, ref.name, rails.replicas, version);
      if (k8s::IsConflict(r.status()) && metrics_ != nullptr) metrics_->WriteConflict("scale");
      return r.ok() ? Status::Ok() : r.status();
    }); });
    if (!s.ok()) {
      act_status = s;
      status.SetCondition("AbleToScale", false, "FailedUpdateScale", s.message());
      warn("FailedRescale", fmt::format("{}: could not set replicas to {}: {}", ref.name, rails.replicas, s.message()));
      continue;
    }
    if (changed_by_other) {
      notes.push_back(ref.name + ": replicas changed by someone else; decided again next period");
      continue;
    }
    st.history[i].Record(now, rails.replicas - current);
    out.scaled = true;
    status.SetScaled(now);
    if (metrics_ != nullptr) metrics_->ScaleAction(ns, name, ref.name, rails.replicas > current);
    emit("Normal", "SuccessfulRescale",
         fmt::format("{}: new size {}; policy {}; reason: {}", ref.name, rails.replicas, decided_by, decision.reason));
    LogInfo("scaled", {{"autoscaler", key}, {"target", ref.name}, {"from", current}, {"to", rails.replicas},
                       {"policy", decided_by}, {"reason", decision.reason}});
  }
  if (!conflicts.empty()) {
    const std::string why = fmt::format("{}: two controllers would undo each other's changes; not scaling while it "
                                        "exists (delete it, or set spec.mode: Shadow to compare beside it)",
                                        fmt::join(conflicts, "; "));
    status.SetCondition("AbleToScale", false, "ConflictingHorizontalPodAutoscaler", why);
    warn("ConflictingHorizontalPodAutoscaler", why);
    notes.push_back("held: " + fmt::format("{}", fmt::join(conflicts, "; ")));
  }
  status.SetCondition("ScalingLimited", limited, limited ? "SafetyRail" : "DesiredWithinRange",
                      limited ? fmt::format("{}", fmt::join(notes, "; ")) : "the decision is within the bounds and rate limits");
  std::string reason = fmt::format("{}{}: {}", spec->mode == Mode::kShadow ? "Shadow, not applied; " : "", decided_by,
                                   decision.reason);
  if (!notes.empty()) reason += fmt::format(" [{}]", fmt::join(notes, "; "));
  status.SetDecision(reason);
  if (spec->mode == Mode::kShadow) {
    const std::string sig = status.ProposalSignature();
    if (sig != st.last_shadow) {
      st.last_shadow = sig;
      emit("Normal", "ShadowRecommendation", sig);
    }
  }
  out.summary = reason;
  complete = true;
  return finish(act_status);
}

}  // namespace podpilot::op
