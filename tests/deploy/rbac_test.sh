#!/usr/bin/env bash
# deploy/ (CRD + deploy/rbac + deploy/operator through `kubectl apply -k deploy/`) on the real API
# server of scripts/testenv:
#   - testenv's own copy of the RBAC is deleted first, so only deploy/rbac's rules are in effect;
#   - the operator Deployment is accepted (strict server-side field validation) and its two pods pass
#     the namespace's enforced "restricted" Pod Security Standard and become Ready on KWOK nodes (KWOK
#     runs no containers, so the image need not exist: this checks the manifests, not the binary);
#   - `kubectl auth can-i --as=system:serviceaccount:podpilot-system:podpilot-operator` allows exactly
#     what the operator needs and denies the rest;
#   - real requests with the ServiceAccount's token (testenv's operator kubeconfig) succeed or are
#     Forbidden the same way;
#   - the real operator ($PODPILOT, default build/release/src/cli/podpilot; this part is skipped with
#     a note when it is not built), run twice with exactly the args of the applied Deployment (only
#     --listen moved to 127.0.0.1 and --model-dir to models/default) and that ServiceAccount's token:
#     both replicas become ready (/healthz, /readyz: the rollout needs the standby ready too), one
#     holds the Lease, nothing is Forbidden, and the leader scales an Active autoscaler's target
#     (rate rail clamping), falls back for a Learned one without its model, and exports every metric
#     that deploy/grafana's dashboard queries.
# Skips (exit 77) when the testenv binaries are not built (scripts/testenv build).
source "$(dirname "$0")/lib.sh"
testenv_start deploy-rbac
sa=system:serviceaccount:podpilot-system:podpilot-operator

k delete clusterrolebinding/podpilot-operator clusterrole/podpilot-operator >/dev/null
k delete -n podpilot-system rolebinding/podpilot-operator-leader-election \
  role/podpilot-operator-leader-election rolebinding/podpilot-operator-models role/podpilot-operator-models >/dev/null
[ "$(k auth can-i list pods -A --as=$sa 2>/dev/null || true)" = no ] \
  || fail "the operator can still list pods after testenv's RBAC was deleted"

k apply -k "$root/deploy" >"$tmp/apply.log" 2>&1 || { cat "$tmp/apply.log"; fail "kubectl apply -k deploy/ failed"; }
if grep -qi warning "$tmp/apply.log"; then cat "$tmp/apply.log"; fail "kubectl apply -k deploy/ printed warnings"; fi
# deploy/operator alone (everything but the CRD) renders and is accepted as well.
k apply --dry-run=server -k "$root/deploy/operator" >/dev/null || fail "kubectl apply -k deploy/operator (server dry run)"
k wait --for=condition=Established --timeout=30s crd/podpilotautoscalers.autoscaling.podpilot.dev >/dev/null
k rollout status deployment/podpilot-operator -n podpilot-system --timeout=120s >/dev/null \
  || { k get pods,rs,events -n podpilot-system; fail "operator Deployment did not become available"; }
ready=$(k get deployment podpilot-operator -n podpilot-system -o jsonpath='{.status.readyReplicas}')
[ "$ready" = 2 ] || fail "expected 2 ready operator replicas, got '$ready'"
# The Service selects both pods (publishNotReadyAddresses: standby replicas are scraped too).
for _ in $(seq 1 30); do
  n=$(k get endpointslices -n podpilot-system -l kubernetes.io/service-name=podpilot-operator-metrics \
        -o jsonpath='{range .items[*].endpoints[*]}x{end}' | wc -c)
  [ "$n" = 2 ] && break; sleep 1
done
[ "$n" = 2 ] || fail "metrics Service has $n endpoints, expected 2"
# A pod that violates "restricted" is refused in podpilot-system: the label is enforced, so the
# rollout above proves the operator's pod spec is compliant.
if k run psa-probe -n podpilot-system --image=registry.k8s.io/pause:3.10 --restart=Never >/dev/null 2>&1; then
  fail "podpilot-system does not enforce the restricted Pod Security Standard"
fi

