#!/usr/bin/env bash
# The Python reader (python/tools/safetensors_check.py, its own parsing, numpy) agrees with the C++
# writer (src/policy/learned): for several model shapes, learned_example_model writes a model file
# and a JSON dump of what it wrote and of one forward pass; the Python reader must find the same
# metadata, the same tensors bit for bit, the same logits (to 1e-9) and the same actions. It must
# also refuse damaged files and a newer format version.
#
#   tests/learned/run_test.sh                       # finds build/*/src/policy/learned/learned_example_model
#   LEARNED_EXAMPLE_MODEL=/path/to/tool tests/learned/run_test.sh
#
# Python: the project's virtual environment (python/venv.sh creates it on first use, as
# python/run_tests.sh does, with numpy from PyPI), or PODPILOT_PYTHON=/path/to/python with numpy.
# The last line is "N passed, M failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK="$ROOT/python/tools/safetensors_check.py"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}

PY=${PODPILOT_PYTHON:-}
if [ -z "$PY" ] && ! PY=$("$ROOT/python/venv.sh"); then
  fail "could not set up the project's Python venv (python/venv.sh; messages above)"
  finish
fi
if ! "$PY" -c "import numpy" >/dev/null 2>&1; then
  fail "numpy is not available to $PY"
  finish
fi
echo "using python $PY"

TOOL=${LEARNED_EXAMPLE_MODEL:-}
if [ -z "$TOOL" ]; then
  for candidate in "$ROOT"/build/release/src/policy/learned/learned_example_model "$ROOT"/build/*/src/policy/learned/learned_example_model; do
    if [ -x "$candidate" ]; then TOOL=$candidate; break; fi
  done
fi
if [ -z "$TOOL" ] || [ ! -x "$TOOL" ]; then
  fail "no learned_example_model binary (build it, or set LEARNED_EXAMPLE_MODEL=/path/to/it)"
  finish
fi
echo "using $TOOL"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/podpilot-learned.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# compare_dump DUMP READER_JSON FORWARD_JSON: exits non-zero with the first difference.
compare_dump() {
  "$PY" - "$@" <<'EOF'
import json, math, sys
dump, reader, fwd = (json.load(open(p)) for p in sys.argv[1:4])
if dump["metadata"] != reader["metadata"]:
    keys = set(dump["metadata"]) | set(reader["metadata"])
    bad = sorted(k for k in keys if dump["metadata"].get(k) != reader["metadata"].get(k))
    sys.exit(f"metadata differs in {bad}")
if sorted(dump["tensors"]) != sorted(reader["tensors"]):
    sys.exit(f"tensor names differ: {sorted(dump['tensors'])} vs {sorted(reader['tensors'])}")
for name, t in dump["tensors"].items():
    r = reader["tensors"][name]
    if t["shape"] != r["shape"]:
        sys.exit(f"{name}: shape {t['shape']} vs {r['shape']}")
    if t["data"] != r["data"]:  # both are the exact float32 values written as decimal doubles
        i = next(i for i, (a, b) in enumerate(zip(t["data"], r["data"])) if a != b)
        sys.exit(f"{name}[{i}]: {t['data'][i]!r} vs {r['data'][i]!r}")
probe = dump["probe"]
if len(probe["logits"]) != len(fwd["logits"]):
    sys.exit("logit counts differ")
worst = max(abs(a - b) for a, b in zip(probe["logits"], fwd["logits"]))
if not worst < 1e-9:
    sys.exit(f"logits differ by {worst}")
if probe["actions"] != fwd["actions"]:
    sys.exit(f"actions {probe['actions']} vs {fwd['actions']}")
print(f"{len(dump['tensors'])} tensors equal, logits within {worst:.2e}, actions {fwd['actions']}")
EOF
}

# ---- agreement on several shapes ------------------------------------------------------------
# case NAME TOOL-OPTIONS...
agree() {
  local name=$1
  shift
  local model="$TMP/$name.safetensors" dump="$TMP/$name.dump.json"
  if ! "$TOOL" --out "$model" --dump "$dump" "$@" >"$TMP/$name.tool.out" 2>&1; then
    fail "$name: learned_example_model failed"
    sed 's/^/    /' "$TMP/$name.tool.out"
    return
  fi
  "$PY" -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["probe"]["features"], open(sys.argv[2], "w"))' \
    "$dump" "$TMP/$name.x.json"
  if ! "$PY" "$CHECK" "$model" --json >"$TMP/$name.reader.json" 2>"$TMP/$name.err" ||
     ! "$PY" "$CHECK" "$model" --forward "@$TMP/$name.x.json" >"$TMP/$name.fwd.json" 2>>"$TMP/$name.err"; then
    fail "$name: the Python reader refused the file"
    sed 's/^/    /' "$TMP/$name.err"
    return
  fi
  if compare_dump "$dump" "$TMP/$name.reader.json" "$TMP/$name.fwd.json" >"$TMP/$name.cmp" 2>&1; then
    pass "$name: $(cat "$TMP/$name.cmp")"
  else
    fail "$name: $(cat "$TMP/$name.cmp")"
  fi
}

agree delta-concat-tanh --mode delta --logits concat --activation tanh --targets 2 --history 2 --hidden 16,8 --seed 1
agree setpoint-perhead-relu --mode setpoint --logits per_head --activation relu --targets 3 --history 0 --hidden 32 --seed 2
agree one-target-deep --mode delta --logits concat --activation relu --targets 1 --history 4 --hidden 64,64,32 --seed 3

# ---- the human-readable listing names what is in the file -------------------------------------
model="$TMP/delta-concat-tanh.safetensors"
if out=$("$PY" "$CHECK" "$model") && grep -q 'podpilot_format_version: 1' <<<"$out" &&
   grep -q 'policy.0.weight: F32 \[16, 44\]' <<<"$out" && grep -q '"activation": "tanh"' <<<"$out"; then
  pass "listing shows metadata and tensor shapes"
else
  fail "listing shows metadata and tensor shapes"
  echo "$out" | head -30 | sed 's/^/    /'
fi

# ---- refusals ----------------------------------------------------------------------------------
# refused NAME FILE EXPECTED-SUBSTRING
refused() {
  local err
  if err=$("$PY" "$CHECK" "$2" 2>&1 >/dev/null); then
    fail "$1: accepted"
  elif grep -qF -- "$3" <<<"$err" && grep -qF -- "$2" <<<"$err"; then
    pass "$1"
  else
    fail "$1: message was: $err"
  fi
}
size=$(stat -c %s "$model")
head -c 5 "$model" >"$TMP/tiny"
refused "truncated to 5 bytes" "$TMP/tiny" "truncated: 5 bytes"
head -c 100 "$model" >"$TMP/short-header"
refused "truncated inside the header" "$TMP/short-header" "is beyond the end of the file"
head -c $((size - 7)) "$model" >"$TMP/short-data"
refused "truncated inside the data" "$TMP/short-data" "is the file truncated?"
# Rewrite the header with a newer format version (the length prefix changes with it).
"$PY" - "$model" "$TMP/newer" <<'EOF'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
header["__metadata__"]["podpilot_format_version"] = "2"
text = json.dumps(header, separators=(",", ":")).encode()
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + data[8 + n:])
EOF
refused "newer format version" "$TMP/newer" "model format version 2 is newer"

finish
