#!/usr/bin/env bash
# Builds helm (helm.sh/helm/v3 from the Go module proxy, checked against the checksum database) into
# ${PODPILOT_CACHE:-~/.cache/podpilot}/testenv/helm-VERSION/bin/helm, the way scripts/testenv.d/build.sh
# builds the control plane: GOTOOLCHAIN=local, CGO off, TESTENV_GO_JOBS (default 1) packages at a time under `nice -n 19`,
# the testenv Go build cache, an atomic move into place. A binary already there is never rebuilt.
#   tests/deploy/build-helm.sh            build (cold: ~10 min on 2 shared cores) and print the path
#   tests/deploy/build-helm.sh --path     print the path only (exit 1 when not built)
set -euo pipefail
HELM_VERSION=${HELM_VERSION:-v3.22.0}   # newest v3 tag on proxy.golang.org; its go.mod asks for go 1.26.0
cache="${PODPILOT_CACHE:-$HOME/.cache/podpilot}/testenv"
out="$cache/helm-$HELM_VERSION/bin/helm"
if [[ "${1:-}" == --path ]]; then
  [[ -x "$out" ]] || exit 1
  echo "$out"; exit 0
fi
[[ -x "$out" ]] && { echo "$out"; exit 0; }
command -v go >/dev/null || { echo "build-helm: go not found (install Go >= 1.26)" >&2; exit 1; }
jobs=${TESTENV_GO_JOBS:-1}
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "build-helm: TESTENV_GO_JOBS=$jobs: expected a positive whole number" >&2; exit 2; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOMAXPROCS=$jobs GOFLAGS=-buildvcs=false
export GOCACHE="$cache/go-build"
gobin="$cache/tmp-gobin-helm"
log="$cache/logs/build-helm.log"
rm -rf "$gobin"; mkdir -p "$gobin" "$(dirname "$out")" "$cache/logs" "$GOCACHE"
t0=$(date +%s)
ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
echo "build-helm: go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION (log: $log)" >&2
if ! (cd "$cache" && GOBIN="$gobin" nice -n 19 go install -p "$jobs" -trimpath -ldflags "$ld" \
        "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") >"$log" 2>&1; then
  tail -n 30 "$log" >&2; echo "build-helm: go install failed (full log: $log)" >&2; exit 1
fi
mv -f "$gobin/helm" "$out"; rm -rf "$gobin"
echo "$(( $(date +%s) - t0 ))" >"$out.build-seconds"
echo "build-helm: built in $(cat "$out.build-seconds")s" >&2
echo "$out"
