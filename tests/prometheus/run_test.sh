#!/usr/bin/env bash
# Integration test: a real Prometheus (Debian's package) scrapes `podpilot serve` and answers PromQL
# written for a real cluster (cAdvisor, kube-state-metrics and Istio names and labels).
#
#   tests/prometheus/run_test.sh            # finds build/*/src/cli/podpilot
#   PODPILOT=/path/to/podpilot tests/prometheus/run_test.sh
#
# Everything listens on 127.0.0.1 only, stores in a temporary directory, and is stopped on exit
# (a trap, plus `timeout` around both daemons in case this script itself is killed). Runs in about
# 30 s; every wait is bounded, so it ends well under 2 minutes. The last line is "N passed, M failed"
# and the exit status is non-zero if anything failed.
#
# Clock: `serve --speed S` plays S simulated seconds per wall second, and Prometheus stamps samples
# with wall time, so rate() over a wall window is S times the simulated per-second rate. The checks
# divide by podpilot_sim_speed where a simulated rate is compared with simulated quantities.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SPEED=${SPEED:-20}
SCRAPES_WANTED=15          # samples of each series before querying (1 s scrape interval)
DAEMON_LIMIT_S=100         # hard stop for both daemons, whatever happens to this script

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/podpilot-prom.XXXXXX")
SERVE_PID=""
PROM_PID=""
cleanup() {
  # Stop only the two processes this script started, then remove the temporary directory.
  for pid in $SERVE_PID $PROM_PID; do kill "$pid" 2>/dev/null; done
  for pid in $SERVE_PID $PROM_PID; do wait "$pid" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the podpilot binary ------------------------------------------------------------------------
has_serve() {
  local help
  [ -x "$1" ] && help=$("$1" serve --help 2>/dev/null) && [[ $help == *--listen* ]]
}
if [ -z "${PODPILOT:-}" ]; then
  for candidate in "$ROOT"/build/release/src/cli/podpilot "$ROOT"/build/*/src/cli/podpilot; do
    if has_serve "$candidate"; then PODPILOT=$candidate; break; fi
  done
fi
if [ -z "${PODPILOT:-}" ] || ! has_serve "$PODPILOT"; then
  fail "no podpilot binary with the 'serve' subcommand (build it, or set PODPILOT=/path/to/podpilot)"
  finish
fi
echo "using $PODPILOT"

# ---- Prometheus (Debian package), installed if missing ---------------------------------------
if ! command -v prometheus >/dev/null 2>&1; then
  echo "installing Debian package prometheus"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # Keep the package's init script from starting a system-wide Prometheus on 0.0.0.0:9090.
  policy_rc=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy_rc" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy_rc" >/dev/null && $SUDO chmod +x "$policy_rc" && made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q --no-install-recommends prometheus >"$TMP/apt.log" 2>&1 ||
    { $SUDO apt-get update -q >>"$TMP/apt.log" 2>&1 &&
      $SUDO apt-get install -y -q --no-install-recommends prometheus >>"$TMP/apt.log" 2>&1; }
  [ "$made_policy" -eq 1 ] && $SUDO rm -f "$policy_rc"
  if ! command -v prometheus >/dev/null 2>&1; then
    tail -5 "$TMP/apt.log"
    fail "could not install the Debian package prometheus"
    finish
  fi
fi
echo "using $(prometheus --version 2>&1 | head -1)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Waits up to $1 seconds for the command in "${@:2}" to succeed.
wait_for() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit))
  while [ $SECONDS -lt $deadline ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# ---- podpilot serve -----------------------------------------------------------------------------
# A load step at 1 simulated minute makes the threshold policy scale the frontend up (4 -> 7 pods
# by 5 simulated minutes), so replicas change while Prometheus watches.
timeout "$DAEMON_LIMIT_S" "$PODPILOT" serve --app online-boutique --workload step:low=10,high=100,at=1m \
  --policy threshold --duration 1h --seed 1 --speed "$SPEED" --listen 127.0.0.1:0 --max-wall 90s \
  >"$TMP/serve.log" 2>&1 &
SERVE_PID=$!
serve_port() { grep -o 'listening on http://127.0.0.1:[0-9]*' "$TMP/serve.log" | sed 's/.*://'; }
SPORT=""
for _ in $(seq 1 30); do
  SPORT=$(serve_port)
  [ -n "$SPORT" ] && break
  sleep 0.5
done
if [ -z "$SPORT" ]; then
  cat "$TMP/serve.log"
  fail "podpilot serve did not start listening within 15 s"
  finish
fi
curl -sf --max-time 2 "http://127.0.0.1:$SPORT/metrics" >"$TMP/metrics.txt"
if grep -q '^# TYPE container_cpu_usage_seconds_total counter' "$TMP/metrics.txt"; then
  pass "podpilot serve exposes /metrics on 127.0.0.1:$SPORT"
else
  fail "podpilot serve /metrics on 127.0.0.1:$SPORT lacks container_cpu_usage_seconds_total"
fi

# ---- Prometheus scraping it every second --------------------------------------------------------
PPORT=$(free_port)
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: podpilot
    static_configs:
      - targets: ['127.0.0.1:$SPORT']
EOF
timeout "$DAEMON_LIMIT_S" prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
  --web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
if ! wait_for 30 curl -sf --max-time 1 "http://127.0.0.1:$PPORT/-/ready"; then
  tail -20 "$TMP/prometheus.log"
  fail "Prometheus did not become ready on 127.0.0.1:$PPORT within 30 s"
  finish
fi
pass "Prometheus ready on 127.0.0.1:$PPORT"

# Runs an instant query; prints the JSON answer.
query() { curl -sS --max-time 5 -G --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query"; }

# check NAME PROMQL PREDICATE: the answer must be a non-empty vector (or a scalar) of finite numbers
# and PREDICATE (Python, over the list of values `v`) must hold.
check() {
  local name=$1 promql=$2 predicate=$3
  local answer verdict
  answer=$(query "$promql")
  verdict=$(printf '%s' "$answer" | python3 -c '
import json, math, sys
pred = sys.argv[1]
try:
    a = json.load(sys.stdin)
except Exception as e:
    print("not JSON: %s" % e); sys.exit()
if a.get("status") != "success":
    print("query failed: %s" % a.get("error")); sys.exit()
d = a["data"]
if d["resultType"] == "scalar":
    v = [float(d["result"][1])]
else:
    v = [float(r["value"][1]) for r in d["result"]]
if not v:
    print("empty result"); sys.exit()
if not all(math.isfinite(x) for x in v):
    print("non-finite values %s" % v); sys.exit()
print("ok %s" % v if eval(pred, {"v": v, "math": math}) else "values %s fail: %s" % (v, pred))
' "$predicate")
  if [[ $verdict == ok* ]]; then
    pass "$name: ${verdict#ok }"
  else
    fail "$name: $verdict  [$promql]"
  fi
}

scrapes() {
  query "count_over_time(podpilot_sim_time_seconds[1m])" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)' 2>/dev/null ||
    echo 0
}
got=0
deadline=$((SECONDS + 40))
while [ $SECONDS -lt $deadline ]; do
  got=$(scrapes)
  [ "$got" -ge "$SCRAPES_WANTED" ] && break
  sleep 1
done
if [ "$got" -ge "$SCRAPES_WANTED" ]; then
  pass "Prometheus stored $got scrapes"
else
  fail "only $got scrapes within 40 s (wanted $SCRAPES_WANTED)"
  tail -5 "$TMP/prometheus.log"
  finish
fi

# ---- PromQL as one would write it for a real cluster -------------------------------------------
check "target is up" 'up{job="podpilot"}' 'v == [1.0]'
check "frontend CPU rate (cAdvisor)" \
  'sum(rate(container_cpu_usage_seconds_total{pod=~"frontend-.*"}[30s]))' 'v[0] > 0'
# In simulated seconds, CPU used by the frontend cannot exceed the CPU limits of its pods.
check "frontend CPU / limits (cAdvisor joined with kube-state-metrics)" \
  'sum(rate(container_cpu_usage_seconds_total{pod=~"frontend-.*"}[30s])) / scalar(podpilot_sim_speed)
     / sum(kube_pod_container_resource_limits{pod=~"frontend-.*",resource="cpu",unit="core"})' '0 < v[0] <= 1.05'
check "frontend working set (cAdvisor)" \
  'sum(container_memory_working_set_bytes{namespace="default",pod=~"frontend-.*",container="frontend"})' \
  'v[0] > 10e6'
check "frontend desired replicas (kube-state-metrics)" \
  'kube_deployment_spec_replicas{namespace="default",deployment="frontend"}' 'len(v) == 1 and 1 <= v[0] <= 20'
check "frontend replicas changed by the policy while scraped" \
  'max_over_time(kube_deployment_spec_replicas{deployment="frontend"}[5m])
     - min_over_time(kube_deployment_spec_replicas{deployment="frontend"}[5m])' 'v[0] >= 1'
check "ready pods agree with available replicas" \
  'sum(kube_pod_status_ready{condition="true",pod=~"frontend-.*"})
     - sum(kube_deployment_status_replicas_available{deployment="frontend"})' 'v[0] == 0'
check "CPU requests per namespace (kube-state-metrics)" \
  'sum by (namespace) (kube_pod_container_resource_requests{resource="cpu",unit="core"})' 'v[0] > 0'
check "restarts counter present" 'sum(kube_pod_container_status_restarts_total)' 'v[0] >= 0'
check "frontend request rate (Istio)" \
  'sum(rate(istio_requests_total{reporter="destination",destination_workload="frontend"}[30s])) / scalar(podpilot_sim_speed)' \
  'v[0] > 1'
check "histogram _count matches istio_requests_total" \
  'sum(rate(istio_request_duration_milliseconds_count{destination_workload="frontend"}[30s]))
     / sum(rate(istio_requests_total{destination_workload="frontend"}[30s]))' 'abs(v[0] - 1) < 1e-6'
check "frontend p95 latency (Istio histogram)" \
  'histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload="frontend"}[30s])))' \
  '1 < v[0] < 30000'
check "p50 below p95" \
  'histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{destination_workload="frontend"}[30s])))
     - histogram_quantile(0.5, sum by (le) (rate(istio_request_duration_milliseconds_bucket{destination_workload="frontend"}[30s])))' \
  'v[0] > 0'

# The per-target queries of the learned group example, as the operator expands them for each of
# its targets (operator/autoscaler_spec.h ExpandTargetQuery). Every service has load here, so the
# request rate and latency must be positive with their zero fallbacks (` or vector(0)`) removed:
# a wrong label would otherwise read 0 and pass.
example="$ROOT/deploy/examples/checkout-group-learned.yaml"
targets=$(sed -n 's/^ *- {kind: Deployment, name: \([a-z0-9-]*\).*/\1/p' "$example")
[ "$(echo "$targets" | wc -w)" -eq 11 ] || fail "expected the 11 Online Boutique targets in $example, got: $targets"
for key in requestRate latencyP95Ms errorRate; do
  template=$(sed -n "s/^ *$key: //p" "$example")
  if [ -z "$template" ]; then
    fail "perTarget.$key missing from $example"
    continue
  fi
  for target in $targets; do
    promql=${template//\$target/$target}
    promql=${promql//\$namespace/default}
    case $key in
      errorRate) check "example perTarget.$key for $target" "$promql" 'len(v) == 1 and v[0] >= 0' ;;
      *) check "example perTarget.$key for $target (no fallback)" "${promql% or vector(0)}" 'len(v) == 1 and v[0] > 0' ;;
    esac
  done
done
attainment=$(sed -n 's/^ *attainmentQuery: //p' "$example")
if [ -n "$attainment" ]; then
  check "example slo.attainmentQuery (no fallback)" "${attainment% or vector(1)}" 'len(v) == 1 and 0 < v[0] <= 1 + 1e-9'
else
  fail "slo.attainmentQuery missing from $example"
fi

finish
