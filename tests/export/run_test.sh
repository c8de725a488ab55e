#!/usr/bin/env bash
# Integration test of `podpilot workload show` and `podpilot workload export`: the generated k6
# script parses as JavaScript (node --check) and, loaded in Node with a stub for k6/http, its
# ramping-arrival-rate stages reproduce the per-second series `workload show --csv` prints (the
# series the simulator draws its arrivals around); the generated locustfile compiles
# (python3 -m py_compile) and its LoadTestShape.tick(), run under a stub `locust` module, gives the
# same rates; bad input exits 2 with a clear message and leaves no file behind.
#
#   tests/export/run_test.sh                  # finds build/*/src/cli/podpilot
#   PODPILOT=/path/to/podpilot tests/export/run_test.sh
#
# Needs node and python3 (no k6, no Locust). Runs in a few seconds; the last line is
# "N passed, M failed" and the exit status is non-zero if anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tests/export"
REL=0.01   # --tolerance default; the absolute floor is 0.01 req/s (workload/export.h)
ABS=0.01

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1
  shift
  if "$@" >"$TMP/check.out" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/    /' "$TMP/check.out" | tail -20; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/podpilot-export.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

has_export() { [ -x "$1" ] && "$1" workload export --help >/dev/null 2>&1; }
if [ -z "${PODPILOT:-}" ]; then
  for candidate in "$ROOT"/build/release/src/cli/podpilot "$ROOT"/build/*/src/cli/podpilot; do
    if has_export "$candidate"; then PODPILOT=$candidate; break; fi
  done
fi
if [ -z "${PODPILOT:-}" ] || ! has_export "$PODPILOT"; then
  fail "no podpilot binary with 'workload export' (build it, or set PODPILOT=/path/to/podpilot)"
  finish
fi
for tool in node python3; do
  command -v "$tool" >/dev/null 2>&1 || { fail "$tool is not installed"; finish; }
done
echo "using $PODPILOT"
pp() { "$PODPILOT" "$@"; }

# ---- round trips: the scripts reproduce the series -------------------------------------------
# roundtrip NAME DURATION SPEC FIT_BOUND SEED [extra export options...]
roundtrip() {
  local name=$1 duration=$2 spec=$3 fit=$4 seed=$5
  shift 5
  local base="$TMP/$name"
  if ! pp workload show --duration "$duration" --seed "$seed" --csv "$base.csv" -- "$spec" >"$base.show" 2>&1; then
    fail "$name: workload show"; cat "$base.show"; return
  fi
  if pp workload export --format k6 --duration "$duration" --seed "$seed" --out "$base.js" "$@" -- "$spec" >"$base.k6.log" 2>&1; then
    check "$name: k6 script parses (node --check)" node --check "$base.js"
    check "$name: k6 stages reproduce the series" \
      node "$HERE/k6_harness.mjs" "$base.js" "$base.csv" "$REL" "$ABS" "$fit" "http://localhost:8080/" 0.2 4
  else
    fail "$name: export k6"; cat "$base.k6.log"
  fi
  if pp workload export --format locust --duration "$duration" --seed "$seed" --out "$base.py" "$@" -- "$spec" >"$base.locust.log" 2>&1; then
    check "$name: locustfile compiles (py_compile)" python3 -m py_compile "$base.py"
    check "$name: locust tick() follows the series" \
      python3 "$HERE/locust_harness.py" "$base.py" "$base.csv" "$REL" "$ABS" "$fit" "http://localhost:8080" "/"
  else
    fail "$name: export locust"; cat "$base.locust.log"
  fi
}

# Piecewise-linear shapes are fitted exactly (fit bound 0). For the sinusoid, a line over a 60 s
# window is within M h^2 / 8 of a curve with |f''| <= M = amplitude * (2 pi / period)^2.
SIN_FIT=$(python3 -c 'import math; print(60 * (2 * math.pi / 3600) ** 2 * 60 ** 2 / 8)')
roundtrip spike 1h 'spike:base=50,peak=400,at=20m' 0 0
roundtrip step 30m 'step:low=20,high=200,at=10m' 0 0
roundtrip step-off-grid 30m 'step:low=20,high=200,at=617s' 0 0
roundtrip short-spike-scaled 1h 'spike:at=20m10s,duration=20s,ramp=5s,time_scale=1.3' 0 0
roundtrip sinusoid 3h 'sinusoidal:mean=100,amplitude=60,period=1h' "$SIN_FIT" 0
roundtrip random-walk 2h 'random_walk:start=100,sigma=10' 0 7
# Traces are sample-and-hold: with windows on their sampling grid the fit is exact too.
roundtrip csv-trace 10m "trace:csv=$ROOT/tests/data/traces/sample_rps.csv" 0 0 --step 15s
roundtrip azure-trace 2h "trace:azure=$ROOT/tests/data/traces/azure_functions_d01.csv" 0 0

# ---- specific properties ---------------------------------------------------------------------
pp workload export --format k6 --duration 30m 'step:low=20,high=200,at=10m' --out "$TMP/step3.js" >/dev/null 2>&1
check "a step gives 3 k6 stages (hold, jump, hold)" \
  test "$(grep -c "{ duration: '" "$TMP/step3.js")" -eq 3
check "the step's jump is a 0s stage to 200 req/s" grep -q "{ duration: '0s', target: 200 }" "$TMP/step3.js"

pp workload export --format k6 --duration 3h 'sinusoidal' --out "$TMP/sin.js" >/dev/null 2>&1
check "fractional rates use timeUnit 1m" grep -q "timeUnit: '1m'" "$TMP/sin.js"

pp workload export --format locust --user-rps 2.5 --target https://shop.example:8443/cart --duration 1h \
  --out "$TMP/rps25.py" spike >/dev/null 2>&1
pp workload show --duration 1h --csv "$TMP/rps25.csv" spike >/dev/null 2>&1
check "locust with --user-rps 2.5 and a https target" \
  python3 "$HERE/locust_harness.py" "$TMP/rps25.py" "$TMP/rps25.csv" "$REL" "$ABS" 0 "https://shop.example:8443" "/cart"

pp workload export --format k6 --latency 1s --vu-headroom 2 --duration 1h spike --out "$TMP/vus.js" >/dev/null 2>&1
check "k6 VUs follow --latency and --vu-headroom (400 req/s x 1 s = 400, x2 = 800)" \
  node "$HERE/k6_harness.mjs" "$TMP/vus.js" "$TMP/rps25.csv" "$REL" "$ABS" 0 "http://localhost:8080/" 1 2

pp workload export --format k6 --duration 1h 'spike:base=50,peak=400,at=20m' >"$TMP/stdout.js" 2>"$TMP/stdout.err"
check "without --out the script goes to stdout, the summary to stderr" \
  bash -c "cmp -s '$TMP/stdout.js' '$TMP/spike.js' && grep -q '5 stages' '$TMP/stdout.err'"
pp workload export --format k6 --duration 1h 'spike:base=50,peak=400,at=20m' --out "$TMP/again.js" >/dev/null 2>&1
check "export is deterministic" cmp -s "$TMP/again.js" "$TMP/spike.js"

pp workload export --format locust --duration 2h --seed 8 'random_walk:start=100,sigma=10' --out "$TMP/rw8.py" >/dev/null 2>&1
check "--seed changes a seeded shape's export" bash -c "! cmp -s '$TMP/rw8.py' '$TMP/random-walk.py'"

# show: the summary agrees with its own CSV.
pp workload show --duration 1h --csv "$TMP/show.csv" 'spike:base=50,peak=400,at=20m' >"$TMP/show.txt" 2>&1
check "show prints mean, peak, min and total that match its CSV" python3 - "$TMP/show.txt" "$TMP/show.csv" <<'EOF'
import csv, re, sys
text = open(sys.argv[1]).read()
rps = [float(r["rps"]) for r in csv.DictReader(open(sys.argv[2]))]
def field(name):
    return float(re.search(rf"^\s+{name}\s+([0-9.e+]+)", text, re.M).group(1))
assert len(rps) == 3600, len(rps)
assert abs(field("mean") - sum(rps) / len(rps)) < 1e-3, text
assert field("peak") == max(rps) == 400, text
assert field("min") == min(rps) == 50, text
assert abs(field("total") - sum(rps)) < 1, text
assert "peak   400 req/s at 20m30s" in text, text
EOF
pp workload show --duration 10m --csv - constant:rps=3 >"$TMP/show-stdout.csv" 2>"$TMP/show-stdout.err"
check "show --csv - writes the series to stdout, the summary to stderr" \
  bash -c "[ \$(wc -l <'$TMP/show-stdout.csv') -eq 601 ] && head -1 '$TMP/show-stdout.csv' | grep -qx 't_s,rps' && grep -q 'total  1800 requests' '$TMP/show-stdout.err'"

# ---- bad input: exit 2, a clear message, no file --------------------------------------------------
# refuse NAME "MESSAGE PART" ARGS...: exit status 2, MESSAGE PART on stderr, no $TMP/bad.out file
refuse() {
  local name=$1 want=$2
  shift 2
  rm -f "$TMP/bad.out"
  pp "$@" >"$TMP/bad.stdout" 2>"$TMP/bad.stderr"
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$TMP/bad.stderr" && [ ! -e "$TMP/bad.out" ] &&
     [ -z "$(find "$TMP" -name '*.tmp.*')" ]; then
    pass "$name"
  else
    fail "$name (exit $rc, want 2 and '$want' on stderr, no output file)"; sed 's/^/    /' "$TMP/bad.stderr"
  fi
}
refuse "unknown format" "--format: want k6 or locust, got 'jmeter'" \
  workload export --format jmeter --out "$TMP/bad.out" spike
refuse "missing format" "--format: want k6 or locust" workload export --out "$TMP/bad.out" spike
refuse "bad workload value" "peak" workload export --format k6 --out "$TMP/bad.out" 'spike:peak=lots'
refuse "unknown workload kind" "spikey" workload export --format k6 --out "$TMP/bad.out" spikey
refuse "missing trace file" "/nonexistent/trace.csv" \
  workload export --format locust --out "$TMP/bad.out" 'trace:csv=/nonexistent/trace.csv'
refuse "missing workload argument" "missing the WORKLOAD" workload export --format k6 --out "$TMP/bad.out"
refuse "bad duration" "--duration" workload export --format k6 --duration soon --out "$TMP/bad.out" spike
refuse "step of 0" "step: must be a whole number of seconds" workload export --format k6 --step 0s --out "$TMP/bad.out" spike
refuse "fractional step" "whole number of seconds" workload export --format k6 --step 1.5s --out "$TMP/bad.out" spike
refuse "tolerance out of range" "tolerance" workload export --format k6 --tolerance 0.9 --out "$TMP/bad.out" spike
refuse "tolerance not a number" "--tolerance: want a number" workload export --format k6 --tolerance x --out "$TMP/bad.out" spike
refuse "non-http target" "target URL" workload export --format k6 --target ftp://host/ --out "$TMP/bad.out" spike
refuse "negative seed" "--seed" workload export --format k6 --seed -1 --out "$TMP/bad.out" spike
refuse "zero user rps" "user rps" workload export --format locust --user-rps 0 --out "$TMP/bad.out" spike
refuse "show with a bad spec" "peak" workload show --csv "$TMP/bad.out" 'spike:peak=-5'
touch "$TMP/not-a-dir"
refuse "output under a regular file" "$TMP/not-a-dir/x.js" \
  workload export --format k6 --out "$TMP/not-a-dir/x.js" spike
refuse "output in a missing directory" "$TMP/missing/x.py" \
  workload export --format locust --out "$TMP/missing/x.py" spike
mkdir -p "$TMP/a-dir"
refuse "output onto a directory" "$TMP/a-dir" workload export --format k6 --out "$TMP/a-dir" spike
check "a failed write leaves the directory it aimed at empty" test -z "$(ls -A "$TMP/a-dir")"

# A failing export leaves an existing file as it was.
cp "$TMP/spike.js" "$TMP/keep.js"
pp workload export --format k6 --out "$TMP/keep.js" 'spike:peak=lots' >/dev/null 2>&1
check "a failed export does not touch the existing file" cmp -s "$TMP/keep.js" "$TMP/spike.js"

finish
