#include "report/report_page.h"

#include <cstdio>

#include "report/report_assets.h"

namespace podpilot::report_internal {
namespace {

using Json = nlohmann::json;

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// "mean ± half-width" of a {"mean","lo","hi"} statistic; "n/a" when null.
std::string StatCell(const Json& stat, const char* fmt, double scale = 1.0) {
  if (stat.is_null()) return "<td class=na>n/a</td>";
  std::string s = Fmt(fmt, stat["mean"].get<double>() * scale);
  if (stat["lo"].is_number() && stat["hi"].is_number()) {
    const double half = (stat["hi"].get<double>() - stat["lo"].get<double>()) / 2 * scale;
    s += " <span class=ci>&plusmn; " + Fmt(fmt, half) + "</span>";
  }
  return "<td>" + s + "</td>";
}

// JSON inside <script>: "</" must not appear literally (it could close the element).
std::string ScriptSafeJson(const Json& j) {
  std::string s = j.dump();
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Overview(const Json& m) {
  const double required = m["required_attainment"].get<double>();
  std::string h = "<h2>Overview</h2><p>Cost as a ratio to the clairvoyant lower bound (lower is better) and SLO "
                  "attainment, mean over " + std::to_string(m["seeds"].get<int>()) +
                  " seed(s). <span class=bad>Red</span>: attainment below the suite's requirement (" +
                  Fmt("%.3g", required * 100) + " %).</p><table class=overview><tr><th>scenario</th>";
  for (const auto& p : m["policies"]) h += "<th>" + HtmlEscape(p.get<std::string>()) + "</th>";
  h += "</tr>";
  for (const auto& s : m["scenarios"]) {
    const std::string name = s["name"].get<std::string>();
    h += "<tr><td><a href=\"#s-" + HtmlEscape(name) + "\">" + HtmlEscape(name) + "</a></td>";
    for (const auto& p : m["policies"]) {
      const Json* row = nullptr;
      for (const auto& r : s["rows"]) {
        if (r["policy"] == p) row = &r;
      }
      if (!row) {
        h += "<td class=na>&ndash;</td>";
        continue;
      }
      const double att = (*row)["slo_attainment"].is_null() ? 0 : (*row)["slo_attainment"]["mean"].get<double>();
      std::string ratio = (*row)["cost_ratio"].is_null() ? "n/a"
                                                          : Fmt("%.2f&times;", (*row)["cost_ratio"]["mean"].get<double>());
      h += std::string("<td class=") + (att + 1e-12 < required ? "bad" : "good") + ">" + ratio + " <span class=att>" +
           Fmt("%.2f %%", att * 100) + "</span></td>";
    }
    h += "</tr>";
  }
  h += "</table>";
  // A policy that fell back did not score itself: say so where its numbers are read.
  std::string warnings;
  for (const auto& s : m["scenarios"]) {
    for (const auto& w : s["warnings"]) {
      warnings += "<li>" + HtmlEscape(s["name"].get<std::string>()) + ": " + HtmlEscape(w.get<std::string>()) + "</li>";
    }
  }
  if (!warnings.empty()) h += "<ul class=warnings>" + warnings + "</ul>";
  return h;
}

std::string ScenarioSection(const Json& s, const Json& m) {
  const std::string name = s["name"].get<std::string>();
  std::string h = "<section class=scenario id=\"s-" + HtmlEscape(name) + "\"><h2>" + HtmlEscape(name) + "</h2><p>" +
                  HtmlEscape(s["app"].get<std::string>()) + ", " + Fmt("%.4g", s["duration_s"].get<double>() / 3600) +
                  " h per run, SLO " + Fmt("%.4g", s["slo_ms"].get<double>()) + " ms.</p>";
  const bool vertical = m["has_vertical"].get<bool>();
  h += std::string("<table class=score><tr><th>policy</th><th>cost $</th><th>cost / bound</th>") +
       (vertical ? "<th>cost / vertical bound</th>" : "") +
       "<th>SLO attainment %</th><th>p95 ms</th><th>scaling actions</th><th>OOM kills</th><th>pod-hours</th>"
       "<th>CPU utilization %</th><th>memory utilization %</th></tr>";
  const double required = m["required_attainment"].get<double>();
  for (const auto& r : s["rows"]) {
    const bool bad = !r["slo_attainment"].is_null() && r["slo_attainment"]["mean"].get<double>() + 1e-12 < required;
    h += "<tr><td>" + HtmlEscape(r["policy"].get<std::string>()) + "</td>" + StatCell(r["cost"], "%.3f") +
         StatCell(r["cost_ratio"], "%.3f") + (vertical ? StatCell(r["cost_ratio_vertical"], "%.3f") : std::string()) +
         (bad ? "<td class=bad>" + StatCell(r["slo_attainment"], "%.2f", 100).substr(4)
              : StatCell(r["slo_attainment"], "%.2f", 100)) +
         StatCell(r["p95_ms"], "%.0f") + StatCell(r["scaling_actions"], "%.0f") + StatCell(r["oom_kills"], "%.0f") +
         StatCell(r["pod_hours"], "%.1f") + StatCell(r["cpu_utilization"], "%.1f", 100) +
         StatCell(r["memory_utilization"], "%.1f", 100) + "</tr>";
  }
  h += "</table>";
  for (const auto& w : s["warnings"]) h += "<p class=\"warning bad\">" + HtmlEscape(w.get<std::string>()) + "</p>";
  for (const auto& run : s["runs"]) {
    const std::string id = run["id"].get<std::string>();
    h += "<h3>" + HtmlEscape(run["workload"].get<std::string>()) + ", seed " +
         std::to_string(run["seed_index"].get<int>()) + "</h3><div class=grid>";
    for (const char* kind : {"load", "total", "services", "p95", "cost"}) {
      h += "<div class=chart id=\"" + id + "-" + kind + "\"></div>";
    }
    h += "</div>";
  }
  if (s["runs"].empty()) h += "<p class=na>No time series for this scenario (eval --series none).</p>";
  return h + "</section>";
}

// The page script: draws every chart with uPlot from the embedded model. It records the number
// of charts drawn in <body data-charts> (and any error in data-error) so a headless browser test
// can check the page rendered.
constexpr const char* kPageScript = R"js(
(function () {
  const model = JSON.parse(document.getElementById('model').textContent);
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
                   '#bcbd22', '#17becf'];
  const color = (i) => palette[i % palette.length];
  const hours = (v) => v == null ? '' : (v / 3600).toFixed(v < 36000 ? 1 : 0) + ' h';
  let drawn = 0;
  const width = (el) => Math.max(320, el.clientWidth || 560);

  // Series of different policies may have different time axes (their own control period): align
  // them on one x axis with uPlot.join.
  function joined(run, key, withBound) {
    const tables = run.policies.map((p) => [p.t || run.t, p[key]]);
    if (withBound && run.bound) tables.push([run.bound.t, run.bound[key]]);
    return uPlot.join(tables);
  }
  const boundSeries = { label: 'lower bound (pods)', stroke: '#000', dash: [4, 3], width: 1.2, spanGaps: true };

  function chart(el, title, ylabel, series, data, extra) {
    const opts = Object.assign({
      title: title, width: width(el), height: 240,
      scales: { x: { time: false } },
      axes: [{ values: (u, vals) => vals.map(hours) }, { label: ylabel, size: 60 }],
      series: [{ label: 'time', value: (u, v) => hours(v) }].concat(series),
    }, extra || {});
    const plot = new uPlot(opts, data, el);
    drawn++;
    return plot;
  }

  function policySeries(run, withBound) {
    const out = run.policies.map((p) => ({ label: p.label, stroke: color(model.policies.indexOf(p.label)), width: 1.5,
                                           spanGaps: true }));
    if (withBound && run.bound) out.push(boundSeries);
    return out;
  }
  // The policies of a run, then the lower bound's trajectory when present (services chart).
  const choices = (run) => run.bound ? run.policies.concat([run.bound]) : run.policies;

  function servicesChart(el, run, policyIndex, replaced) {
    const p = choices(run)[policyIndex];
    const series = run.services.map((s, i) => ({ label: s, stroke: color(i), width: 1.2 }));
    const plot = chart(el, 'Replicas per service: ' + p.label, 'replicas', series, [p.t || run.t].concat(p.replicas));
    if (replaced) drawn--;  // a redraw replaces a chart, it does not add one
    return plot;
  }

  try {
    for (const s of model.scenarios) {
      for (const run of s.runs) {
        const get = (kind) => document.getElementById(run.id + '-' + kind);
        chart(get('load'), 'Load', 'requests/s', [{ label: 'entry requests/s', stroke: '#444', width: 1.5 }],
              [run.t, run.load]);
        chart(get('total'), 'Replicas, all services', 'replicas', policySeries(run, true), joined(run, 'replicas_total', true));

        const holder = get('services');
        const select = document.createElement('select');
        choices(run).forEach((p, i) => select.add(new Option(p.label, i)));
        holder.appendChild(select);
        const box = document.createElement('div');
        holder.appendChild(box);
        let plot = servicesChart(box, run, 0, false);
        select.addEventListener('change', () => {
          plot.destroy();
          plot = servicesChart(box, run, Number(select.value), true);
        });

        const p95 = joined(run, 'p95_ms');
        p95.push(p95[0].map(() => s.slo_ms));
        chart(get('p95'), 'p95 latency against the SLO', 'ms',
              policySeries(run).concat([{ label: 'SLO', stroke: '#000', dash: [6, 4], width: 1 }]), p95,
              { scales: { x: { time: false }, y: { distr: 3 } } });
        chart(get('cost'), 'Cost rate', '$ / hour', policySeries(run, true), joined(run, 'cost_per_hour', true));
      }
    }
  } catch (e) {
    document.body.setAttribute('data-error', String(e && e.stack || e));
  }
  document.body.setAttribute('data-charts', String(drawn));
})();
)js";

constexpr const char* kStyle = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.ci, .att { color: #777; font-size: 90%; }
.bad { background: #fde0e0; } ul.warnings li { background: #fde0e0; } .good { background: #e4f5e4; } .na { color: #999; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 12px; }
.chart select { margin: 0 0 4px 0; }
section.scenario { border-top: 2px solid #ddd; margin-top: 2em; }
footer { margin-top: 3em; color: #777; font-size: 85%; }
)css";

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string RenderPage(const Json& m) {
  const std::string title = HtmlEscape(m["title"].get<std::string>());
  std::string h = "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>" + title +
                  "</title>\n<style>" + std::string(report_assets::UplotCss()) + "</style>\n<style>" + kStyle +
                  "</style>\n</head><body>\n<h1>" + title + "</h1>\n<p>Suite <b>" +
                  HtmlEscape(m["suite"].get<std::string>()) + "</b>, " + HtmlEscape(m["split"].get<std::string>()) +
                  " workloads, " + std::to_string(m["seeds"].get<int>()) +
                  " seed(s) per workload; every policy faces the same arrivals per seed. Intervals are 95 % Student-t "
                  "over seeds. Lower bound: " +
                  (m["bound_available"].get<bool>() ? HtmlEscape(m["bound_method"].get<std::string>())
                                                    : std::string("not available for every scenario")) +
                  ".</p>\n" + Overview(m) + "\n";
  for (const auto& s : m["scenarios"]) h += ScenarioSection(s, m) + "\n";
  h += "<footer>Made by <code>podpilot report</code>. Charts: uPlot 1.6.32 (MIT licence, below), embedded so this "
       "page opens offline.<details><summary>uPlot licence</summary><pre>" +
       HtmlEscape(std::string(report_assets::UplotLicense())) + "</pre></details></footer>\n";
  h += "<script id=model type=\"application/json\">" + ScriptSafeJson(m) + "</script>\n";
  h += "<script>" + std::string(report_assets::UplotJs()) + "</script>\n";
  h += std::string("<script>") + kPageScript + "</script>\n</body></html>\n";
  return h;
}

}  // namespace podpilot::report_internal
