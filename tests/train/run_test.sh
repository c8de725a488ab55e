#!/usr/bin/env bash
# `podpilot train` end to end: bad input exits 2 and writes nothing; a run killed with SIGKILL
# mid-training resumes from its last checkpoint with a learning curve that has every update once.
# Needs PODPILOT (the binary). Bounded: about 20 s.
set -euo pipefail
: "${PODPILOT:?set PODPILOT to the podpilot binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$tmp/tiny.yaml" <<'YAML'
name: tiny
scenarios:
  - name: gg-constant
    app: gourmetgram
    duration: 1h
    train: [constant:rps=20]
    eval: [constant:rps=22]
YAML

expect_bad() {  # expect_bad NEEDLE ARGS...: exit 2, a message naming NEEDLE, no output directory
  local needle=$1; shift
  set +e
  "$PODPILOT" train "$@" > "$tmp/out.txt" 2> "$tmp/err.txt"
  local rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "exit $rc (want 2) for: $* ($(cat "$tmp/err.txt"))"
  grep -q -- "$needle" "$tmp/err.txt" || fail "message lacks '$needle': $(cat "$tmp/err.txt")"
  [[ ! -e "$tmp/bad" ]] || fail "wrote $tmp/bad for: $*"
}
expect_bad "a2c" --agent a2c --suite "$tmp/tiny.yaml" --timesteps 100 --out "$tmp/bad"
expect_bad "absolute" --mode absolute --suite "$tmp/tiny.yaml" --timesteps 100 --out "$tmp/bad"
expect_bad "nope" --scenario nope --suite "$tmp/tiny.yaml" --timesteps 100 --out "$tmp/bad"
expect_bad "timesteps" --suite "$tmp/tiny.yaml" --timesteps 0 --out "$tmp/bad"
expect_bad "missing.yaml" --suite "$tmp/missing.yaml" --timesteps 100 --out "$tmp/bad"
expect_bad "required" --suite "$tmp/tiny.yaml" --timesteps 100
expect_bad "no checkpoint" --resume "$tmp/bad"
expect_bad "num-envs" --num-envs 0 --suite "$tmp/tiny.yaml" --timesteps 100 --out "$tmp/bad"
expect_bad "slo-weight" --slo-weight -1 --suite "$tmp/tiny.yaml" --timesteps 100 --out "$tmp/bad"
expect_bad "setpoint 2 appears twice" --mode setpoint --setpoints 0.5,2,2 --suite "$tmp/tiny.yaml" --timesteps 100 --out "$tmp/bad"
expect_bad "setpoints" --mode setpoint --setpoints 0.5,high --suite "$tmp/tiny.yaml" --timesteps 100 --out "$tmp/bad"
expect_bad "init-action 0.4: not one of" --mode setpoint --init-action 0.4 --suite "$tmp/tiny.yaml" --timesteps 100 --out "$tmp/bad"

# Kill -9 after a few checkpoints, then resume.
run="$tmp/run"
"$PODPILOT" train --agent ppo --suite "$tmp/tiny.yaml" --timesteps 200000 --num-envs 2 --seed 3 \
    --checkpoint-every 2 --threads 1 --slo-weight 25 --out "$run" 2> "$tmp/train1.txt" &
pid=$!
for _ in $(seq 300); do
  if [[ -f "$run/checkpoint/MANIFEST.json" ]] && grep -Eq '"update": *([4-9]|[1-9][0-9]+)' "$run/checkpoint/MANIFEST.json"; then break; fi
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || fail "the run ended before it could be killed"
wait "$pid" 2>/dev/null || true
ckpt=$(sed -n 's/.*"update": *\([0-9]*\).*/\1/p' "$run/checkpoint/MANIFEST.json")
[[ -n "$ckpt" && $ckpt -ge 4 ]] || fail "no checkpoint at update >= 4"
[[ ! -e "$run/model.safetensors" ]] || fail "a killed run wrote the final model"
rows_before=$(($(wc -l < "$run/learning_curve.csv") - 1))
[[ $rows_before -ge $ckpt ]] || fail "curve has $rows_before rows, checkpoint is at $ckpt"
# The total is cut so the resumed run ends soon: 3 more updates of 2 x 256 steps at most.
step_at_ckpt=$(awk -F, -v u="$ckpt" '$1 == u {print $2}' "$run/learning_curve.csv")
"$PODPILOT" train --resume "$run" --timesteps $((step_at_ckpt + 1200)) --threads 1 > "$tmp/out2.txt" 2> "$tmp/train2.txt" \
  || fail "resume failed: $(cat "$tmp/train2.txt")"
grep -q "resuming ppo at update $ckpt" "$tmp/train2.txt" || fail "resume message: $(cat "$tmp/train2.txt")"
# The reward weights are part of the run: the resumed run (no --slo-weight) kept 25.
python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["reward"]; sys.exit(0 if w["slo"] == 25 and w["cost"] == 1 else 1)' \
  "$run/train_config.json" || fail "reward weights not kept in train_config.json: $(cat "$run/train_config.json")"
[[ -f "$run/model.safetensors" ]] || fail "no model after the resumed run"
awk -F, 'NR > 1 { if ($1 != NR - 1) { print "row " NR - 1 " has update " $1; bad = 1 }
                  if ($2 <= prev) { print "step not increasing at row " NR - 1; bad = 1 } prev = $2 }
         END { exit bad }' "$run/learning_curve.csv" || fail "learning curve has duplicated or missing rows"
last=$(tail -n 1 "$run/learning_curve.csv" | cut -d, -f1)
[[ $last -gt $ckpt ]] || fail "resumed run added no update"
echo "OK: bad input refused; killed at checkpoint $ckpt, resumed to update $last"
