#!/usr/bin/env bash
# `podpilot eval --report` end to end, rendered by a real browser: a small evaluation writes
# report.html, Debian's Chromium renders it headless with every network request made to fail
# (the page must be self-contained), and the rendered DOM must hold every chart uPlot drew (the
# page script records their number in <body data-charts>) and no script error. A screenshot is
# kept as $OUT/report.png for a human to look at.
# Env: PODPILOT (the binary). Skips (exit 77) when Chromium is not installed.
set -euo pipefail
bin=${PODPILOT:?set PODPILOT to the podpilot binary}
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "SKIP: chromium not installed (scripts/setup installs it)"
  exit 77
fi
out=$(mktemp -d /tmp/podpilot-report-test.XXXXXX)
profile="$out/profile"
trap 'rm -rf "$out"' EXIT
cd "$(dirname "$0")/../.."

# Two scenarios, two policies each, one seed: 2 chart groups x 5 charts.
"$bin" eval --suite default --scenarios gourmetgram-step,teastore-low-high --seeds 1 \
  --policies 'hpa:cpu=50;static' --out "$out/eval" --report --threads 2 >"$out/eval.log" 2>&1 \
  || { cat "$out/eval.log"; exit 1; }
page="$out/eval/report.html"
[ -s "$page" ] || { echo "FAIL: $page not written"; exit 1; }
groups=$(grep -o 'id="run[0-9]*-load"' "$page" | wc -l)
[ "$groups" -eq 2 ] || { echo "FAIL: expected 2 chart groups in the page, found $groups"; exit 1; }
expected=$((groups * 5))

# Network off: every host resolves to nothing and any proxy use fails; the page loads nothing anyway.
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
       --disable-background-networking --disable-component-update --disable-sync --disable-extensions
       --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9" --user-data-dir="$profile"
       --window-size=1400,2000 --virtual-time-budget=15000)
timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$page" >"$out/dom.html" 2>"$out/chromium.log" \
  || { echo "FAIL: chromium exited non-zero"; tail -20 "$out/chromium.log"; exit 1; }

if grep -q 'data-error=' "$out/dom.html"; then
  echo "FAIL: the page script reported an error:"; grep -o 'data-error="[^"]*"' "$out/dom.html" | head -c 2000; exit 1
fi
drawn=$(grep -o 'data-charts="[0-9]*"' "$out/dom.html" | grep -o '[0-9]*' || echo 0)
canvases=$(grep -o '<canvas' "$out/dom.html" | wc -l)
legends=$(grep -o 'class="u-legend' "$out/dom.html" | wc -l)
echo "charts drawn: $drawn (expected $expected), canvases: $canvases, legends: $legends"
[ "$drawn" -eq "$expected" ] || { echo "FAIL: $drawn charts drawn, expected $expected"; exit 1; }
[ "$canvases" -ge "$expected" ] || { echo "FAIL: only $canvases <canvas> elements"; exit 1; }
# Each policy, and the lower bound's trajectory, appears in the legends of the rendered charts.
for p in 'hpa:cpu=50' 'static' 'lower bound'; do
  grep -q "$p" "$out/dom.html" || { echo "FAIL: policy $p missing from the rendered page"; exit 1; }
done

timeout 120 "$chromium" "${flags[@]}" --screenshot="$out/report.png" "file://$page" >/dev/null 2>&1 || true
if [ -s "$out/report.png" ]; then
  keep=${PODPILOT_REPORT_SCREENSHOT:-}
  [ -n "$keep" ] && cp "$out/report.png" "$keep"
  echo "screenshot: $(stat -c %s "$out/report.png") bytes"
fi
echo "PASS"
