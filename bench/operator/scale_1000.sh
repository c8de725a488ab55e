#!/usr/bin/env bash
# The operator managing N PodPilotAutoscaler objects (default 1000) at a 15 s period against the
# test control plane of scripts/testenv: RSS and CPU of the operator process over a measured
# window of several periods, and reconcile latency p50/p99 with and without API time (from its
# histograms). Objects: N Shadow autoscalers over N/10 Deployments of one KWOK pod each (Shadow:
# they all reconcile fully, read pods and metrics.k8s.io, and write status, but never fight over
# a Deployment). Runs as the restricted operator identity.
#   bench/operator/scale_1000.sh [N] [WINDOW_SECONDS]
source "$(dirname "$0")/lib.sh"
n=${1:-1000}
window=${2:-120}
deployments=$(( (n + 9) / 10 ))
up_env
ns=scale
k create namespace $ns >/dev/null
t0=$SECONDS
{
  for d in $(seq 1 $deployments); do
    cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-$d, namespace: $ns}
spec:
  replicas: 1
  selector: {matchLabels: {app: web-$d}}
  template:
    metadata:
      labels: {app: web-$d}
      annotations: {kwok.x-k8s.io/usage-cpu: 40m}
    spec:
      containers: [{name: main, image: registry.invalid/web:1, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
YAML
  done
  for i in $(seq 1 $n); do
    cat <<YAML
---
apiVersion: autoscaling.podpilot.dev/v1alpha1
kind: PodPilotAutoscaler
metadata: {name: ppa-$i, namespace: $ns}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-$(( (i - 1) % deployments + 1 ))}
  maxReplicas: 10
  mode: Shadow
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
  policy: {type: Hpa}
YAML
  done
} >"$tmp/objects.yaml"
k create -f "$tmp/objects.yaml" >/dev/null
echo "created $deployments Deployments and $n PodPilotAutoscalers in $((SECONDS - t0)) s"

start_operator $ns 15s --workers 2
# Warm-up: every object reconciled once and their pods' metrics arriving (two KWOK readings).
for _ in $(seq 1 120); do
  done_count=$(metric 'podpilot_reconcile_total{result="ok"}'); done_count=${done_count%.*}
  [ "${done_count:-0}" -ge "$n" ] && break
  sleep 1
done
echo "first pass over $n objects done after $((SECONDS - t0)) s (reconciles ok: $done_count)"
sleep 45
scrape >"$tmp/before.txt"
cpu0=$(awk '$1 == "process_cpu_seconds_total" {print $2}' "$tmp/before.txt")
t_start=$(date +%s.%N)
max_rss=0
end=$((SECONDS + window))
while ((SECONDS < end)); do
  rss=$(awk '/^VmRSS/ {print $2 * 1024}' /proc/$op_pid/status)
  ((rss > max_rss)) && max_rss=$rss
  sleep 2
done
scrape >"$tmp/after.txt"
t_end=$(date +%s.%N)
cpu1=$(awk '$1 == "process_cpu_seconds_total" {print $2}' "$tmp/after.txt")
ok0=$(awk '$1 == "podpilot_reconcile_total{result=\"ok\"}" {print $2}' "$tmp/before.txt")
ok1=$(awk '$1 == "podpilot_reconcile_total{result=\"ok\"}" {print $2}' "$tmp/after.txt")
err1=$(awk '$1 == "podpilot_reconcile_total{result=\"error\"}" {print $2+0}' "$tmp/after.txt")
# Quantiles over the measured window only: subtract the bucket counts before it.
window_hist() {
  join <(grep "^$1_bucket" "$tmp/before.txt" | sort) <(grep "^$1_bucket" "$tmp/after.txt" | sort) | awk '{print $1, $3 - $2}'
}
window_hist podpilot_reconcile_duration_seconds >"$tmp/total.txt"
window_hist podpilot_reconcile_compute_seconds >"$tmp/compute.txt"
# join sorted the buckets by label text; restore numeric le order for the quantile walk.
for f in total compute; do
  awk '{match($1, /le="[^"]*"/); le = substr($1, RSTART + 4, RLENGTH - 5); if (le == "+Inf") le = 1e308; print le, $0}' \
    "$tmp/$f.txt" | sort -g | cut -d' ' -f2- >"$tmp/$f.sorted"
done
elapsed=$(echo "$t_end - $t_start" | bc -l)
printf '\n== operator managing %d PodPilotAutoscalers, period 15 s, window %.0f s ==\n' "$n" "$elapsed"
printf 'reconciles in window: %.0f ok (%.1f/s; expected %.1f/s), errors total: %s\n' "$(echo "$ok1 - $ok0" | bc)" \
  "$(echo "($ok1 - $ok0) / $elapsed" | bc -l)" "$(echo "$n / 15" | bc -l)" "$err1"
printf 'CPU: %.2f %% of one core\n' "$(echo "100 * ($cpu1 - $cpu0) / $elapsed" | bc -l)"
printf "status writes in window: %.0f\n" "$(echo "$(awk '$1 == "podpilot_status_writes_total" {print $2}' "$tmp/after.txt") - $(awk '$1 == "podpilot_status_writes_total" {print $2}' "$tmp/before.txt")" | bc)"
printf 'RSS: %.1f MB at the end, %.1f MB max (sampled every 2 s)\n' \
  "$(awk '$1 == "process_resident_memory_bytes" {print $2 / 1e6}' "$tmp/after.txt")" "$(echo "$max_rss / 1000000" | bc -l)"
printf 'reconcile latency incl. API calls: p50 %.2f ms, p99 %.2f ms\n' \
  "$(echo "1000 * $(quantile 0.5 podpilot_reconcile_duration_seconds "$tmp/total.sorted")" | bc -l)" \
  "$(echo "1000 * $(quantile 0.99 podpilot_reconcile_duration_seconds "$tmp/total.sorted")" | bc -l)"
printf 'reconcile latency without API time: p50 %.3f ms, p99 %.3f ms\n' \
  "$(echo "1000 * $(quantile 0.5 podpilot_reconcile_compute_seconds "$tmp/compute.sorted")" | bc -l)" \
  "$(echo "1000 * $(quantile 0.99 podpilot_reconcile_compute_seconds "$tmp/compute.sorted")" | bc -l)"
