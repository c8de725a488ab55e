#!/usr/bin/env python3
"""deploy/grafana/podpilot-dashboard.json: structure, metric names, and every query on a real Prometheus.

1. Static: the JSON parses and is what deploy/grafana/generate_dashboard.py writes; panel ids are unique; panels fit the 24-column grid; every panel and
   target uses the ${datasource} variable; the datasource, namespace and autoscaler variables exist
   and every $variable used is defined; every metric name in a PromQL expr is one the operator
   exports (the interface list below), and every podpilot_* metric of that list is shown somewhere.
2. Real Prometheus (Debian's, as scripts/setup installs it) on 127.0.0.1 scrapes three exporters
   served by this script: the operator's leader, its standby (stale gauges) and an unrelated
   exporter with process_* metrics only. Every query of the dashboard, with the Grafana variables
   substituted, must evaluate without error to a non-empty result, and the leader filtering, the
   proposal-minus-HPA difference, the histogram quantiles and the process_* filter give the values
   the fixture implies.
Exits 77 (skip) after the static checks when prometheus is not installed.
"""
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # importing deploy/grafana/generate_dashboard must not litter the tree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARD = os.environ.get("PODPILOT_DASHBOARD", os.path.join(ROOT, "deploy", "grafana", "podpilot-dashboard.json"))

