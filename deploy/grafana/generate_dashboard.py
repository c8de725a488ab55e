#!/usr/bin/env python3
"""Writes deploy/grafana/podpilot-dashboard.json (the podpilot operator's Grafana dashboard).

Edit the panels here, run `python3 deploy/grafana/generate_dashboard.py`, and commit both files;
tests/deploy/grafana_test.py checks the JSON (metric names, ids, variables) and evaluates every
query on a real Prometheus, and fails when the JSON is not what this script writes.
Only the operator's own metrics are used (see deploy/README.md, "Metrics").
"""
import json
import os
import sys
DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'namespace=~"$namespace", autoscaler=~"$autoscaler"'
# Gauges of decisions: only the Lease holder's view (a standby's values are stale or absent), one
# series per target whatever the scrape's instance/pod labels.
def lead(expr, by="namespace, autoscaler, target"):
    return f'max by ({by}) ({expr} and on (job, instance) (podpilot_is_leader == 1))'
panels = []
pid = [0]
y = [0]
def nid():
    pid[0] += 1
    return pid[0]
def row(title):
    panels.append({"type": "row", "id": nid(), "title": title, "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y[0]}, "panels": []})
    y[0] += 1
x = [0]
def panel(title, targets, desc, typ="timeseries", w=12, h=8, unit=None, extra=None, fieldcfg=None):
    if x[0] + w > 24:
        x[0] = 0; y[0] += h
    p = {"type": typ, "id": nid(), "title": title, "description": desc, "datasource": DS,
         "gridPos": {"h": h, "w": w, "x": x[0], "y": y[0]},
         "targets": [dict({"datasource": DS, "refId": chr(65 + i), "expr": e, "legendFormat": l,
                           "range": True}) for i, (e, l) in enumerate(targets)],
         "fieldConfig": {"defaults": {}, "overrides": []}, "options": {}}
    if unit: p["fieldConfig"]["defaults"]["unit"] = unit
    if fieldcfg: p["fieldConfig"]["defaults"].update(fieldcfg)
    if typ == "timeseries":
        p["options"] = {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull", "max"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}
    if extra: p["options"].update(extra)
    panels.append(p)
    x[0] += w
    if x[0] >= 24:
        x[0] = 0; y[0] += h
def endrow():
    if x[0] != 0:
        x[0] = 0; y[0] += 8

row("Replicas")
panel("Current and desired replicas", [
    (lead(f'podpilot_current_replicas{{{SEL}}}'), "{{namespace}}/{{autoscaler}} {{target}} current"),
    (lead(f'podpilot_desired_replicas{{{SEL}}}'), "{{namespace}}/{{autoscaler}} {{target}} desired")],
    "Replicas of each target now (current) and what the operator decided after its safety rails (desired). "
    "Shown from the replica that holds the Lease.", unit="none",
    fieldcfg={"decimals": 0, "custom": {"lineInterpolation": "stepAfter"}})
panel("Policy proposals vs the HPA rule", [
    (lead(f'podpilot_proposal_replicas{{{SEL}}}', "namespace, autoscaler, target, policy"), "{{namespace}}/{{autoscaler}} {{target}} {{policy}}")],
    "What each policy proposes before the safety rails: the configured policy and \"hpa\", what the HPA rule "
    "would do. In Shadow mode this is the comparison the autoscaler exists for.", unit="none",
    fieldcfg={"decimals": 0, "custom": {"lineInterpolation": "stepAfter"}})
panel("Proposal minus HPA rule (replicas)", [
    (lead(f'podpilot_proposal_replicas{{{SEL}, policy!="hpa"}}', "namespace, autoscaler, target, policy")
     + ' - on (namespace, autoscaler, target) group_left () '
     + lead(f'podpilot_proposal_replicas{{{SEL}, policy="hpa"}}'),
     "{{namespace}}/{{autoscaler}} {{target}} {{policy}} - hpa")],
    "Positive: the configured policy wants more replicas than the HPA rule; negative: fewer.", unit="none")
panel("Replicas vs maximum over the range", [
    (f'max by (namespace, autoscaler, target) (max_over_time((podpilot_desired_replicas{{{SEL}}} and on (job, instance) (podpilot_is_leader == 1))[$__range:]))',
     "{{namespace}}/{{autoscaler}} {{target}}")],
    "Highest desired replica count per target over the dashboard's time range (the leader's decisions).", typ="bargauge",
    unit="none", extra={"displayMode": "gradient", "orientation": "horizontal"})
endrow()

row("Scaling actions and safety rails")
panel("Scale actions", [
    (f'sum by (namespace, autoscaler, target, direction) (increase(podpilot_scale_actions_total{{{SEL}}}[$__rate_interval]))',
     "{{namespace}}/{{autoscaler}} {{target}} {{direction}}")],
    "Replica changes the operator applied through deployments/scale, per interval and direction.",
    unit="none", fieldcfg={"custom": {"drawStyle": "bars", "fillOpacity": 60}}, w=8)
panel("Fallbacks to the HPA rule", [
    (f'sum by (namespace, autoscaler, reason) (increase(podpilot_fallback_total{{{SEL}}}[$__rate_interval]))',
     "{{namespace}}/{{autoscaler}} {{reason}}")],
    "Decisions taken by the HPA rule because the configured policy could not be used (missing metrics, "
    "model, stale data...), by reason.", unit="none",
    fieldcfg={"custom": {"drawStyle": "bars", "fillOpacity": 60}}, w=8)
panel("Safety clamps", [
    (f'sum by (namespace, autoscaler, rail) (increase(podpilot_safety_clamps_total{{{SEL}}}[$__rate_interval]))',
     "{{namespace}}/{{autoscaler}} {{rail}}")],
    "Proposals cut by a safety rail: min/max replicas or the rate limit.", unit="none",
    fieldcfg={"custom": {"drawStyle": "bars", "fillOpacity": 60}}, w=8)
panel("Totals over the range", [
    (f'sum(increase(podpilot_scale_actions_total{{{SEL}}}[$__range]))', "scale actions"),
    (f'sum(increase(podpilot_fallback_total{{{SEL}}}[$__range]))', "fallbacks"),
    (f'sum(increase(podpilot_safety_clamps_total{{{SEL}}}[$__range]))', "clamps")],
    "Counts over the dashboard's time range for the selected autoscalers.", typ="stat", w=24, h=4,
    unit="none", extra={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "textMode": "value_and_name", "colorMode": "value"},
    fieldcfg={"decimals": 0})
endrow()

row("Operator")
LEADER = "podpilot_is_leader"
panel("Leader", [(LEADER, "{{pod}}{{instance}}")],
      "Which operator replica holds the Lease (1) and which is on standby (0).", typ="state-timeline",
      w=8, fieldcfg={"mappings": [{"type": "value", "options": {
          "0": {"text": "standby", "color": "blue", "index": 0},
          "1": {"text": "leader", "color": "green", "index": 1}}}],
          "color": {"mode": "thresholds"},
          "thresholds": {"mode": "absolute", "steps": [{"color": "blue", "value": None}, {"color": "green", "value": 1}]}})
panel("Managed autoscalers", [("max(podpilot_autoscalers and on (job, instance) (podpilot_is_leader == 1))", "autoscalers"),
                              ("sum(podpilot_is_leader)", "leaders")],
      "PodPilotAutoscaler objects the operator manages, and how many replicas claim leadership (should be 1).",
      typ="stat", w=4, unit="none",
      extra={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
             "textMode": "value_and_name"})
panel("Data source errors", [
    ('sum by (source) (rate(podpilot_source_errors_total[$__rate_interval]))', "{{source}}")],
    "Failed reads from Prometheus, the metrics API or the Kubernetes API, per second.", unit="reqps", w=12)
panel("Reconciles", [
    ('sum by (result) (rate(podpilot_reconcile_total[$__rate_interval]))', "{{result}}"),
    ('sum(rate(podpilot_reconcile_total{result="error"}[$__rate_interval])) / sum(rate(podpilot_reconcile_total[$__rate_interval]))',
     "error ratio")],
    "Reconcile passes per second by result, and the share that failed (right axis).", unit="ops", w=12)
panels[-1]["fieldConfig"]["overrides"] = [{
    "matcher": {"id": "byName", "options": "error ratio"},
    "properties": [{"id": "unit", "value": "percentunit"}, {"id": "custom.axisPlacement", "value": "right"},
                   {"id": "max", "value": 1}, {"id": "min", "value": 0}]}]
panel("Reconcile latency", [
    ('histogram_quantile(0.5, sum by (le) (rate(podpilot_reconcile_duration_seconds_bucket[$__rate_interval])))', "p50"),
    ('histogram_quantile(0.99, sum by (le) (rate(podpilot_reconcile_duration_seconds_bucket[$__rate_interval])))', "p99"),
    ('sum(rate(podpilot_reconcile_duration_seconds_sum[$__rate_interval])) / sum(rate(podpilot_reconcile_duration_seconds_count[$__rate_interval]))', "mean")],
    "Duration of one reconcile pass, from the podpilot_reconcile_duration_seconds histogram.", unit="s", w=12)
# process_* are generic names every exporter has: keep the podpilot operator's series only.
panel("Memory (resident)", [
    ('process_resident_memory_bytes and on (job, instance) podpilot_is_leader', "{{pod}}{{instance}}")],
    "Resident memory of each operator replica (limit in the chart: 256Mi).", unit="bytes", w=12)
panel("CPU", [
    ('rate(process_cpu_seconds_total[$__rate_interval]) and on (job, instance) podpilot_is_leader', "{{pod}}{{instance}}")],
    "CPU used by each operator replica, in cores.", unit="short", w=12)
panel("Kubernetes API: watch relists and write conflicts", [
    ('sum by (resource, reason) (rate(podpilot_watch_errors_total[$__rate_interval]))', "{{resource}} watch failed: {{reason}}"),
    ('sum by (resource) (rate(podpilot_watch_lists_total[$__rate_interval]))', "{{resource}} relisted"),
    ('sum by (subresource) (rate(podpilot_write_conflicts_total[$__rate_interval]))', "409 Conflict on {{subresource}}")],
    "Failed watches per second (gone = 410: the resourceVersion fell out of the API server's window, so the "
    "operator relists), relists, and 409 Conflict answers to the operator's writes (each re-read and retried). "
    "Bursts after an API server restart are expected; a steady rate is not.", unit="ops", w=12)
endrow()

def var_query(name, label, q):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": q, "refId": f"{name}-var"}, "definition": q,
            "refresh": 2, "multi": True, "includeAll": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1, "regex": "", "options": []}

dash = {
    "uid": "podpilot-operator",
    "title": "podpilot operator",
    "description": "PodPilotAutoscaler decisions (replicas, policy proposals vs the HPA rule, actions, fallbacks, safety clamps) and the operator's health. Metrics: podpilot operator /metrics.",
    "tags": ["podpilot", "autoscaling", "kubernetes"],
    "timezone": "browser", "editable": True, "graphTooltip": 1, "schemaVersion": 39, "version": 1,
    "refresh": "30s", "time": {"from": "now-6h", "to": "now"}, "fiscalYearStartMonth": 0,
    "liveNow": False, "weekStart": "",
    "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                              "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                              "name": "Annotations & Alerts", "type": "dashboard"}]},
    "links": [],
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1, "regex": ""},
        var_query("namespace", "Namespace", "label_values(podpilot_desired_replicas, namespace)"),
        var_query("autoscaler", "Autoscaler",
                  'label_values(podpilot_desired_replicas{namespace=~"$namespace"}, autoscaler)'),
    ]},
    "panels": panels,
}
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "podpilot-dashboard.json")


def render():
    return json.dumps(dash, indent=2) + "\n"


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    tmp = out + ".tmp"
    with open(tmp, "w") as f:  # atomic: a reader never sees half a dashboard
        f.write(render())
    os.replace(tmp, out)
    print(f"wrote {out} ({len(panels)} panels)")
