#!/usr/bin/env bash
# Two `podpilot operator --leader-elect` processes against the real API server of
# scripts/testenv, as the restricted operator identity: exactly one leads and reconciles (the
# standby's reconcile counter stays at 0); after `kill -9` of the leader the standby takes over
# once the Lease expires and starts reconciling; SIGTERM of the new leader releases the Lease
# (holderIdentity emptied) and exits 0. Prints the takeover time.
# Usage: leader_failover.sh PODPILOT_BINARY. Skips (77) when the testenv binaries are not built.
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND (exit $?)"' ERR
bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
testenv="$root/scripts/testenv"
tmp=$(mktemp -d /tmp/podpilot-failover.XXXXXX)
dir="$tmp/env"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  "$testenv" down --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
if ! timeout 300 "$testenv" up --dir "$dir" >"$tmp/up.log" 2>&1; then
  if grep -q "not built" "$tmp/up.log"; then echo "SKIP: the test control plane is not built"; exit 77; fi
  cat "$tmp/up.log"; exit 1
fi
eval "$("$testenv" env --dir "$dir")"
k() { timeout 60 kubectl "$@"; }
ns=failover
lease=failover-$$
k apply -f "$root/deploy/crd/podpilotautoscalers.yaml" >/dev/null
k wait --for=condition=Established --timeout=60s crd/podpilotautoscalers.autoscaling.podpilot.dev >/dev/null
k create namespace $ns >/dev/null
k create deployment web -n $ns --image=registry.invalid/web:1 >/dev/null
cat <<YAML | k apply -n $ns -f - >/dev/null
apiVersion: autoscaling.podpilot.dev/v1alpha1
kind: PodPilotAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  mode: Shadow
  policy: {type: Hpa}
YAML

start() {  # start NAME: an operator with identity NAME, log in $tmp/NAME.log
  "$bin" operator --kubeconfig "$PODPILOT_TESTENV_OPERATOR_KUBECONFIG" --namespace $ns --leader-elect \
    --lease-namespace podpilot-system --lease-name "$lease" --identity "$1" --listen 127.0.0.1:0 --period 2s \
    --lease-duration 4 --renew-deadline 3 --retry-period 0.5 >"$tmp/$1.log" 2>&1 &
  pids+=($!)
  eval "pid_$1=$!"
}
port_of() {  # the port from the "serving" log line
  local p=""
  for _ in $(seq 1 100); do
    p=$(sed -n 's/.*"address":"127.0.0.1:\([0-9]*\)".*/\1/p' "$tmp/$1.log" | head -1)
    [ -n "$p" ] && break
    sleep 0.1
  done
  echo "$p"
}
metric() {  # metric NAME SERIES: value, or 0 when absent
  curl -sf --max-time 5 "http://127.0.0.1:$(port_of "$1")/metrics" | awk -v s="$2" '$1 == s {print $2; f=1} END {if (!f) print 0}'
}
leader_of_lease() { k get lease "$lease" -n podpilot-system -o jsonpath='{.spec.holderIdentity}' 2>/dev/null || true; }
wait_for() {  # wait_for SECONDS CMD...: polls every 0.25 s
  local end=$((SECONDS + $1)); shift
  while ((SECONDS < end)); do "$@" && return 0; sleep 0.25; done
  "$@"
}

start a
start b
is_leader() { [ "$(metric "$1" podpilot_is_leader)" = 1 ]; }
one_leads() { is_leader a || is_leader b; }
wait_for 60 one_leads || { echo "FAIL: no leader"; cat "$tmp"/*.log; exit 1; }
if is_leader a; then leader=a; standby=b; else leader=b; standby=a; fi
sleep 3  # a few periods
is_leader $standby && { echo "FAIL: both lead"; exit 1; }
[ "$(leader_of_lease)" = $leader ] || { echo "FAIL: Lease holder '$(leader_of_lease)' is not $leader"; exit 1; }
leader_reconciles=$(metric $leader 'podpilot_reconcile_total{result="ok"}')
standby_reconciles=$(metric $standby 'podpilot_reconcile_total{result="ok"}')
[ "${leader_reconciles%.*}" -ge 1 ] || { echo "FAIL: the leader did not reconcile"; exit 1; }
[ "${standby_reconciles%.*}" = 0 ] || { echo "FAIL: the standby reconciled $standby_reconciles times"; exit 1; }
echo "leader $leader reconciled $leader_reconciles times, standby $standby 0"

# Crash: kill -9; the standby takes over after the lease expires.
eval "kill -9 \$pid_$leader"
t0=$(date +%s.%N)
wait_for 60 is_leader $standby || { echo "FAIL: $standby did not take over"; cat "$tmp/$standby.log"; exit 1; }
t1=$(date +%s.%N)
echo "takeover after kill -9: $(echo "$t1 - $t0" | bc) s (lease duration 4 s)"
before=$(metric $standby 'podpilot_reconcile_total{result="ok"}')
more() { [ "$(metric $standby 'podpilot_reconcile_total{result="ok"}')" != "$before" ]; }
wait_for 20 more || { echo "FAIL: the new leader does not reconcile"; exit 1; }
[ "$(leader_of_lease)" = $standby ] || { echo "FAIL: Lease holder '$(leader_of_lease)' after takeover"; exit 1; }

# Graceful stop: SIGTERM releases the Lease and exits 0.
eval "kill -TERM \$pid_$standby"
eval "wait \$pid_$standby" || { echo "FAIL: exit code $? after SIGTERM"; cat "$tmp/$standby.log"; exit 1; }
[ -z "$(leader_of_lease)" ] || { echo "FAIL: Lease still held by '$(leader_of_lease)' after SIGTERM"; exit 1; }
grep -q '"msg":"operator stopped"' "$tmp/$standby.log" || { echo "FAIL: no 'operator stopped' log line"; exit 1; }
echo "PASS: leader election and failover"