# The operator's metrics (its interface; histogram series listed individually).
PODPILOT_METRICS = {
    "podpilot_reconcile_total", "podpilot_reconcile_duration_seconds_bucket",
    "podpilot_reconcile_duration_seconds_sum", "podpilot_reconcile_duration_seconds_count",
    "podpilot_autoscalers", "podpilot_is_leader", "podpilot_current_replicas",
    "podpilot_desired_replicas", "podpilot_proposal_replicas", "podpilot_scale_actions_total",
    "podpilot_fallback_total", "podpilot_safety_clamps_total", "podpilot_source_errors_total",
    "podpilot_watch_errors_total", "podpilot_watch_lists_total", "podpilot_write_conflicts_total",
}
ALLOWED = PODPILOT_METRICS | {"process_resident_memory_bytes", "process_cpu_seconds_total"}
GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__range", "__all"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
            "bool", "offset", "inf", "nan"}

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def metric_names(expr):
    """Metric names in a PromQL expression: identifiers left after removing strings, label matchers,
    range/subquery brackets, grouping clauses, function calls, keywords and numbers."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        word = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or word.lower() in KEYWORDS:
            continue
        if m.start() > 0 and (e[m.start() - 1].isdigit() or e[m.start() - 1] == "."):
            continue  # the 'e' of 1e3 and the like
        names.add(word)
    return names


def self_test_extractor():
    # The checker must catch what it exists to catch: an unknown or misspelt metric.
    assert metric_names('rate(podpilot_reconcile_totl{result="ok"}[5m])') == {"podpilot_reconcile_totl"}
    assert metric_names('sum by (le) (rate(x_bucket[1m])) and on (job) y == 1') == {"x_bucket", "y"}
    assert metric_names('histogram_quantile(0.99, sum by (le) (rate(a[$__rate_interval])))') == {"a"}
    assert metric_names('max(up{job="a"}) - 1e3') == {"up"}


def all_panels(dash):
    for p in dash["panels"]:
        yield p
        for q in p.get("panels", []):
            yield q


def static_checks(dash):
    panels = list(all_panels(dash))
    ids = [p.get("id") for p in panels]
    check(len(ids) == len(set(ids)) and None not in ids, f"panel ids not unique or missing: {ids}")
    check(dash.get("uid") and dash.get("title"), "dashboard needs uid and title")
    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    check(variables.get("datasource", {}).get("type") == "datasource"
          and variables["datasource"].get("query") == "prometheus",
          "missing datasource variable of type datasource/prometheus")
    for name in ("namespace", "autoscaler"):
        check(variables.get(name, {}).get("type") == "query", f"missing query variable {name}")
    exprs = []
    for v in variables.values():
        if v["type"] == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            inner = re.fullmatch(r"label_values\((.*),\s*\w+\)", q)
            check(inner is not None, f"variable {v['name']}: expected label_values(SELECTOR, LABEL), got {q}")
            if inner:
                exprs.append((f"variable {v['name']}", inner.group(1)))
    used = set()
    for p in panels:
        if p["type"] == "row":
            continue
        where = f"panel {p.get('id')} '{p.get('title')}'"
        g = p.get("gridPos", {})
        check(all(k in g for k in "xywh") and g["x"] + g["w"] <= 24, f"{where}: bad gridPos {g}")
        check(p.get("datasource", {}).get("uid") == "${datasource}", f"{where}: datasource is not ${{datasource}}")
        check(p.get("targets"), f"{where}: no targets")
        refs = [t.get("refId") for t in p.get("targets", [])]
        check(len(refs) == len(set(refs)), f"{where}: duplicate refIds {refs}")
        for t in p.get("targets", []):
            check(t.get("datasource", {}).get("uid") == "${datasource}", f"{where}: target datasource")
            exprs.append((where, t["expr"]))
    for where, expr in exprs:
        names = metric_names(expr)
        check(names, f"{where}: no metric in {expr}")
        unknown = names - ALLOWED
        check(not unknown, f"{where}: metrics not exported by the operator: {sorted(unknown)} in {expr}")
        used |= names
        for var in re.findall(r"\$\{?(\w+)", expr):
            check(var in variables or var in GRAFANA_BUILTINS, f"{where}: undefined variable ${var}")
    missing = (PODPILOT_METRICS | {"process_resident_memory_bytes", "process_cpu_seconds_total"}) - used
    check(not missing, f"metrics never shown: {sorted(missing)}")
    return exprs


class Exporter:
    """A /metrics endpoint on 127.0.0.1 in the operator's format; counters grow on every scrape."""

    def __init__(self, leader, podpilot=True):
        self.leader, self.podpilot, self.n = leader, podpilot, 0
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def render(self):
        self.n += 1
        n = self.n
        out = [f"process_resident_memory_bytes {50e6 + n}", f"process_cpu_seconds_total {0.01 * n}"]
        if not self.podpilot:
            return "\n".join(out) + "\n"
        lead = 1 if self.leader else 0
        stale = 0 if self.leader else 10  # a standby's gauges are stale (and higher): must not be shown
        t = 'namespace="shop",autoscaler="checkout-path"'
        out += [
            f"podpilot_is_leader {lead}",
            f"podpilot_autoscalers {2 if self.leader else 0}",
            f'podpilot_reconcile_total{{result="ok"}} {9 * n}',
            f'podpilot_reconcile_total{{result="error"}} {n}',
        ]
        for le, c in (("0.005", 2), ("0.01", 5), ("0.05", 9), ("0.1", 10), ("+Inf", 10)):
            out.append(f'podpilot_reconcile_duration_seconds_bucket{{le="{le}"}} {c * n}')
        out += [f"podpilot_reconcile_duration_seconds_sum {0.15 * n}",
                f"podpilot_reconcile_duration_seconds_count {10 * n}"]
        for target, cur, des, learned, hpa in (("frontend", 3, 5, 5, 3), ("paymentservice", 2, 2, 1, 2)):
            tt = f'{t},target="{target}"'
            out += [f"podpilot_current_replicas{{{tt}}} {cur + stale}",
                    f"podpilot_desired_replicas{{{tt}}} {des + stale}",
                    f'podpilot_proposal_replicas{{{tt},policy="learned"}} {learned + stale}',
                    f'podpilot_proposal_replicas{{{tt},policy="hpa"}} {hpa}',
                    f'podpilot_scale_actions_total{{{tt},direction="up"}} {n * lead}',
                    f'podpilot_scale_actions_total{{{tt},direction="down"}} 0']
        out += [f'podpilot_fallback_total{{{t},reason="model-missing"}} {n * lead}',
                f'podpilot_safety_clamps_total{{{t},rail="rate"}} {n * lead}',
                f'podpilot_safety_clamps_total{{{t},rail="max"}} 0',
                f'podpilot_source_errors_total{{source="prometheus"}} {n}',
                'podpilot_source_errors_total{source="metrics-api"} 0',
                'podpilot_source_errors_total{source="kubernetes"} 0',
                f'podpilot_watch_errors_total{{resource="pods",reason="gone"}} {n}',
                f'podpilot_watch_lists_total{{resource="pods"}} {1 + n}',
                f'podpilot_write_conflicts_total{{subresource="scale"}} {n}']
        return "\n".join(out) + "\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(base, expr):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def substitute(expr):
    # Grafana's values: $__rate_interval >= 4 scrape intervals; All = .*
    return (expr.replace("$__rate_interval", "10s").replace("$__range", "1m")
            .replace("$namespace", ".*").replace("$autoscaler", ".*"))


def prometheus_checks(exprs, tmp):
    leader, standby, other = Exporter(True), Exporter(False), Exporter(False, podpilot=False)
    port = free_port()
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
- job_name: podpilot-operator
  static_configs: [{{targets: ['127.0.0.1:{leader.port}', '127.0.0.1:{standby.port}']}}]