allowed=0 denied=0
can() {  # can VERB RESOURCE [kubectl auth can-i flags...]
  local out
  # stdout is the answer; stderr only explains (e.g. "not namespace scoped" for cluster resources).
  out=$(k auth can-i "$@" --as=$sa 2>"$tmp/can-i.err" || true)
  [ "$out" = yes ] || fail "operator should be allowed: can-i $* -> $out $(cat "$tmp/can-i.err")"
  allowed=$((allowed + 1))
}
cannot() {
  local out
  # stdout is the answer; stderr only explains (e.g. "not namespace scoped" for cluster resources).
  out=$(k auth can-i "$@" --as=$sa 2>"$tmp/can-i.err" || true)
  [ "$out" = no ] || fail "operator should be denied: can-i $* -> $out $(cat "$tmp/can-i.err")"
  denied=$((denied + 1))
}
ppa=podpilotautoscalers.autoscaling.podpilot.dev
can list "$ppa" -A
can watch "$ppa" -A
can get "$ppa" -n default
can update "$ppa" --subresource=status -n default
can patch "$ppa" --subresource=status -n default
can get deployments.apps --subresource=scale -n default
can patch deployments.apps --subresource=scale -n default
can update deployments.apps --subresource=scale -n default
can list deployments.apps -A
can get statefulsets.apps -n default
can update statefulsets.apps --subresource=scale -n default
can get replicasets.apps -n default
can patch replicasets.apps --subresource=scale -n default
can list pods -A
can watch pods -A
can create events -n default
can create events.events.k8s.io -n default
can get pods.metrics.k8s.io -n default
can list pods.metrics.k8s.io -A
can list horizontalpodautoscalers.autoscaling -A
can watch horizontalpodautoscalers.autoscaling -A
can create leases.coordination.k8s.io -n podpilot-system
can update leases.coordination.k8s.io -n podpilot-system
can get leases.coordination.k8s.io -n podpilot-system
can get configmaps -n podpilot-system

cannot delete deployments.apps -n default
cannot create deployments.apps -n default
cannot delete statefulsets.apps -n default
cannot update deployments.apps -n default
cannot patch deployments.apps -n default
cannot update statefulsets.apps -n default
cannot list replicasets.apps -A
cannot update horizontalpodautoscalers.autoscaling -n default
cannot delete horizontalpodautoscalers.autoscaling -n default
cannot create pods -n default
cannot delete pods -n default
cannot get secrets -n default
cannot list secrets -A
cannot get configmaps -n default
cannot list configmaps -n podpilot-system
cannot watch configmaps -n podpilot-system
cannot update configmaps -n podpilot-system
cannot update "$ppa" -n default
cannot patch "$ppa" -n default
cannot delete "$ppa" -n default
cannot create leases.coordination.k8s.io -n default
cannot update leases.coordination.k8s.io -n default
cannot update leases.coordination.k8s.io -n kube-system
cannot create clusterrolebindings.rbac.authorization.k8s.io
cannot create rolebindings.rbac.authorization.k8s.io -n podpilot-system
cannot escalate clusterroles.rbac.authorization.k8s.io
cannot impersonate serviceaccounts -n podpilot-system
cannot create serviceaccounts/token -n podpilot-system
cannot update nodes
cannot '*' '*'

# The same boundaries on real requests, with the ServiceAccount's own token.
op() { timeout 60 kubectl --kubeconfig "$PODPILOT_TESTENV_OPERATOR_KUBECONFIG" "$@"; }
forbidden() {  # forbidden DESC CMD...: the request must fail with 403 Forbidden
  local desc=$1 out; shift
  if out=$("$@" 2>&1); then fail "operator token could $desc"; fi
  [[ "$out" == *Forbidden* || "$out" == *forbidden* ]] || fail "$desc failed, but not with Forbidden: $out"
}
k create namespace rbac-test >/dev/null
k create deployment web -n rbac-test --image=registry.k8s.io/pause:3.10 --replicas=1 >/dev/null
k apply -n rbac-test -f "$root/deploy/examples/frontend-shadow.yaml" >/dev/null
op scale deployment/web -n rbac-test --replicas=3 >/dev/null || fail "operator token could not scale deployments/scale"
[ "$(k get deployment web -n rbac-test -o jsonpath='{.spec.replicas}')" = 3 ] || fail "scale did not take effect"
op get ppa -A >/dev/null || fail "operator token could not list PodPilotAutoscalers"
op patch ppa frontend -n rbac-test --subresource status --type merge -p '{"status":{"desiredReplicas":3}}' >/dev/null \
  || fail "operator token could not patch podpilotautoscalers/status"
