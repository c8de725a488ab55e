#include "eval/run.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace podpilot {

void ApplyPolicyPreferences(const Policy& policy, EnvConfig* config) {
  if (policy.PreferredControlIntervalSeconds() > 0) config->control_interval_s = policy.PreferredControlIntervalSeconds();
  if (policy.PreferredMetricsWindowSeconds() > 0) config->sim.metrics_window_s = policy.PreferredMetricsWindowSeconds();
  config->sim.pod_samples = policy.NeedsPodSamples();
}

PolicyContext MakePolicyContext(const Env& env) {
  PolicyContext ctx;
  const Simulator& sim = env.simulator();
  double slowest = 0;
  for (int s : sim.target_services()) {
    const ServiceModel& m = sim.app().services[s];
    ctx.target_names.push_back(m.name);
    ctx.min_replicas.push_back(m.min_replicas);
    ctx.max_replicas.push_back(m.max_replicas);
    ctx.requests.push_back(m.requests);
    ctx.limits.push_back(m.limits);
    slowest = std::max(slowest, m.SecondsToReady());
  }
  ctx.control_interval_s = env.config().control_interval_s;
  ctx.startup_seconds_hint = slowest;
  return ctx;
}

RunSummary RunEpisode(Env& env, Policy& policy, uint64_t seed, TimeSeries* series) {
  const auto wall0 = std::chrono::steady_clock::now();
  policy.Reset(MakePolicyContext(env));
  // The application's columns show what happened in each interval; with a metrics lag the policy
  // saw them later (Simulator::ObserveLastInterval). The per-target columns are the policy's view.
  Observation happened;
  auto record = [&](const StepResult& res) {
    if (!series) return;
    const Observation& o = res.observation;
    env.simulator().ObserveLastInterval(&happened, env.config().control_interval_s);
    if (series->rows.empty()) {
      series->target_names.clear();
      series->class_names.clear();
      for (const auto& t : o.targets) series->target_names.push_back(t.name);
      for (const auto& c : happened.classes) series->class_names.push_back(c.name);
    }
    TimeSeries::Row row;
    row.time_s = o.time_s;
    row.request_rate = happened.request_rate;
    row.slo_attainment = happened.slo_attainment;
    row.p95_ms = happened.latency_p95_ms;
    row.error_rate = res.interval.seconds > 0 ? res.interval.errors / res.interval.seconds : 0;
    row.cost_rate = res.reward.cost_rate > 0 ? res.reward.cost_rate
                                             : (res.interval.seconds > 0 ? res.interval.cost * 3600 / res.interval.seconds : 0);
    for (const auto& t : o.targets) {
      row.replicas.push_back(t.replicas_spec);
      row.ready.push_back(t.replicas_ready);
      row.cpu_util.push_back(t.cpu_utilization);
      row.target_p95_ms.push_back(t.latency_p95_ms);
    }
    for (const auto& c : happened.classes) row.class_p95_ms.push_back(c.latency_p95_ms);
    series->rows.push_back(std::move(row));
  };
  if (series) series->rows.clear();
  // Every interval has a row, the warm-up's too, so the rows' cost adds up to the run's.
  const StepResult* r = &env.Reset(seed, [&](const StepResult& warmup) { record(warmup); });
  record(*r);
  int steps = 0;
  int fallback_decisions = 0;
  std::string first_fallback;
  while (!r->truncated && !r->terminated) {
    Decision d = policy.Decide(r->observation);
    if (series && !series->rows.empty()) series->rows.back().reason = d.reason;
    if (!d.fallback.empty() && fallback_decisions++ == 0) first_fallback = d.fallback;
    r = &env.Step(d);
    record(*r);
    ++steps;
  }
  const RunTotals& t = env.simulator().totals();
  RunSummary s;
  s.app = env.simulator().app().name;
  s.workload = env.config().workload;
  s.policy = policy.Name();
  s.seed = seed;
  s.cost = t.cost;
  s.node_cost = t.node_cost;
  s.pod_hours = t.pod_seconds / 3600.0;
  s.slo_attainment = t.SloAttainment();
  s.interval_slo_attainment = t.intervals > 0 ? static_cast<double>(t.intervals_meeting_slo) / t.intervals : 1.0;
  s.p50_ms = t.LatencyQuantileMs(0.5);
  s.p95_ms = t.LatencyQuantileMs(0.95);
  s.p99_ms = t.LatencyQuantileMs(0.99);
  s.requests = t.requests;
  s.errors = t.errors;
  s.scaling_actions = t.scaling_actions;
  s.replica_changes = t.replica_changes;
  s.resource_changes = t.resource_changes;
  s.oom_kills = t.oom_kills;
  s.cpu_utilization = t.cpu_request_core_seconds > 0 ? t.cpu_usage_core_seconds / t.cpu_request_core_seconds : 0;
  s.memory_utilization =
      t.memory_request_byte_seconds > 0 ? t.memory_usage_byte_seconds / t.memory_request_byte_seconds : 0;
  s.sim_seconds = t.sim_seconds;
  s.steps = steps;
  s.fallback_decisions = fallback_decisions;
  s.first_fallback = std::move(first_fallback);
  s.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return s;
}