- job_name: other-exporter
  static_configs: [{{targets: ['127.0.0.1:{other.port}']}}]
""")
    log = open(os.path.join(tmp, "prometheus.log"), "w")
    proc = subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}",
                             f"--storage.tsdb.path={tmp}/data"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        # Bounded wait for a dozen scrapes of each target (rates over 10s need several samples).
        deadline = time.monotonic() + 60
        while True:
            try:
                r = query(base, "min(count_over_time(up[1m]))")
                if r["status"] == "success" and r["data"]["result"] and float(r["data"]["result"][0]["value"][1]) >= 12:
                    break
            except (OSError, ValueError, KeyError):
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit(f"FAIL: prometheus did not scrape the fixtures in time (see {tmp}/prometheus.log)")
            time.sleep(0.5)
        results = {}
        for where, expr in exprs:
            r = query(base, substitute(expr))
            ok = r.get("status") == "success" and r["data"]["result"]
            check(ok, f"{where}: {expr} -> {r.get('error') or 'empty result'}")
            results[expr] = r["data"]["result"] if ok else []

        def values(substr):
            rows = [v for e, v in results.items() if substr in e]
            check(rows, f"no query containing {substr}")
            return rows[0] if rows else []

        cur = {x["metric"]["target"]: float(x["value"][1]) for x in values("max by (namespace, autoscaler, target) (podpilot_current_replicas")}
        check(cur == {"frontend": 3, "paymentservice": 2}, f"current replicas must be the leader's: {cur}")
        peak = {x["metric"]["target"]: float(x["value"][1]) for x in values("max_over_time(")}
        check(peak == {"frontend": 5, "paymentservice": 2}, f"peak desired replicas must be the leader's: {peak}")
        diff = {(x["metric"]["target"], x["metric"]["policy"]): float(x["value"][1])
                for x in values('policy!="hpa"')}
        check(diff == {("frontend", "learned"): 2, ("paymentservice", "learned"): -1},
              f"proposal minus HPA: {diff}")
        leaders = values("sum(podpilot_is_leader)")
        check(leaders and float(leaders[0]["value"][1]) == 1, f"sum(podpilot_is_leader) = {leaders}")
        p50 = float(values("histogram_quantile(0.5")[0]["value"][1])
        p99 = float(values("histogram_quantile(0.99")[0]["value"][1])
        check(0.005 <= p50 <= 0.01 and 0.05 <= p99 <= 0.1 and p50 < p99, f"p50={p50} p99={p99}")
        ratio = float(values('result="error"')[0]["value"][1])
        check(abs(ratio - 0.1) < 0.02, f"error ratio {ratio}, fixture has 10%")
        mem = values("process_resident_memory_bytes")
        check(len(mem) == 2 and all(x["metric"]["job"] == "podpilot-operator" for x in mem),
              f"memory panel must show the two operator replicas only: {[x['metric'] for x in mem]}")
        for label, want in (("namespace", ["shop"]), ("autoscaler", ["checkout-path"])):
            url = f"{base}/api/v1/label/{label}/values?" + urllib.parse.urlencode({"match[]": "podpilot_desired_replicas"})
            with urllib.request.urlopen(url, timeout=10) as r:
                got = json.load(r)["data"]
            check(got == want, f"variable {label}: label values {got}, expected {want}")
        return len(exprs)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        for e in (leader, standby, other):
            e.server.shutdown()


def main():
    self_test_extractor()
    try:
        with open(DASHBOARD) as f:
            dash = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"FAIL: {DASHBOARD}: {e}")
    exprs = static_checks(dash)
    if "PODPILOT_DASHBOARD" not in os.environ:
        sys.path.insert(0, os.path.dirname(DASHBOARD))
        import generate_dashboard  # noqa: E402  (deploy/grafana, found through sys.path)
        with open(DASHBOARD) as f:
            check(f.read() == generate_dashboard.render(),
                  "podpilot-dashboard.json is not what deploy/grafana/generate_dashboard.py writes: run it")
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        return 1
    print(f"static: {len(list(all_panels(dash)))} panels, {len(exprs)} queries, metric names all from the operator's interface")
    if not shutil.which("prometheus"):
        print("SKIP: prometheus not installed (scripts/setup): queries not evaluated")
        return 77
    with tempfile.TemporaryDirectory(prefix="podpilot-grafana-test.") as tmp:
        n = prometheus_checks(exprs, tmp)
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        return 1
    print(f"PASS: dashboard JSON valid; {n} queries evaluated on prometheus with non-empty results and the expected values")
    return 0


if __name__ == "__main__":
    sys.exit(main())
