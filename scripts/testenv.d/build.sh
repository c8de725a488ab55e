# `scripts/testenv build`: builds etcd, the Kubernetes control-plane binaries and kubectl, KWOK and
# metrics-server from their Go modules and caches them outside the repository, one directory per
# component and version. Sourced by scripts/testenv, which sets the version pins and paths.
# shellcheck shell=bash

# The machine has 2 cores shared with other engineers' C++ builds: every Go command runs at the
# lowest priority, one binary at a time, and by default one package at a time. TESTENV_GO_JOBS=N
# lets Go compile N packages at once: at nice 19 that only takes what the other work leaves
# idle, so CI (a machine of its own) sets it to the core count.
GO_JOBS=${TESTENV_GO_JOBS:-1}
[[ "$GO_JOBS" =~ ^[1-9][0-9]*$ ]] || die "TESTENV_GO_JOBS=$GO_JOBS: expected a positive whole number"
go_env() {
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOMAXPROCS=$GO_JOBS
  export GOFLAGS=-buildvcs=false
  export GOCACHE="$CACHE_ROOT/go-build"
  mkdir -p "$GOCACHE"
}

BUILD_PGID=""
BUILD_STEP_NAMES=()
BUILD_STEP_SECONDS=()
BUILD_STEP_STATE=()

# kill_build: ends the Go command running in the background, if any (trap on INT/TERM/EXIT).
kill_build() {
  if [[ -n "$BUILD_PGID" ]] && pid_alive "$BUILD_PGID"; then
    warn "stopping build process group $BUILD_PGID"
    stop_group "$BUILD_PGID" 5
  fi
  BUILD_PGID=""
}

# run_logged DESC DIR LOG -- CMD...: runs CMD in DIR under `nice -n 19`, in the background in its own
# process group with all output in LOG, and polls it. Prints a progress line every 60 s. Fails
# (with the log's tail) when CMD fails or runs past TESTENV_BUILD_TIMEOUT seconds.
run_logged() {
  local desc=$1 dir=$2 logf=$3
  shift 4
  local timeout=${TESTENV_BUILD_TIMEOUT:-7200}
  local start rc next_report
  start=$(now_s)
  next_report=$(( start + 60 ))
  {
    printf '# %s\n# in %s\n# %s\n' "$desc" "$dir" "$*"
  } >"$logf"
  (cd "$dir" && exec setsid nice -n 19 "$@") >>"$logf" 2>&1 </dev/null &
  BUILD_PGID=$!
  log "$desc (log: $logf)"
  while pid_alive "$BUILD_PGID"; do
    sleep 2
    if (( $(now_s) - start > timeout )); then
      kill_build
      tail -n 30 "$logf" >&2 || true
      die "$desc: still running after ${timeout}s (TESTENV_BUILD_TIMEOUT); stopped it"
    fi
    if (( $(now_s) >= next_report )); then
      log "  ... $desc: $(( $(now_s) - start ))s so far"
      next_report=$(( next_report + 60 ))
    fi
  done
  rc=0
  wait "$BUILD_PGID" || rc=$?
  BUILD_PGID=""
  if (( rc != 0 )); then
    tail -n 40 "$logf" >&2 || true
    die "$desc failed with exit code $rc (full log: $logf)"
  fi
  log "  done in $(( $(now_s) - start ))s"
}

# record_step NAME STATE SECONDS: remembers one line of the timing summary.
record_step() {
  BUILD_STEP_NAMES+=("$1"); BUILD_STEP_STATE+=("$2"); BUILD_STEP_SECONDS+=("$3")
}

# module_json_field MODULE@VERSION FIELD: downloads the module through the proxy (checked against the
# checksum database) and prints one field of `go mod download -json` (Dir, GoMod, ...).
module_json_field() {
  local json
  json=$(cd "$CACHE_ROOT" && go mod download -json "$1") ||
    die "go mod download $1 failed: $(printf '%s' "$json" | grep '"Error"' || true)"
  printf '%s\n' "$json" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}$/\1/p" | head -n 1
}

# prepare_wrapper DIR: makes DIR a wrapper module whose go.mod is stdin (the rendered template).
# `go get` then adds requirements to go.mod and go.sum and the marker DIR/.resolved; the rendered
# template is kept in DIR/go.mod.rendered so that a changed pin (not go get's additions) starts
# the module afresh.
prepare_wrapper() {
  local dir=$1 tmp
  mkdir -p "$dir"
  tmp=$(mktemp)
  cat >"$tmp"
  if [[ -f "$dir/go.mod.rendered" ]] && cmp -s "$tmp" "$dir/go.mod.rendered" && [[ -f "$dir/go.mod" ]]; then
    rm -f "$tmp"
    return
  fi
  rm -f "$dir/go.sum" "$dir/.resolved"
  cp "$tmp" "$dir/go.mod"
  mv "$tmp" "$dir/go.mod.rendered"
}

