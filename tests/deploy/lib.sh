# Shared by the tests/deploy/*_test.sh scripts: a private scripts/testenv control plane for one test.
#   source "$(dirname "$0")/lib.sh"; testenv_start NAME   -> $root, $tmp, KUBECONFIG & co. exported,
#   k ARGS... (kubectl, bounded), torn down on exit (PODPILOT_TEST_KEEP=1 keeps $tmp and its logs). Exits 77 (ctest SKIP_RETURN_CODE) when the
#   testenv binaries are not built.
# shellcheck shell=bash
set -euo pipefail
trap 'echo "FAIL: ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND (exit $?)"' ERR
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
testenv="$root/scripts/testenv"

fail() { echo "FAIL: $*"; exit 1; }
k() { timeout 60 kubectl "$@"; }

testenv_start() {
  tmp=$(mktemp -d "/tmp/podpilot-$1.XXXXXX")
  dir="$tmp/env"
  trap 'testenv_stop' EXIT
  if ! timeout 300 "$testenv" up --dir "$dir" >"$tmp/up.log" 2>&1; then
    if grep -q "not built" "$tmp/up.log"; then
      echo "SKIP: the test control plane is not built (scripts/testenv build, ~40 min cold)"
      exit 77
    fi
    cat "$tmp/up.log"; exit 1
  fi
  eval "$("$testenv" env --dir "$dir")"
}

# Processes a test started (their pids): stopped before the control plane goes down.
test_pids=()
testenv_stop() {
  local pid
  for pid in "${test_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${test_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$testenv" down --dir "$dir" >/dev/null 2>&1 || true
  if [ -n "${PODPILOT_TEST_KEEP:-}" ]; then echo "kept $tmp (PODPILOT_TEST_KEEP)"; else rm -rf "$tmp"; fi
}

# free_port: a free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
