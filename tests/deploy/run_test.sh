#!/usr/bin/env bash
# deploy/crd against the real API server of scripts/testenv: the CRD installs and becomes
# Established, the examples in deploy/examples are accepted, `kubectl get ppa` shows the printer
# columns, every object in tests/deploy/invalid/ is rejected with the message its first line names
# ("# expect: ..."), and a status update goes through the status subresource only.
# Skips (exit 77) when the testenv binaries are not built (scripts/testenv build).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
testenv_start deploy-test

k apply -f "$root/deploy/crd/podpilotautoscalers.yaml" >/dev/null
k wait --for=condition=Established --timeout=30s crd/podpilotautoscalers.autoscaling.podpilot.dev >/dev/null
k create namespace deploy-test >/dev/null
# kubectl's discovery may lag the Established condition by a moment: wait (bounded) until the
# short name resolves.
for _ in $(seq 1 30); do
  k get ppa -n deploy-test >/dev/null 2>&1 && break
  sleep 1
done
for f in "$root"/deploy/examples/*.yaml; do
  k apply -n deploy-test -f "$f" >/dev/null || { echo "FAIL: example $f rejected"; exit 1; }
done
header=$(k get ppa -n deploy-test | sed -n 1p)  # sed reads all: no SIGPIPE under pipefail
for col in NAME TARGET POLICY MODE MIN MAX CURRENT DESIRED AGE; do
  [[ " $header " == *" $col "* ]] || { echo "FAIL: column $col missing from 'kubectl get ppa': $header"; exit 1; }
done
row=$(k get ppa frontend -n deploy-test --no-headers)
[[ "$row" == *frontend*Hpa*Shadow*1*20* ]] || { echo "FAIL: unexpected row: $row"; exit 1; }
# Defaults from the schema: mode Shadow and minReplicas 1 when not given.
mode=$(k get ppa online-boutique -n deploy-test -o jsonpath='{.spec.targets[0].apiVersion}')
[ "$mode" = apps/v1 ] || { echo "FAIL: defaulting did not set targets[0].apiVersion (got '$mode')"; exit 1; }

rejected=0
for f in "$root"/tests/deploy/invalid/*.yaml; do
  expect=$(sed -n 's/^# expect: //p' "$f" | head -1)
  if out=$(k apply -n deploy-test -f "$f" 2>&1); then
    echo "FAIL: $f was accepted"; exit 1
  fi
  [[ "$out" == *"$expect"* ]] || { echo "FAIL: $f rejected without '$expect': $out"; exit 1; }
  rejected=$((rejected + 1))
done

# Status is a subresource: a patch of the main object does not change it, the status one does.
k patch ppa frontend -n deploy-test --type merge -p '{"status":{"desiredReplicas":7}}' >/dev/null
[ -z "$(k get ppa frontend -n deploy-test -o jsonpath='{.status.desiredReplicas}')" ] \
  || { echo "FAIL: status changed through the main resource"; exit 1; }
k patch ppa frontend -n deploy-test --subresource status --type merge \
  -p '{"status":{"currentReplicas":3,"desiredReplicas":7,"lastDecision":{"replicas":7,"reason":"cpu 92% > 60%"}}}' >/dev/null
row=$(k get ppa frontend -n deploy-test --no-headers)
[[ "$row" == *" 3 "*" 7 "* ]] || { echo "FAIL: status columns not shown: $row"; exit 1; }
echo "PASS: CRD established, $(ls "$root"/deploy/examples/*.yaml | wc -l) examples accepted, $rejected invalid objects rejected, columns and status subresource OK"
