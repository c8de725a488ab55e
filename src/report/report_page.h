// The HTML of a report page (report.h) from its parts; split from report.cc so the page layout and
// the data loading can be read (and changed) separately. Pure functions; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace podpilot::report_internal {

// Escapes text for HTML element content and attribute values.
std::string HtmlEscape(const std::string& text);

// `model` is the validated report model report.cc builds:
//   {"title","suite","split","seeds","required_attainment","bound_method","bound_available",
//    "has_vertical": whether rows carry "cost_ratio_vertical" (eval --vertical-bound),
//    "policies":[label...],
//    "scenarios":[{"name","app","slo_ms","duration_s",
//                  "rows":[{"policy","cost","cost_ratio","cost_ratio_vertical","slo_attainment","p95_ms","scaling_actions",
//                           "oom_kills","pod_hours","cpu_utilization","memory_utilization"}],
//                           each {"mean","lo","hi"} or null (memory_utilization: null in scorecards
//                           written before it was recorded)
//                  "runs":[{"id","workload","seed_index","t":[s...],"load":[rps...],"services":[name...],
//                           "policies":[{"label","replicas_total","replicas":[[...] per service],
//                                        "p95_ms","cost_per_hour","slo_attainment"}],
//                           "bound": the lower bound's trajectory, same fields plus "t" (optional)}]}]}
// Tables are rendered here (they read without JavaScript); charts are drawn by the page script
// with uPlot from the same model, embedded as JSON.
std::string RenderPage(const nlohmann::json& model);

}  // namespace podpilot::report_internal
