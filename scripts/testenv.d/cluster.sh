# `scripts/testenv up|down|env|status|kubectl`: the lifecycle of one test environment, whose state
# (PKI, kubeconfigs, etcd and Prometheus data, logs, pids, env file) lives in $STATE_DIR. Sourced.
# shellcheck shell=bash

# shellcheck source=scripts/testenv.d/components.sh
source "$TESTENV_D/components.sh"

MARKER=.podpilot-testenv     # present in every state dir this script made; guards `rm -rf`
declare -A STARTED_AT=()
NODE_NAMES=()

set_state_paths() {
  PKI="$STATE_DIR/pki"
  PROM_TARGETS_DIR="$STATE_DIR/prometheus/targets"
}

# load_state: reads the ports and settings `up` recorded (no-op when there is no state file).
load_state() {
  set_state_paths
  if [[ -f "$STATE_DIR/state" ]]; then
    # shellcheck disable=SC1091
    source "$STATE_DIR/state"
  fi
}

check_binaries() {
  local b missing=()
  for b in "$ETCD_BIN" "$K8S_BIN_DIR/kube-apiserver" "$K8S_BIN_DIR/kube-controller-manager" \
           "$K8S_BIN_DIR/kube-scheduler" "$K8S_BIN_DIR/kubectl" "$KWOK_BIN" "$METRICS_SERVER_BIN"; do
    [[ -x "$b" ]] || missing+=("$b")
  done
  (( ${#missing[@]} == 0 )) ||
    die "not built: ${missing[*]}; run 'scripts/testenv build' first (a cold build takes tens of minutes)"
}

# running_components: names of recorded components whose process is still alive and is ours.
running_components() {
  local name pid
  for name in "${COMPONENTS[@]}"; do
    pid=$(component_pid "$name")
    if [[ -n "$pid" ]] && pid_alive "$pid" && pid_cmdline_has "$pid" "$STATE_DIR/"; then
      echo "$name"
    fi
  done
}

# stop_all: stops every recorded component (reverse start order) and forgets its pid.
stop_all() {
  local name pid
  for name in "${COMPONENTS[@]}"; do
    pid=$(component_pid "$name")
    [[ -n "$pid" ]] || continue
    if pid_alive "$pid"; then
      if pid_cmdline_has "$pid" "$STATE_DIR/"; then
        stop_group "$pid" 10
      else
        warn "$name: pid $pid is no longer ours (reused); not touching it"
      fi
    fi
    rm -f "$STATE_DIR/pids/$name.pid"
  done
}

# remove_state: deletes the state dir, but only one that this script made.
remove_state() {
  [[ -d "$STATE_DIR" ]] || return 0
  [[ -f "$STATE_DIR/$MARKER" ]] || die "$STATE_DIR has no $MARKER file: not removing a directory testenv did not create"
  rm -rf -- "$STATE_DIR"
}

# on_up_exit: EXIT trap of `up`. On failure, stop whatever was started and drop the data, keeping
# only the logs for diagnosis.
on_up_exit() {
  local rc=$?
  [[ "$UP_DONE" == 1 ]] && return
  warn "up failed; tearing down"
  stop_all
  if [[ -f "$STATE_DIR/$MARKER" ]]; then
    rm -rf -- "$STATE_DIR/etcd" "$STATE_DIR/prometheus" "$STATE_DIR/pki" "$STATE_DIR/kwok" "$STATE_DIR"/*.kubeconfig \
      "$STATE_DIR/env" "$STATE_DIR/state"
    warn "logs kept in $STATE_DIR/logs ('scripts/testenv down' removes them)"
  fi
  exit "$rc"
}

write_state_and_env() {
  {
    local v
    for v in ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT \
             METRICS_SERVER_PORT PROMETHEUS_PORT HPA; do
      printf '%s=%q\n' "$v" "${!v}"
    done
    printf 'NODE_NAMES=(%s)\n' "${NODE_NAMES[*]}"
  } >"$STATE_DIR/state"
  {
    echo "# podpilot testenv; load with: eval \"\$(scripts/testenv env --dir $STATE_DIR)\""
    printf 'export PODPILOT_TESTENV_DIR=%q\n' "$STATE_DIR"
    printf 'export KUBECONFIG=%q\n' "$STATE_DIR/admin.kubeconfig"
    printf 'export PODPILOT_TESTENV_ADMIN_KUBECONFIG=%q\n' "$STATE_DIR/admin.kubeconfig"
    printf 'export PODPILOT_TESTENV_OPERATOR_KUBECONFIG=%q\n' "$STATE_DIR/operator.kubeconfig"
    printf 'export PODPILOT_TESTENV_API_URL=%q\n' "https://127.0.0.1:$APISERVER_PORT"
    printf 'export PODPILOT_TESTENV_CA_FILE=%q\n' "$PKI/ca.crt"
    printf 'export PODPILOT_TESTENV_PROMETHEUS_URL=%q\n' "http://127.0.0.1:$PROMETHEUS_PORT"
    printf 'export PODPILOT_TESTENV_PROMETHEUS_TARGETS_DIR=%q\n' "$PROM_TARGETS_DIR"
    printf 'export PODPILOT_TESTENV_ETCD_PORT=%q\n' "$ETCD_PORT"
    printf 'export PODPILOT_TESTENV_APISERVER_PORT=%q\n' "$APISERVER_PORT"
    printf 'export PODPILOT_TESTENV_CONTROLLER_MANAGER_PORT=%q\n' "$KCM_PORT"
    printf 'export PODPILOT_TESTENV_SCHEDULER_PORT=%q\n' "$SCHEDULER_PORT"
    printf 'export PODPILOT_TESTENV_KWOK_PORT=%q\n' "$KWOK_PORT"
    printf 'export PODPILOT_TESTENV_METRICS_SERVER_PORT=%q\n' "$METRICS_SERVER_PORT"
    printf 'export PODPILOT_TESTENV_PROMETHEUS_PORT=%q\n' "$PROMETHEUS_PORT"
    printf 'export PODPILOT_TESTENV_NODES=%q\n' "${NODE_NAMES[*]}"
    printf 'export PODPILOT_TESTENV_HPA=%q\n' "$HPA"
    printf 'export PATH=%q:"$PATH"\n' "$K8S_BIN_DIR"
  } >"$STATE_DIR/env"
}

cmd_up() {
  [[ $# -eq 0 ]] || die "up: unexpected arguments: $*"
  NODES=${PODPILOT_TESTENV_NODES:-3}
  NODE_CPU=${PODPILOT_TESTENV_NODE_CPU:-4}
  NODE_MEMORY=${PODPILOT_TESTENV_NODE_MEMORY:-16Gi}
  NODE_PODS=${PODPILOT_TESTENV_NODE_PODS:-110}
  HPA=${PODPILOT_TESTENV_HPA:-0}
  NODE_OVERHEAD_CPU=0.05                 # cores used by a node's system daemons (see components.sh)
  NODE_OVERHEAD_MEMORY=$(( 256 << 20 ))  # bytes
  SCRAPE_INTERVAL=${PODPILOT_TESTENV_SCRAPE_INTERVAL:-15s}
  READY_TIMEOUT=${PODPILOT_TESTENV_TIMEOUT:-60}
  [[ "$READY_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "PODPILOT_TESTENV_TIMEOUT must be seconds, got '$READY_TIMEOUT'"
  METRICS_TIMEOUT=$(( READY_TIMEOUT > 120 ? READY_TIMEOUT : 120 ))
  [[ "$NODES" =~ ^[1-9][0-9]*$ ]] || die "PODPILOT_TESTENV_NODES must be a positive integer, got '$NODES'"
  [[ "$HPA" =~ ^[01]$ ]] || die "PODPILOT_TESTENV_HPA must be 0 or 1, got '$HPA'"
  check_binaries
  require_cmd curl "apt-get install curl"
  require_cmd python3 "apt-get install python3"
  set_state_paths

  if [[ -e "$STATE_DIR" ]]; then
    [[ -f "$STATE_DIR/$MARKER" ]] ||
      die "$STATE_DIR exists and was not made by testenv; choose another --dir"
    local running n_running
    running=$(running_components)
    n_running=$(grep -c . <<<"$running" || true)
    if (( n_running == ${#COMPONENTS[@]} )) && [[ -f "$STATE_DIR/env" ]]; then
      log "already up in $STATE_DIR (all ${#COMPONENTS[@]} components running); env: $STATE_DIR/env"
      return 0
    fi
    warn "$STATE_DIR holds a partial environment ($n_running of ${#COMPONENTS[@]} running); restarting it"
    stop_all
    remove_state
  fi

  local t0
  t0=$(now_s)
  UP_DONE=0
  trap on_up_exit EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$STATE_DIR/logs" "$STATE_DIR/pids"
  touch "$STATE_DIR/$MARKER"
  ensure_prometheus

  local ports
  mapfile -t ports < <(free_ports 8)
  (( ${#ports[@]} == 8 )) || die "could not find free ports on 127.0.0.1"
  ETCD_PORT=${ports[0]} ETCD_PEER_PORT=${ports[1]} APISERVER_PORT=${ports[2]} KCM_PORT=${ports[3]}
  SCHEDULER_PORT=${ports[4]} KWOK_PORT=${ports[5]} METRICS_SERVER_PORT=${ports[6]} PROMETHEUS_PORT=${ports[7]}

  make_pki
  local who
  for who in admin kube-controller-manager kube-scheduler kwok metrics-server; do
    write_kubeconfig "$STATE_DIR/$who.kubeconfig" "$who"
  done
  log "PKI and kubeconfigs in $STATE_DIR ($(( $(now_s) - t0 ))s)"

  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  await kube-controller-manager "healthy" "${CURL[@]}" --cacert "$PKI/ca.crt" "https://127.0.0.1:$KCM_PORT/healthz"
  await kube-scheduler "healthy" "${CURL[@]}" --cacert "$PKI/ca.crt" "https://127.0.0.1:$SCHEDULER_PORT/healthz"
  start_kwok
  create_nodes
  start_metrics_server
  start_prometheus
  setup_operator_identity
  write_state_and_env
  UP_DONE=1
  trap - EXIT INT TERM
  log "up in $(( $(now_s) - t0 ))s: API https://127.0.0.1:$APISERVER_PORT, Prometheus http://127.0.0.1:$PROMETHEUS_PORT, nodes: ${NODE_NAMES[*]}, HPA controller: $([[ $HPA == 1 ]] && echo on || echo off)"
  log "load the environment with: eval \"\$(scripts/testenv env --dir $STATE_DIR)\""
}

cmd_down() {
  [[ $# -eq 0 ]] || die "down: unexpected arguments: $*"
  if [[ ! -e "$STATE_DIR" ]]; then
    log "nothing to stop: $STATE_DIR does not exist"
    return 0
  fi
  [[ -f "$STATE_DIR/$MARKER" ]] || die "$STATE_DIR was not made by testenv; not touching it"
  load_state
  stop_all
  remove_state
  log "stopped; removed $STATE_DIR"
}

cmd_env() {
  [[ $# -eq 0 ]] || die "env: unexpected arguments: $*"
  [[ -f "$STATE_DIR/env" ]] || die "no environment in $STATE_DIR: run 'scripts/testenv up' first"
  cat "$STATE_DIR/env"
}

cmd_status() {
  [[ $# -eq 0 ]] || die "status: unexpected arguments: $*"
  if [[ ! -f "$STATE_DIR/state" ]]; then
    echo "testenv: not up ($STATE_DIR has no environment)"
    return 3
  fi
  load_state
  local name pid port health ok=0 url
  printf '%-24s %-8s %-7s %-8s %s\n' component pid port health url
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok metrics-server prometheus; do
    pid=$(component_pid "$name")
    case $name in
      etcd) port=$ETCD_PORT; url="http://127.0.0.1:$port/health" ;;
      kube-apiserver) port=$APISERVER_PORT; url="https://127.0.0.1:$port/readyz" ;;
      kube-controller-manager) port=$KCM_PORT; url="https://127.0.0.1:$port/healthz" ;;
      kube-scheduler) port=$SCHEDULER_PORT; url="https://127.0.0.1:$port/healthz" ;;
      kwok) port=$KWOK_PORT; url="https://127.0.0.1:$port/healthz" ;;
      # Its own /readyz stays false while the cluster has no pods; probe the aggregated API.
      metrics-server) port=$METRICS_SERVER_PORT; url="https://127.0.0.1:$APISERVER_PORT/apis/metrics.k8s.io/v1beta1/nodes" ;;
      prometheus) port=$PROMETHEUS_PORT; url="http://127.0.0.1:$port/-/ready" ;;
    esac
    if ! { [[ -n "$pid" ]] && pid_alive "$pid"; }; then
      health=dead; ok=1
    elif curl -fsS --max-time 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$url" >/dev/null 2>&1; then
      health=ok
    else
      health=unhealthy; ok=1
    fi
    printf '%-24s %-8s %-7s %-8s %s\n' "$name" "${pid:--}" "$port" "$health" "$url"
  done
  echo "nodes: ${NODE_NAMES[*]}; HPA controller: $([[ $HPA == 1 ]] && echo on || echo off); state: $STATE_DIR"
  return $ok
}

cmd_kubectl() {
  [[ -f "$STATE_DIR/admin.kubeconfig" ]] || die "no environment in $STATE_DIR: run 'scripts/testenv up' first"
  exec "$K8S_BIN_DIR/kubectl" --kubeconfig "$STATE_DIR/admin.kubeconfig" "$@"
}

# Fault injection for tests: `stop NAME` stops one running component (the others keep running);
# `start NAME` starts it again on the same ports with the same certificates and data.
# Restartable: kube-apiserver (etcd keeps the state) and prometheus (its TSDB is kept).
RESTARTABLE=(kube-apiserver prometheus)
check_restartable() {
  local n
  for n in "${RESTARTABLE[@]}"; do [[ "$1" == "$n" ]] && return 0; done
  die "$1 cannot be stopped and started on its own (can: ${RESTARTABLE[*]})"
}

cmd_stop() {
  [[ $# -eq 1 ]] || die "stop: want one component name"
  check_restartable "$1"
  [[ -f "$STATE_DIR/$MARKER" ]] || die "no environment in $STATE_DIR"
  load_state
  local pid
  pid=$(component_pid "$1")
  if [[ -n "$pid" ]] && pid_alive "$pid" && pid_cmdline_has "$pid" "$STATE_DIR/"; then
    stop_group "$pid" 10
    log "$1 stopped"
  else
    log "$1 was not running"
  fi
}

cmd_start() {
  [[ $# -eq 1 ]] || die "start: want one component name"
  check_restartable "$1"
  [[ -f "$STATE_DIR/$MARKER" ]] || die "no environment in $STATE_DIR"
  load_state
  READY_TIMEOUT=${PODPILOT_TESTENV_TIMEOUT:-60}
  SCRAPE_INTERVAL=${PODPILOT_TESTENV_SCRAPE_INTERVAL:-15s}
  [[ " $(running_components | tr '\n' ' ') " != *" $1 "* ]] || { log "$1 is already running"; return 0; }
  case "$1" in
    kube-apiserver) start_apiserver ;;
    prometheus) ensure_prometheus; start_prometheus ;;
  esac
}