# build_binary NAME OUT DIR LDFLAGS PACKAGE: `go build` of PACKAGE inside the wrapper module DIR into
# OUT (atomically: a half-written binary never looks cached).
build_binary() {
  local name=$1 out=$2 dir=$3 ldflags=$4 pkg=$5 t0
  if [[ -x "$out" ]]; then
    record_step "$name" cached 0
    return
  fi
  t0=$(now_s)
  mkdir -p "$(dirname "$out")"
  run_logged "go build $name" "$dir" "$LOG_DIR/build-$name.log" -- \
    go build -p "$GO_JOBS" -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg"
  mv -f "$out.tmp" "$out"
  record_step "$name" built $(( $(now_s) - t0 ))
  echo "$(( $(now_s) - t0 ))" >"$out.build-seconds"
}

# install_binary NAME OUT LDFLAGS PACKAGE@VERSION: `go install pkg@version` (for modules without
# replace directives, so no wrapper module is needed) into OUT.
install_binary() {
  local name=$1 out=$2 ldflags=$3 pkgver=$4 t0 gobin
  if [[ -x "$out" ]]; then
    record_step "$name" cached 0
    return
  fi
  t0=$(now_s)
  gobin="$CACHE_ROOT/tmp-gobin-$name"
  rm -rf "$gobin"; mkdir -p "$gobin" "$(dirname "$out")"
  run_logged "go install $pkgver" "$CACHE_ROOT" "$LOG_DIR/build-$name.log" -- \
    env GOBIN="$gobin" go install -p "$GO_JOBS" -trimpath -ldflags "$ldflags" "$pkgver"
  mv -f "$gobin/$name" "$out"
  rm -rf "$gobin"
  record_step "$name" built $(( $(now_s) - t0 ))
  echo "$(( $(now_s) - t0 ))" >"$out.build-seconds"
}

build_etcd() {
  local mod="$CACHE_ROOT/src/etcd-$ETCD_VERSION"
  [[ -x "$ETCD_BIN" ]] && { record_step etcd cached 0; return; }
  sed "s/@ETCD_VERSION@/$ETCD_VERSION/g" "$TESTENV_D/etcd.go.mod.in" | prepare_wrapper "$mod"
  if [[ ! -f "$mod/.resolved" ]]; then
    run_logged "resolve etcd $ETCD_VERSION modules" "$mod" "$LOG_DIR/get-etcd.log" -- \
      go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    [[ $(cd "$mod" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3) == "$ETCD_VERSION" ]] ||
      die "wrapper module $mod did not resolve go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    touch "$mod/.resolved"
  fi
  build_binary etcd "$ETCD_BIN" "$mod" "-s -w" go.etcd.io/etcd/server/v3
}

# check_staging_list: the replace list of our k8s wrapper template must name exactly the staging
# modules that the pinned tag's go.mod replaces with ./staging folders.
check_staging_list() {
  local gomod ours theirs
  gomod=$(module_json_field "k8s.io/kubernetes@$K8S_VERSION" GoMod)
  [[ -f "$gomod" ]] || die "could not find go.mod of k8s.io/kubernetes@$K8S_VERSION"
  theirs=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$gomod" | sort)
  ours=$(awk '$2 == "=>" {print $1}' "$TESTENV_D/k8s.go.mod.in" | sort)
  if [[ "$ours" != "$theirs" ]]; then
    diff <(echo "$ours") <(echo "$theirs") >&2 || true
    die "scripts/testenv.d/k8s.go.mod.in: staging replace list differs from k8s.io/kubernetes@$K8S_VERSION's go.mod (diff above: < ours, > upstream)"
  fi
  log "staging replace list matches k8s.io/kubernetes@$K8S_VERSION ($(wc -l <<<"$theirs") modules)"
}