op get pods -n rbac-test >/dev/null || fail "operator token could not list pods"
op create -n podpilot-system -f - >/dev/null <<LEASE || fail "operator token could not create a Lease in podpilot-system"
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: podpilot-operator-test}
spec: {holderIdentity: rbac-test, leaseDurationSeconds: 15}
LEASE
op annotate lease podpilot-operator-test -n podpilot-system podpilot.dev/test=1 >/dev/null \
  || fail "operator token could not update its Lease"
out=$(op get --raw "/apis/metrics.k8s.io/v1beta1/namespaces/rbac-test/pods" 2>&1 || true)
[[ "$out" != *orbidden* ]] || fail "operator token cannot read metrics.k8s.io pods: $out"
forbidden "delete a Deployment" op delete deployment web -n rbac-test
forbidden "create a pod" op run x -n rbac-test --image=registry.k8s.io/pause:3.10 --restart=Never
forbidden "read secrets" op get secrets -n rbac-test
forbidden "change a PodPilotAutoscaler's spec" op patch ppa frontend -n rbac-test --type merge -p '{"spec":{"maxReplicas":5}}'
forbidden "create a Lease outside podpilot-system" op create -n rbac-test -f - <<LEASE
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: podpilot-operator}
spec: {holderIdentity: rbac-test}
LEASE
forbidden "create a ClusterRoleBinding" op create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=podpilot-system:podpilot-operator

podpilot=${PODPILOT:-$root/build/release/src/cli/podpilot}
operator_note="real operator not run: $podpilot not built"
if [ -x "$podpilot" ] && "$podpilot" operator --help >/dev/null 2>&1; then
  mapfile -t dargs < <(k get deployment podpilot-operator -n podpilot-system \
    -o jsonpath='{range .spec.template.spec.containers[0].args[*]}{@}{"\n"}{end}')
  [ "${dargs[0]}" = operator ] || fail "Deployment args do not start with 'operator': ${dargs[*]}"
  ports=()
  for id in 1 2; do
    port=$(free_port); ports+=("$port")
    args=()
    for a in "${dargs[@]}"; do
      a=${a//\$(POD_NAMESPACE)/podpilot-system}; a=${a//\$(POD_NAME)/podpilot-operator-test-$id}
      case "$a" in
        --listen=*) a=--listen=127.0.0.1:$port ;;
        --model-dir=*) a=--model-dir=$root/models/default ;;
        --prometheus-url=*) a=--prometheus-url=$PODPILOT_TESTENV_PROMETHEUS_URL ;;
      esac
      args+=("$a")
    done
    "$podpilot" "${args[@]}" --kubeconfig "$PODPILOT_TESTENV_OPERATOR_KUBECONFIG" >"$tmp/operator-$id.log" 2>&1 &
    test_pids+=($!)
  done
  get() { curl -sf --max-time 5 "http://127.0.0.1:$1$2"; }
  for id in 1 2; do
    port=${ports[$((id - 1))]}
    for _ in $(seq 1 60); do get "$port" /readyz >/dev/null && break; sleep 1; done
    get "$port" /readyz >/dev/null || { tail -20 "$tmp/operator-$id.log"; fail "operator replica $id never ready (/readyz)"; }
    get "$port" /healthz >/dev/null || fail "operator replica $id: /healthz failed"
  done
  for _ in $(seq 1 60); do
    leaders=0; leader_port=""
    for port in "${ports[@]}"; do
      if get "$port" /metrics | grep -q '^podpilot_is_leader 1'; then leaders=$((leaders + 1)); leader_port=$port; fi
    done
    [ "$leaders" = 1 ] && break; sleep 1
  done
  [ "$leaders" = 1 ] || { tail -5 "$tmp"/operator-*.log; fail "expected one leader among the two replicas, got $leaders"; }
  holder=$(k get lease podpilot-operator -n podpilot-system -o jsonpath='{.spec.holderIdentity}')
  [[ "$holder" == podpilot-operator-test-* ]] || fail "Lease podpilot-system/podpilot-operator held by '$holder'"
  # "HTTP 403", not a bare 403: the API server's random port may contain those digits (127.0.0.1:52403).
  if grep -i -E 'forbidden|HTTP 403' "$tmp"/operator-*.log; then fail "the operator hit Forbidden with deploy/rbac"; fi
  # A Shadow-mode autoscaler: the leader reconciles it and exports per-autoscaler series.
  k create deployment frontend -n rbac-test --image=registry.k8s.io/pause:3.10 --replicas=2 >/dev/null
  k set resources deployment frontend -n rbac-test --requests=cpu=100m >/dev/null
  # An Active one whose minReplicas (6) is above the target's replicas (3) with a rate limit of one
  # replica a minute: the rate rail clamps and the operator scales up through deployments/scale. A Learned one whose model file is missing: the
  # HPA rule takes over (a fallback). Together they make every counter of the dashboard appear.
  k apply -n rbac-test -f - >/dev/null <<PPA
