# Shared by the operator benchmarks: a private scripts/testenv environment, kubectl, the
# operator's /metrics, and a histogram quantile (linear within a bucket, as PromQL's
# histogram_quantile) from the text exposition.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
testenv="$root/scripts/testenv"
bin=${PODPILOT_BIN:-$root/build/release/src/cli/podpilot}
[ -x "$bin" ] || { echo "no podpilot binary at $bin (make build, or set PODPILOT_BIN)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/podpilot-opbench.XXXXXX)
dir="$tmp/env"
op_pid=""
cleanup() {
  [ -n "$op_pid" ] && kill -9 "$op_pid" 2>/dev/null || true
  "$testenv" down --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
up_env() {
  local t0=$SECONDS
  timeout 300 "$testenv" up --dir "$dir" >"$tmp/up.log" 2>&1 || { cat "$tmp/up.log"; exit 1; }
  eval "$("$testenv" env --dir "$dir")"
  echo "testenv up in $((SECONDS - t0)) s"
  k apply -f "$root/deploy/crd/podpilotautoscalers.yaml" >/dev/null
  k wait --for=condition=Established --timeout=60s crd/podpilotautoscalers.autoscaling.podpilot.dev >/dev/null
}
k() { timeout 300 kubectl "$@"; }
start_operator() {  # start_operator NAMESPACE PERIOD [extra flags]: as the restricted identity
  local ns=$1 period=$2; shift 2
  "$bin" operator --kubeconfig "$PODPILOT_TESTENV_OPERATOR_KUBECONFIG" --namespace "$ns" --listen 127.0.0.1:0 \
    --period "$period" "$@" >"$tmp/operator.log" 2>&1 &
  op_pid=$!
  for _ in $(seq 1 100); do
    op_port=$(sed -n 's/.*"address":"127.0.0.1:\([0-9]*\)".*/\1/p' "$tmp/operator.log" | head -1)
    [ -n "$op_port" ] && return 0
    sleep 0.1
  done
  cat "$tmp/operator.log"; exit 1
}
scrape() { curl -sf --max-time 10 "http://127.0.0.1:$op_port/metrics"; }
metric() { scrape | awk -v s="$1" '$1 == s {print $2; f=1} END {if (!f) print 0}'; }
# quantile Q NAME FILE: from NAME_bucket lines of a scrape saved in FILE (cumulative counts).
quantile() {
  awk -v q="$1" -v n="$2_bucket" '
    index($1, n "{") == 1 { match($1, /le="[^"]*"/); le = substr($1, RSTART + 4, RLENGTH - 5);
                            les[++k] = (le == "+Inf") ? 1e308 : le + 0; cnt[k] = $2 + 0 }
    END { total = cnt[k]; want = q * total; prev_le = 0; prev_c = 0
          for (i = 1; i <= k; i++) { if (cnt[i] >= want) {
              if (les[i] == 1e308) { print prev_le; exit }
              print prev_le + (les[i] - prev_le) * (want - prev_c) / (cnt[i] - prev_c + 1e-12); exit }
            prev_le = les[i]; prev_c = cnt[i] } }' "$3"
}