std::string SummaryToJson(const RunSummary& s, int indent) {
  nlohmann::ordered_json j;
  j["app"] = s.app;
  j["workload"] = s.workload;
  j["policy"] = s.policy;
  j["seed"] = s.seed;
  j["cost"] = s.cost;
  j["node_cost"] = s.node_cost;
  j["pod_hours"] = s.pod_hours;
  j["slo_attainment"] = s.slo_attainment;
  j["interval_slo_attainment"] = s.interval_slo_attainment;
  j["p50_ms"] = s.p50_ms;
  j["p95_ms"] = s.p95_ms;
  j["p99_ms"] = s.p99_ms;
  j["requests"] = s.requests;
  j["errors"] = s.errors;
  j["scaling_actions"] = s.scaling_actions;
  j["replica_changes"] = s.replica_changes;
  j["resource_changes"] = s.resource_changes;
  j["oom_kills"] = s.oom_kills;
  j["fallback_decisions"] = s.fallback_decisions;
  if (!s.first_fallback.empty()) j["first_fallback"] = s.first_fallback;
  j["cpu_utilization"] = s.cpu_utilization;
  j["memory_utilization"] = s.memory_utilization;
  j["steps"] = s.steps;
  j["sim_seconds"] = s.sim_seconds;
  j["wall_seconds"] = s.wall_seconds;
  return j.dump(indent);
}

std::string TimeSeries::ToCsv() const {
  std::string out = "time_s,request_rate,slo_attainment,p95_ms,error_rate,cost_per_hour";
  for (const auto& n : target_names) out += "," + n + "_replicas," + n + "_ready," + n + "_cpu_util," + n + "_p95_ms";
  for (const auto& n : class_names) out += ",class_" + n + "_p95_ms";
  out += ",reason\n";
  char buf[64];
  auto num = [&](double v) {
    std::snprintf(buf, sizeof buf, ",%.6g", v);
    out += buf;
  };
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof buf, "%.0f", r.time_s);
    out += buf;
    num(r.request_rate);
    num(r.slo_attainment);
    num(r.p95_ms);
    num(r.error_rate);
    num(r.cost_rate);
    for (size_t i = 0; i < r.replicas.size(); ++i) {
      out += "," + std::to_string(r.replicas[i]) + "," + std::to_string(r.ready[i]);
      num(r.cpu_util[i]);
      num(r.target_p95_ms[i]);
    }
    for (double v : r.class_p95_ms) num(v);
    // RFC 4180 quoting: the reason is free text.
    out += ",\"";
    for (char ch : r.reason) out += ch == '"' ? std::string("\"\"") : std::string(1, ch == '\n' ? ' ' : ch);
    out += "\"\n";
  }
  return out;
}

std::string FallbackWarning(const std::string& subject, long fallback, long decisions, const std::string& why) {
  return "warning: " + subject + " decided by its fallback " + std::to_string(fallback) +
         (decisions >= 0 ? " of " + std::to_string(decisions) : std::string()) + " times (" + why +
         "): those decisions are not the policy's\n";
}

void FallbackTally::Add(long run_fallback, long run_decisions, const std::string& why) {
  fallback += run_fallback;
  if (run_decisions < 0) {
    decisions = -1;
  } else if (decisions >= 0) {
    decisions += run_decisions;
  }
  if (first_why.empty()) first_why = why;
}

}  // namespace podpilot
