#!/usr/bin/env bash
# Coordinated scaling of a group of three Deployments by one PodPilotAutoscaler (Active, the HPA
# rule per member, all members decided in the same reconcile) on the test control plane: for each
# of R rounds, load rises on all three (KWOK usage annotation) and the operator scales them up;
# measured: time from the decision (the operator's "scaled" log line of the first member) to each
# member having all its replicas Ready, and the spread between the first and the last member.
#   bench/operator/group_readiness.sh [ROUNDS]
source "$(dirname "$0")/lib.sh"
rounds=${1:-3}
up_env
ns=group
k create namespace $ns >/dev/null
members=(frontend checkout payment)
for m in "${members[@]}"; do
  cat <<YAML | k create -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: $m, namespace: $ns}
spec:
  replicas: 1
  selector: {matchLabels: {app: $m}}
  template:
    metadata:
      labels: {app: $m}
      annotations: {kwok.x-k8s.io/usage-cpu: 20m}
    spec:
      containers: [{name: main, image: registry.invalid/$m:1, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
YAML
done
cat <<YAML | k create -f - >/dev/null
apiVersion: autoscaling.podpilot.dev/v1alpha1
kind: PodPilotAutoscaler
metadata: {name: checkout-path, namespace: $ns}
spec:
  targets:
    - {kind: Deployment, name: frontend}
    - {kind: Deployment, name: checkout}
    - {kind: Deployment, name: payment}
  minReplicas: 1
  maxReplicas: 8
  mode: Active
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
  behavior: {scaleDown: {stabilizationWindowSeconds: 0}}
  policy: {type: Hpa}
YAML
start_operator $ns 5s
ready_all() {  # ready_all NAME: prints 1 when readyReplicas == spec.replicas == updatedReplicas
  k get deployment "$1" -n $ns -o jsonpath='{.spec.replicas} {.status.readyReplicas} {.status.updatedReplicas}' |
    awk '{print ($1 == $2 && $1 == $3) ? 1 : 0}'
}
set_usage() {
  for m in "${members[@]}"; do
    k patch deployment "$m" -n $ns --type merge \
      -p "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"kwok.x-k8s.io/usage-cpu\":\"$1\"}}}}}" >/dev/null
  done
}
for r in $(seq 1 "$rounds"); do
  # Settle low: all at 1 replica, metrics flowing.
  set_usage 20m
  for _ in $(seq 1 240); do
    [ "$(k get deployment -n $ns -o jsonpath='{.items[*].spec.replicas}')" = "1 1 1" ] && break
    sleep 1
  done
  sleep 40  # the new pods' metrics arrive (two KWOK readings)
  lines_before=$(grep -c '"msg":"scaled"' "$tmp/operator.log" || true)
  set_usage 200m
  # Wait for the scale-up decision of all three members.
  for _ in $(seq 1 300); do
    ups=$(tail -n +$((lines_before + 1)) <(grep '"msg":"scaled"' "$tmp/operator.log") | grep -c '"to":[2-9]' || true)
    [ "$ups" -ge 3 ] && break
    sleep 0.2
  done
  decision=$(tail -n +$((lines_before + 1)) <(grep '"msg":"scaled"' "$tmp/operator.log") | grep '"to":[2-9]' | head -3)
  t_decision=$(echo "$decision" | head -1 | sed 's/.*"ts":"\([^"]*\)".*/\1/')
  d0=$(date -d "$t_decision" +%s.%N)
  declare -A ready_at=()
  end=$((SECONDS + 120))
  while ((SECONDS < end)) && ((${#ready_at[@]} < 3)); do
    for m in "${members[@]}"; do
      [ -n "${ready_at[$m]:-}" ] && continue
      [ "$(ready_all "$m")" = 1 ] && ready_at[$m]=$(date +%s.%N)
    done
    sleep 0.1
  done
  line="round $r: decision at $t_decision;"
  first=""; last=""
  for m in "${members[@]}"; do
    to=$(echo "$decision" | grep "\"target\":\"$m\"" | sed 's/.*"to":\([0-9]*\).*/\1/')
    dt=$(echo "${ready_at[$m]:-nan} - $d0" | bc -l 2>/dev/null || echo nan)
    line+=$(printf ' %s 1->%s ready after %.2f s;' "$m" "$to" "$dt")
    [ -z "$first" ] || (( $(echo "$dt < $first" | bc) )) && first=$dt
    [ -z "$last" ] || (( $(echo "$dt > $last" | bc) )) && last=$dt
  done
  echo "$line spread $(printf '%.2f' "$(echo "$last - $first" | bc -l)") s"
  unset ready_at
done