build_k8s() {
  local mod="$CACHE_ROOT/src/k8s-$K8S_VERSION" all_cached=1 b
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [[ -x "$K8S_BIN_DIR/$b" ]] || all_cached=0
  done
  if (( all_cached )); then
    for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do record_step "$b" cached 0; done
    return
  fi
  local t0
  t0=$(now_s)
  check_staging_list
  sed -e "s/@K8S_VERSION@/$K8S_VERSION/g" -e "s/@STAGING_VERSION@/$K8S_STAGING_VERSION/g" \
    "$TESTENV_D/k8s.go.mod.in" | prepare_wrapper "$mod"
  if [[ ! -f "$mod/.resolved" ]]; then
    # Explicit @version: a bare `go get pkg` means @upgrade and would move k8s.io/kubernetes to the
    # newest release while the staging replaces stay pinned.
    run_logged "resolve kubernetes $K8S_VERSION modules" "$mod" "$LOG_DIR/get-k8s.log" -- \
      go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION"
    local got
    got=$(cd "$mod" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
    [[ "$got" == "$K8S_VERSION" ]] ||
      die "wrapper module $mod resolved k8s.io/kubernetes $got instead of $K8S_VERSION"
    touch "$mod/.resolved"
  fi
  record_step "k8s module download" "done" $(( $(now_s) - t0 ))
  # Version stamp as hack/lib/version.sh does: without it the binaries say v0.0.0.
  local v=${K8S_VERSION#v} ld="-s -w" pkg
  local minor=${v#*.}; minor=${minor%%.*}
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=${v%%.*} -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    build_binary "$b" "$K8S_BIN_DIR/$b" "$mod" "$ld" "k8s.io/kubernetes/cmd/$b"
  done
}

build_kwok() {
  local v=${KWOK_VERSION#v} dir f
  install_binary kwok "$KWOK_BIN" \
    "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$v -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${K8S_VERSION#v}" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  # KWOK exits with "no stages found" unless stages come in with --config: copy the upstream ones.
  if [[ ! -f "$KWOK_STAGE_DIR/.complete" ]]; then
    dir=$(module_json_field "sigs.k8s.io/kwok@$KWOK_VERSION" Dir)
    [[ -d "$dir/kustomize" ]] || die "KWOK module source not found at '$dir'"
    mkdir -p "$KWOK_STAGE_DIR"
    for f in stage/node/fast/node-initialize.yaml \
             stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             stage/pod/fast/pod-ready.yaml stage/pod/fast/pod-complete.yaml \
             stage/pod/fast/pod-delete.yaml \
             metrics/usage/usage-from-annotation.yaml metrics/resource/metrics-resource.yaml; do
      [[ -f "$dir/kustomize/$f" ]] || die "KWOK $KWOK_VERSION has no kustomize/$f"
      install -m 0644 "$dir/kustomize/$f" "$KWOK_STAGE_DIR/$(basename "$f")"
    done
    touch "$KWOK_STAGE_DIR/.complete"
  fi
}

build_metrics_server() {
  local ld="-s -w" pkg
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ld+=" -X $pkg.gitVersion=$METRICS_SERVER_VERSION -X $pkg.gitTreeState=clean"
  done
  install_binary metrics-server "$METRICS_SERVER_BIN" "$ld" \
    "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION"
}

print_build_summary() {
  local i total=$1 state
  echo
  echo "testenv build summary (cache: $CACHE_ROOT)"
  printf '  %-26s %-8s %8s\n' component state seconds
  for i in "${!BUILD_STEP_NAMES[@]}"; do
    state=${BUILD_STEP_STATE[$i]}
    printf '  %-26s %-8s %8s\n' "${BUILD_STEP_NAMES[$i]}" "$state" "${BUILD_STEP_SECONDS[$i]}"
  done
  printf '  %-26s %-8s %8s\n' "total (this run)" "" "$total"
  local cold=0 f
  for f in "$ETCD_BIN" "$K8S_BIN_DIR"/kube-apiserver "$K8S_BIN_DIR"/kube-controller-manager \
           "$K8S_BIN_DIR"/kube-scheduler "$K8S_BIN_DIR"/kubectl "$KWOK_BIN" "$METRICS_SERVER_BIN"; do
    [[ -f "$f.build-seconds" ]] && cold=$(( cold + $(cat "$f.build-seconds") ))
  done
  printf '  recorded cold compile time of all binaries: %ss; this run: %ss\n' "$cold" "$total"
  echo "  disk: $(du -sh "$CACHE_ROOT" 2>/dev/null | cut -f1) in $CACHE_ROOT (Go build cache: $(du -sh "$CACHE_ROOT/go-build" 2>/dev/null | cut -f1)); module cache: $(go env GOMODCACHE)"
}

cmd_build() {
  require_cmd go "install Go 1.26 (the Kubernetes $K8S_VERSION go.mod asks for go 1.26)"
  go_env
  mkdir -p "$CACHE_ROOT" "$LOG_DIR"
  local t0
  t0=$(now_s)
  trap 'kill_build' EXIT
  trap 'kill_build; exit 130' INT TERM
  log "go: $(go version); cache: $CACHE_ROOT"
  build_etcd
  build_kwok
  build_metrics_server
  build_k8s
  trap - EXIT INT TERM
  print_build_summary $(( $(now_s) - t0 ))
}
