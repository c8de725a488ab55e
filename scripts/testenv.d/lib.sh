# Shared helpers for scripts/testenv: messages, bounded waits, process groups. Sourced, not run.
# shellcheck shell=bash

log()  { printf '[testenv %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[testenv %s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[testenv] ERROR: %s\n' "$*" >&2; exit 1; }

now_s() { date +%s; }

# require_cmd CMD HINT: fails with HINT when CMD is not on PATH.
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH: $2"
}

# pid_alive PID: true while PID runs (and is not a zombie).
pid_alive() {
  local pid=$1 state
  [[ -n "$pid" && -r /proc/$pid/stat ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ "$state" != Z ]]
}

# pid_cmdline_has PID TEXT: true when PID's command line contains TEXT. Guards every kill against
# a recorded PID that the kernel has since reused for an unrelated process.
pid_cmdline_has() {
  local pid=$1 text=$2
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$text"
}

# stop_group PID GRACE_S: SIGTERM to the process group led by PID (each component is started with
# setsid, so it leads its own group), SIGKILL after GRACE_S seconds.
stop_group() {
  local pid=$1 grace=$2 deadline
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( $(now_s) + grace ))
  while pid_alive "$pid" && (( $(now_s) < deadline )); do sleep 0.2; done
  if pid_alive "$pid"; then
    warn "pid $pid did not stop within ${grace}s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
}

# free_ports N: prints N distinct free TCP ports on 127.0.0.1, one per line. All sockets are held
# open until every port is chosen so the N ports are distinct.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print("\n".join(str(s.getsockname()[1]) for s in socks))
PY
}