apiVersion: autoscaling.podpilot.dev/v1alpha1
kind: PodPilotAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 6
  maxReplicas: 8
  rateLimits: {maxScaleUpPerMinute: 1}
  mode: Active
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}]
  policy: {type: Hpa}
---
apiVersion: autoscaling.podpilot.dev/v1alpha1
kind: PodPilotAutoscaler
metadata: {name: learned-missing-model}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: frontend}
  maxReplicas: 5
  mode: Shadow
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}]
  policy: {type: Learned, model: {path: no-such-model.safetensors}}
PPA
  want='^podpilot_proposal_replicas{.*autoscaler="frontend"'
  for _ in $(seq 1 90); do
    get "$leader_port" /metrics >"$tmp/metrics.txt" || true
    grep -q "$want" "$tmp/metrics.txt" && grep -q '^podpilot_scale_actions_total' "$tmp/metrics.txt" \
      && grep -q '^podpilot_fallback_total' "$tmp/metrics.txt" \
      && grep -q '^podpilot_safety_clamps_total{.*rail="rate"' "$tmp/metrics.txt" && break
    sleep 1
  done
  grep -q "$want" "$tmp/metrics.txt" \
    || { tail -20 "$tmp"/operator-*.log; fail "the leader exported no proposal for rbac-test/frontend"; }
  [ "$(k get deployment web -n rbac-test -o jsonpath='{.spec.replicas}')" -ge 4 ] \
    || { tail -20 "$tmp"/operator-*.log; fail "the operator did not scale rbac-test/web up to its minReplicas"; }
  # Every metric the dashboard queries exists (as a sample or a # TYPE line) in the real output.
  missing=$(python3 - "$root/deploy/grafana/podpilot-dashboard.json" "$tmp/metrics.txt" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
names = set(re.findall(r"\b((?:podpilot|process)_[a-z_]+)", " ".join(exprs)))
text = open(sys.argv[2]).read()
have = set(re.findall(r"^([a-z_:]+)[{ ]", text, re.M)) | set(re.findall(r"^# TYPE ([a-z_:]+) (\w+)", text, re.M) and
       [m[0] + s for m in re.findall(r"^# TYPE ([a-z_:]+) (\w+)", text, re.M)
        for s in (("", "_bucket", "_sum", "_count") if m[1] == "histogram" else ("",))])
print(" ".join(sorted(names - have)))
PY
)
  [ -z "$missing" ] || { cat "$tmp/metrics.txt"; fail "metrics the dashboard queries but the operator does not export: $missing"; }
  operator_note="real operator: 2 replicas ready with the Deployment's args and deploy/rbac, 1 leader ($holder), dashboard metrics all exported"
fi

echo "PASS: $operator_note"
echo "PASS: kubectl apply -k deploy/ ok, 2/2 operator replicas Ready under enforced restricted PSS; RBAC: $allowed allowed and $denied denied as expected (can-i), real-token requests match"
