#!/usr/bin/env bash
# deploy/helm/podpilot with a real helm (tests/deploy/build-helm.sh builds it from the Go module
# proxy into the testenv cache) and the real API server of scripts/testenv:
#   - `helm lint --strict` with default and non-default values;
#   - crds/ is byte-identical to deploy/crd, and the chart's RBAC rules equal deploy/rbac's;
#   - bad values fail rendering with a message naming the value;
#   - `helm template` output (defaults, one watched namespace, a created model ConfigMap) passes
#     `kubectl apply --dry-run=server` (admission, strict field validation, PSS warnings);
#   - `helm install --wait` of a second release makes its pods Ready on KWOK nodes (no containers run:
#     the image need not exist) and its ServiceAccount gets exactly the intended permissions.
# Skips (exit 77) when helm or the testenv binaries are not built.
source "$(dirname "$0")/lib.sh"
helm=$("$root/tests/deploy/build-helm.sh" --path) || {
  echo "SKIP: helm is not built (tests/deploy/build-helm.sh, ~3-10 min)"; exit 77; }
chart="$root/deploy/helm/podpilot"
export HELM_CACHE_HOME HELM_CONFIG_HOME HELM_DATA_HOME
testenv_start deploy-helm
HELM_CACHE_HOME=$tmp/helm/cache HELM_CONFIG_HOME=$tmp/helm/config HELM_DATA_HOME=$tmp/helm/data
h() { timeout 180 "$helm" "$@"; }

h lint --strict "$chart" >"$tmp/lint.log" 2>&1 || { cat "$tmp/lint.log"; fail "helm lint --strict (defaults)"; }
h lint --strict "$chart" --set watchNamespace=apps,prometheusUrl=http://prometheus:9090,replicaCount=1 \
  --set leaderElection.enabled=false,serviceAccount.annotations.a=b >"$tmp/lint.log" 2>&1 \
  || { cat "$tmp/lint.log"; fail "helm lint --strict (one namespace, one replica)"; }
cmp -s "$root/deploy/crd/podpilotautoscalers.yaml" "$chart/crds/podpilotautoscalers.yaml" \
  || fail "deploy/helm/podpilot/crds/podpilotautoscalers.yaml differs from deploy/crd/: copy it again"

h template podpilot "$chart" -n podpilot-system >"$tmp/default.yaml"
python3 - "$root/deploy/rbac/rbac.yaml" "$tmp/default.yaml" <<'PY' || fail "chart RBAC differs from deploy/rbac"
import sys, yaml
def rules(path):
    return {(d["kind"], d["metadata"]["name"]): d.get("rules") or d.get("roleRef")
            for d in yaml.safe_load_all(open(path)) if d and d["kind"] in
            ("ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding")}
a, b = rules(sys.argv[1]), rules(sys.argv[2])
if a != b:
    print("deploy/rbac:", a, "\nchart:", b); sys.exit(1)
PY

# The chart's Deployment runs the operator exactly as deploy/operator does (labels aside).
url=$(kubectl kustomize "$root/deploy/operator" | sed -n 's/.*--prometheus-url=//p')
h template podpilot "$chart" -n podpilot-system --set prometheusUrl="$url" >"$tmp/same.yaml"
kubectl kustomize "$root/deploy/operator" >"$tmp/kustomize.yaml"
python3 - "$tmp/kustomize.yaml" "$tmp/same.yaml" <<'PY' || fail "chart Deployment differs from deploy/operator"
import sys, yaml
def pod(path):
    d = next(d for d in yaml.safe_load_all(open(path)) if d and d["kind"] == "Deployment")
    spec = d["spec"]["template"]["spec"]
    c = spec["containers"][0]
    return {"replicas": d["spec"]["replicas"], "strategy": d["spec"]["strategy"],
            "podSecurityContext": spec["securityContext"], "sa": spec["serviceAccountName"],
            "volumes": spec["volumes"], "annotations": d["spec"]["template"]["metadata"]["annotations"],
            **{k: c[k] for k in ("args", "env", "ports", "livenessProbe", "readinessProbe", "resources",
                                 "securityContext", "volumeMounts")}}
a, b = pod(sys.argv[1]), pod(sys.argv[2])
diff = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
if diff:
    for k, (x, y) in diff.items(): print(f"{k}:\n  deploy/operator: {x}\n  chart:           {y}")
    sys.exit(1)
PY

# ServiceMonitor (off by default): rendered when the cluster has the kind; it selects the Service.
h template podpilot "$chart" -n podpilot-system --set serviceMonitor.enabled=true \
  --api-versions monitoring.coreos.com/v1/ServiceMonitor >"$tmp/sm.yaml"
