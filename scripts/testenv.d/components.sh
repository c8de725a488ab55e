# How `scripts/testenv up` starts and checks each component. Sourced, not run. Every component
# listens on 127.0.0.1 only, logs to $STATE_DIR/logs/NAME.log and is recorded in
# $STATE_DIR/pids/NAME.pid; every wait is bounded by $READY_TIMEOUT seconds.
# shellcheck shell=bash

# Stopped in this order by teardown (reverse start order).
COMPONENTS=(prometheus metrics-server kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

# start_component NAME BINARY ARGS...: runs BINARY detached in its own session (so it outlives this
# script and can be stopped as a process group), stdin closed, output to its log.
start_component() {
  local name=$1 bin=$2
  shift 2
  setsid "$bin" "$@" >"$STATE_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/pids/$name.pid"
  STARTED_AT[$name]=$(now_s)
}

component_pid() { cat "$STATE_DIR/pids/$1.pid" 2>/dev/null || true; }

# fail_component NAME MESSAGE: prints the last lines of NAME's log and fails `up` (whose EXIT
# trap tears everything down).
fail_component() {
  local name=$1 msg=$2
  echo "----- last 40 lines of $STATE_DIR/logs/$name.log -----" >&2
  tail -n 40 "$STATE_DIR/logs/$name.log" >&2 2>/dev/null || true
  echo "-----" >&2
  die "$name: $msg"
}

# await NAME DESCRIPTION CMD...: polls CMD until it succeeds; fails early when NAME's process exits
# and after ${AWAIT_TIMEOUT:-$READY_TIMEOUT} seconds.
await() {
  local name=$1 what=$2 pid deadline timeout=${AWAIT_TIMEOUT:-$READY_TIMEOUT}
  shift 2
  pid=$(component_pid "$name")
  deadline=$(( $(now_s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$pid" || fail_component "$name" "exited before $what"
    (( $(now_s) < deadline )) || fail_component "$name" "not $what after ${timeout}s"
    sleep 0.5
  done
  log "$name: $what after $(( $(now_s) - ${STARTED_AT[$name]} ))s"
}

# Probes. curl bounds each request with --max-time so a hung socket cannot stall a wait loop.
CURL=(curl -fsS --max-time 3)
admin_curl() { "${CURL[@]}" --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"; }
kubectl_admin() { "$K8S_BIN_DIR/kubectl" --kubeconfig "$STATE_DIR/admin.kubeconfig" --request-timeout=10s "$@"; }

start_etcd() {
  start_component etcd "$ETCD_BIN" \
    --name=testenv --data-dir="$STATE_DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="testenv=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=1073741824 --log-level=warn
  await etcd "healthy" "${CURL[@]}" "http://127.0.0.1:$ETCD_PORT/health"
}

# Flags follow controller-runtime's envtest (RBAC, 127.0.0.1, service-account issuer on the secure
# URL) plus the front-proxy settings the aggregator needs to reach metrics-server. The advertised
# address is loopback, which Endpoints may not hold, so the `kubernetes` Service has no endpoint
# reconciler (nothing runs in a pod here to use it).
start_apiserver() {
  start_component kube-apiserver "$K8S_BIN_DIR/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/serving.crt" --tls-private-key-file="$PKI/serving.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer="https://127.0.0.1:$APISERVER_PORT/" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --authorization-mode=RBAC --allow-privileged=true \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --profiling=false
  await kube-apiserver "ready (/readyz)" admin_curl "https://127.0.0.1:$APISERVER_PORT/readyz"
}

start_controller_manager() {
  local controllers='*,-horizontalpodautoscaling'
  [[ "$HPA" == 1 ]] && controllers='*'
  start_component kube-controller-manager "$K8S_BIN_DIR/kube-controller-manager" \
    --kubeconfig="$STATE_DIR/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
    --tls-cert-file="$PKI/serving.crt" --tls-private-key-file="$PKI/serving.key" \
    --leader-elect=false --controllers="$controllers" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --use-service-account-credentials=false --profiling=false
}

start_scheduler() {
  start_component kube-scheduler "$K8S_BIN_DIR/kube-scheduler" \
    --kubeconfig="$STATE_DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" \
    --tls-cert-file="$PKI/serving.crt" --tls-private-key-file="$PKI/serving.key" \
    --leader-elect=false --profiling=false
}

# write_kwok_metrics_config: KWOK's kubelet /metrics/resource emulation, with one change: upstream
# reports a node's usage as the sum of its pods', so an idle node reports 0 CPU and 0 memory, which
# metrics-server discards as a broken scrape (node metrics and its /readyz then never appear). A
# real node always carries system daemons, so each node gets a constant overhead of
# $NODE_OVERHEAD_CPU cores and $NODE_OVERHEAD_MEMORY bytes on top of its pods. Pod and container
# series are upstream's unchanged.
write_kwok_metrics_config() {
  local src="$KWOK_STAGE_DIR/metrics-resource.yaml" dst="$STATE_DIR/kwok/metrics-resource.yaml"
  mkdir -p "$STATE_DIR/kwok"
  sed -e "s|value: 'node.CumulativeUsage(\"cpu\")'|value: 'node.CumulativeUsage(\"cpu\") + node.SinceSecond() * $NODE_OVERHEAD_CPU'|" \
      -e "s|value: 'node.Usage(\"memory\")'|value: 'node.Usage(\"memory\") + $NODE_OVERHEAD_MEMORY.0'|" \
      "$src" >"$dst"
  [[ $(grep -c -e 'SinceSecond() \*' -e "$NODE_OVERHEAD_MEMORY.0'" "$dst") == 2 ]] ||
    die "$src: node usage expressions not found (KWOK $KWOK_VERSION changed them?); cannot add the node overhead"
}

# KWOK plays the kubelet of every node annotated kwok.x-k8s.io/node=fake: node heartbeats with
# leases (--node-lease-duration-seconds has no default outside kwokctl: without it KWOK keeps no
# leases, the node-heartbeat-with-lease stage refreshes status only every ~10 min, and the node
# lifecycle controller marks the nodes NotReady after its 50 s grace period), pods to Running/Ready, and per-node resource metrics (usage from pod annotations
# kwok.x-k8s.io/usage-cpu / usage-memory) on its server, which serves TLS with the testenv cert.
start_kwok() {
  local configs=() f
  for f in node-initialize node-heartbeat-with-lease pod-ready pod-complete pod-delete \
           usage-from-annotation metrics-resource; do
    [[ -f "$KWOK_STAGE_DIR/$f.yaml" ]] || die "missing KWOK stage file $KWOK_STAGE_DIR/$f.yaml: run scripts/testenv build"
    [[ $f == metrics-resource ]] || configs+=("--config=$KWOK_STAGE_DIR/$f.yaml")
  done
  write_kwok_metrics_config
  configs+=("--config=$STATE_DIR/kwok/metrics-resource.yaml")
  start_component kwok "$KWOK_BIN" "${configs[@]}" \
    --kubeconfig="$STATE_DIR/kwok.kubeconfig" \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$PKI/serving.crt" --tls-private-key-file="$PKI/serving.key" \
    --cidr=10.244.0.0/16 --node-lease-duration-seconds=40
  await kwok "healthy" "${CURL[@]}" --cacert "$PKI/ca.crt" "https://127.0.0.1:$KWOK_PORT/healthz"
}

create_nodes() {
  local i name manifest=""
  for (( i = 0; i < NODES; i++ )); do
    name="kwok-node-$i"
    NODE_NAMES+=("$name")
    manifest+=$(sed -e "s/@NAME@/$name/g" -e "s/@CPU@/$NODE_CPU/g" -e "s/@MEMORY@/$NODE_MEMORY/g" \
      -e "s/@PODS@/$NODE_PODS/g" -e "s/@KWOK_PORT@/$KWOK_PORT/g" "$TESTENV_D/kwok-node.yaml.in")
    manifest+=$'\n---\n'
  done
  printf '%s' "$manifest" | kubectl_admin apply -f - >/dev/null ||
    fail_component kwok "could not create the KWOK nodes"
  STARTED_AT["kwok"]=$(now_s)
  await kwok "made $NODES nodes Ready" kubectl_admin wait --for=condition=Ready node -l type=kwok --timeout=2s
  # Leases keep the nodes Ready past the node lifecycle controller's grace period.
  await kwok "holding $NODES node leases" node_leases_held
}

node_leases_held() {
  [[ $(kubectl_admin get leases -n kube-node-lease -o name | grep -c '/kwok-node-') == "$NODES" ]]
}

metrics_api_serves_nodes() {
  kubectl_admin get --raw /apis/metrics.k8s.io/v1beta1/nodes | grep -q '"usage"'
}

start_metrics_server() {
  start_component metrics-server "$METRICS_SERVER_BIN" \
    --kubeconfig="$STATE_DIR/metrics-server.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/metrics-server.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/metrics-server.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$METRICS_SERVER_PORT" \
    --tls-cert-file="$PKI/serving.crt" --tls-private-key-file="$PKI/serving.key" \
    --kubelet-preferred-address-types=InternalIP --kubelet-use-node-status-port \
    --kubelet-certificate-authority="$PKI/ca.crt" --metric-resolution=15s --profiling=false
  sed -e "s/@PORT@/$METRICS_SERVER_PORT/g" -e "s/@CA_BUNDLE@/$(base64 -w0 <"$PKI/ca.crt")/" \
    "$TESTENV_D/metrics-server-apiservice.yaml.in" | kubectl_admin apply -f - >/dev/null ||
    fail_component metrics-server "could not register the v1beta1.metrics.k8s.io APIService"
  await metrics-server "healthy" "${CURL[@]}" --cacert "$PKI/ca.crt" "https://127.0.0.1:$METRICS_SERVER_PORT/livez"
  # Node CPU is a rate, so the API answers after two scrapes (two --metric-resolution periods).
  AWAIT_TIMEOUT=$METRICS_TIMEOUT await metrics-server "serving node metrics through the aggregator" metrics_api_serves_nodes
}

# write_prometheus_config: scrape jobs for every component, KWOK's per-node kubelet resource
# endpoints (cAdvisor-style container_cpu_usage_seconds_total, ...) and a file_sd job that tests fill
# by dropping target files into $PROM_TARGETS_DIR (read every 5 s; no restart needed).
write_prometheus_config() {
  local tls_admin name
  tls_admin="    tls_config: {ca_file: '$PKI/ca.crt', cert_file: '$PKI/admin.crt', key_file: '$PKI/admin.key'}"
  mkdir -p "$PROM_TARGETS_DIR" "$STATE_DIR/prometheus/data"
  {
    echo "# Generated by scripts/testenv up."
    echo "global: {scrape_interval: $SCRAPE_INTERVAL, evaluation_interval: $SCRAPE_INTERVAL}"
    echo "scrape_configs:"
    echo "  - job_name: prometheus"
    echo "    static_configs: [{targets: ['127.0.0.1:$PROMETHEUS_PORT']}]"
    echo "  - job_name: etcd"
    echo "    static_configs: [{targets: ['127.0.0.1:$ETCD_PORT']}]"
    for name in kube-apiserver:$APISERVER_PORT kube-controller-manager:$KCM_PORT kube-scheduler:$SCHEDULER_PORT; do
      echo "  - job_name: ${name%%:*}"
      echo "    scheme: https"
      echo "$tls_admin"
      echo "    static_configs: [{targets: ['127.0.0.1:${name#*:}']}]"
    done
    echo "  - job_name: kubelet-resource"
    echo "    scheme: https"
    echo "    tls_config: {ca_file: '$PKI/ca.crt'}"
    echo "    static_configs:"
    for name in "${NODE_NAMES[@]}"; do
      echo "      - targets: ['127.0.0.1:$KWOK_PORT']"
      echo "        labels: {node: '$name', __metrics_path__: '/metrics/nodes/$name/metrics/resource'}"
    done
    echo "  - job_name: podpilot"
    echo "    file_sd_configs:"
    echo "      - files: ['$PROM_TARGETS_DIR/*.json', '$PROM_TARGETS_DIR/*.yaml', '$PROM_TARGETS_DIR/*.yml']"
    echo "        refresh_interval: 5s"
  } >"$STATE_DIR/prometheus/prometheus.yml"
}

start_prometheus() {
  write_prometheus_config
  start_component prometheus "$PROMETHEUS_BIN" \
    --config.file="$STATE_DIR/prometheus/prometheus.yml" \
    --storage.tsdb.path="$STATE_DIR/prometheus/data" --storage.tsdb.retention.time=1d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle --log.level=warn
  await prometheus "ready" "${CURL[@]}" "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
}

# ensure_prometheus: installs Debian's prometheus package when it is missing. Debian would start
# the packaged service on 0.0.0.0:9090 from its postinst; a policy-rc.d that refuses (the Debian
# mechanism for exactly this) is put in place for the install if none exists.
ensure_prometheus() {
  PROMETHEUS_BIN=${PODPILOT_TESTENV_PROMETHEUS_BIN:-$(command -v prometheus || true)}
  [[ -n "$PROMETHEUS_BIN" ]] && return
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  [[ -z "$sudo" ]] || command -v sudo >/dev/null || die "prometheus is missing and installing it needs root: apt-get install prometheus"
  log "installing Debian package prometheus"
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends prometheus \
    >"$STATE_DIR/logs/apt-prometheus.log" 2>&1 ||
    { $sudo apt-get update -q >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends prometheus \
        >>"$STATE_DIR/logs/apt-prometheus.log" 2>&1; } || rc=$?
  (( made_policy )) && $sudo rm -f /usr/sbin/policy-rc.d
  (( rc == 0 )) || { tail -n 20 "$STATE_DIR/logs/apt-prometheus.log" >&2; die "apt-get install prometheus failed"; }
  PROMETHEUS_BIN=$(command -v prometheus) || die "prometheus installed but not on PATH"
}

# setup_operator_identity: RBAC for the operator's ServiceAccount, a TokenRequest token in a
# kubeconfig of its own, and a check that the role allows what it must and nothing more.
setup_operator_identity() {
  kubectl_admin apply -k "$TESTENV_D/../../deploy/rbac" >/dev/null ||
    die "could not apply deploy/rbac (the operator's shipped RBAC)"
  local token
  token=$(kubectl_admin create token podpilot-operator -n podpilot-system --duration=24h) ||
    die "TokenRequest for podpilot-system/podpilot-operator failed"
  write_token_kubeconfig "$STATE_DIR/operator.kubeconfig" podpilot-operator "$token" podpilot-system
  local k=("$K8S_BIN_DIR/kubectl" --kubeconfig "$STATE_DIR/operator.kubeconfig" --request-timeout=10s)
  [[ $("${k[@]}" auth can-i patch deployments --subresource=scale -n default 2>/dev/null) == yes ]] ||
    die "operator identity cannot patch deployments/scale (RBAC not in effect?)"
  [[ $("${k[@]}" auth can-i get secrets -n default 2>/dev/null || true) == no ]] ||
    die "operator identity can read secrets: RBAC is broader than intended"
  log "operator identity: podpilot-system/podpilot-operator (token kubeconfig $STATE_DIR/operator.kubeconfig)"
}
