#!/usr/bin/env bash
# Latency versus utilisation of one pod: the fast model next to the request-level discrete-event
# simulation (src/sim/des.h). Builds the `latency_curve` driver if needed (Release, its own build
# directory), writes docs/latency-curve.csv and plots docs/latency-curve.png with gnuplot.
#
#   bench/latency_curve.sh                      # gourmetgram's service, 1 pod, rho 0.05 .. 0.98
#   bench/latency_curve.sh --cv 1 --pods 2      # extra arguments go to the driver (--help)
#
# Environment: BUILD_DIR (default build/latency-curve), JOBS (default 1: the machine is shared),
# OUT_PREFIX (default docs/latency-curve). Needs gnuplot (Debian: apt-get install gnuplot-nox).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build/latency-curve}"
jobs="${JOBS:-1}"
prefix="${OUT_PREFIX:-$root/docs/latency-curve}"
csv="$prefix.csv"
png="$prefix.png"

if ! command -v gnuplot >/dev/null; then
  echo "latency_curve.sh: gnuplot not found; install it with: apt-get install -y gnuplot-nox" >&2
  exit 1
fi

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPODPILOT_BUILD_TESTS=OFF
fi
cmake --build "$build" --target latency_curve -j "$jobs"

mkdir -p "$(dirname "$csv")"
echo "latency_curve.sh: simulating (a minute or two) -> $csv" >&2
"$build/latency_curve" --out "$csv" "$@"

# The driver's parameter line, without '_' (gnuplot's enhanced text would make it a subscript).
title="$(head -1 "$csv" | sed 's/^# //; s/_/ /g')"
gnuplot <<EOF
set datafile separator ','
set terminal pngcairo size 1400,600 font 'sans,11'
set output '$png'
set multiplot layout 1,2 title "Latency vs utilisation, one pod: fast model vs discrete-event simulation\n{/*0.8 $title}"
set key top left
set grid
set xlabel 'utilisation (rho)'
set xrange [0:1]
set ylabel 'end-to-end latency (ms)'
set title 'linear scale'
stats '$csv' skip 2 using 10 nooutput
set yrange [0:STATS_max * 1.15]
plot '$csv' skip 2 using 1:5:6 with yerrorbars pt 7 ps 0.6 lc rgb '#d62728' title 'DES p95 (±1 se)', \
     ''    skip 2 using 1:10 with lines lw 2 lc rgb '#d62728' title 'fast p95', \
     ''    skip 2 using 1:3:4 with yerrorbars pt 7 ps 0.6 lc rgb '#1f77b4' title 'DES mean (±1 se)', \
     ''    skip 2 using 1:9 with lines lw 2 lc rgb '#1f77b4' title 'fast mean'
set title 'log scale, with the fast model fed Poisson counts per 1 s tick (dashed)'
set logscale y
set yrange [*:*]
plot '$csv' skip 2 using 1:5 with points pt 7 ps 0.6 lc rgb '#d62728' title 'DES p95', \
     ''    skip 2 using 1:10 with lines lw 2 lc rgb '#d62728' title 'fast p95', \
     ''    skip 2 using 1:12 with lines lw 1.5 dt 2 lc rgb '#d62728' title 'fast p95, Poisson ticks', \
     ''    skip 2 using 1:3 with points pt 7 ps 0.6 lc rgb '#1f77b4' title 'DES mean', \
     ''    skip 2 using 1:9 with lines lw 2 lc rgb '#1f77b4' title 'fast mean', \
     ''    skip 2 using 1:11 with lines lw 1.5 dt 2 lc rgb '#1f77b4' title 'fast mean, Poisson ticks'
unset multiplot
EOF
echo "latency_curve.sh: wrote $csv and $png" >&2