python3 - "$tmp/sm.yaml" <<'PY' || fail "ServiceMonitor does not match the metrics Service"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
sm = next(d for d in docs if d["kind"] == "ServiceMonitor")
svc = next(d for d in docs if d["kind"] == "Service")
sel = sm["spec"]["selector"]["matchLabels"]
assert all(svc["metadata"]["labels"].get(k) == v for k, v in sel.items()), (sel, svc["metadata"]["labels"])
ep = sm["spec"]["endpoints"][0]
assert ep["port"] in [p["name"] for p in svc["spec"]["ports"]] and ep["path"] == "/metrics" and ep["honorLabels"]
PY
grep -q '^kind: ServiceMonitor' "$tmp/default.yaml" && fail "ServiceMonitor rendered although serviceMonitor.enabled=false"

bad() {  # bad EXPECTED-MESSAGE HELM-TEMPLATE-ARGS...: rendering must fail and say EXPECTED-MESSAGE
  local want=$1 out; shift
  if out=$(h template podpilot "$chart" -n podpilot-system "$@" 2>&1); then fail "helm template $* rendered"; fi
  [[ "$out" == *"$want"* ]] || fail "helm template $* failed without '$want': $out"
}
bad "replicaCount > 1 needs leaderElection.enabled=true" --set leaderElection.enabled=false
bad 'logFormat must be json or text, got "xml"' --set logFormat=xml
bad "models.create=true needs models.binaryData" --set models.create=true
bad "no monitoring.coreos.com/v1 ServiceMonitor" --set serviceMonitor.enabled=true
bad "serviceAccount.name is required" --set serviceAccount.create=false

# Server-side dry runs of three renderings. The CRD goes in for real first (a dry-run CRD does not
# make its kind known to the dry run of objects that use it).
k apply -f "$root/deploy/crd/podpilotautoscalers.yaml" >/dev/null
k create namespace apps >/dev/null
k create namespace pp-dry >/dev/null
k label namespace pp-dry pod-security.kubernetes.io/enforce=restricted >/dev/null
dry() {  # dry NAME HELM-ARGS...
  local name=$1; shift
  h template pp "$chart" -n pp-dry --include-crds "$@" >"$tmp/$name.yaml" || fail "helm template ($name)"
  k apply --dry-run=server -f "$tmp/$name.yaml" >"$tmp/$name.out" 2>&1 \
    || { cat "$tmp/$name.out"; fail "kubectl apply --dry-run=server refused the $name rendering"; }
  if grep -qi warning "$tmp/$name.out"; then cat "$tmp/$name.out"; fail "dry run of $name printed warnings"; fi
}
dry defaults
dry one-namespace --set watchNamespace=apps --set prometheusUrl=http://prometheus.monitoring:9090
grep -q -- '--namespace=apps' "$tmp/one-namespace.yaml" || fail "watchNamespace did not reach --namespace"
grep -q '^kind: ClusterRole$' "$tmp/one-namespace.yaml" && fail "watchNamespace=apps still renders a ClusterRole"
dry models --set models.create=true --set "models.binaryData.m\.safetensors=$(base64 -w0 "$root/models/default/teastore.safetensors")"
dry single --set replicaCount=1 --set leaderElection.enabled=false --set logFormat=text
grep -q -- '--leader-elect' "$tmp/single.yaml" && fail "leaderElection.enabled=false still passes --leader-elect"

# A real install (release pp in pp-system: testenv already owns podpilot-system/podpilot-operator).
h install pp "$chart" -n pp-system --create-namespace --wait --timeout 120s \
  --set watchNamespace=apps >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; k get pods -n pp-system; fail "helm install"; }
grep -q "Watching: namespace apps" "$tmp/install.log" || { cat "$tmp/install.log"; fail "NOTES.txt not shown"; }
ready=$(k get deployment pp-operator -n pp-system -o jsonpath='{.status.readyReplicas}')
[ "$ready" = 2 ] || fail "helm release: expected 2 ready replicas, got '$ready'"
sa=system:serviceaccount:pp-system:pp-operator
ask() { k auth can-i "$@" --as=$sa 2>/dev/null || true; }
[ "$(ask patch deployments.apps --subresource=scale -n apps)" = yes ] || fail "pp-operator cannot scale in apps"
[ "$(ask list podpilotautoscalers.autoscaling.podpilot.dev -n apps)" = yes ] || fail "pp-operator cannot list ppa in apps"
[ "$(ask update leases.coordination.k8s.io -n pp-system)" = yes ] || fail "pp-operator cannot update its Lease"
[ "$(ask patch deployments.apps --subresource=scale -n default)" = no ] || fail "pp-operator can scale outside apps"
[ "$(ask get secrets -n apps)" = no ] || fail "pp-operator can read secrets"
h uninstall pp -n pp-system --wait --timeout 60s >/dev/null || fail "helm uninstall"
[ -z "$(k get clusterrole,role,rolebinding,deployment,service -A -l app.kubernetes.io/instance=pp -o name)" ] \
  || fail "helm uninstall left objects behind"

echo "PASS: helm $("$helm" version --short) lint --strict x2, CRD copy, RBAC and Deployment match deploy/, ServiceMonitor selects the Service, 5 bad values refused, 4 renderings pass server dry-run, install --wait 2/2 Ready with namespaced RBAC, uninstall clean"
