#!/usr/bin/env bash
# Stable-Baselines3 PPO on podpilot's Python env versus podpilot's C++ PPO (`podpilot train`), on
# the same scenario (boutique-diurnal's train workload, setpoint actions, 8 envs, the same PPO
# hyperparameters): wall time for each to reach the C++ run's final reward per step. A benchmark,
# never part of the tests or of CI (it needs torch).
#
#   bench/sb3_vs_cpp_ppo.sh [BUILD_DIR] [TIMESTEPS]    # defaults: build/release 300000
#
# Environment: SB3_MAX_MINUTES (bound on SB3's training, default 20), OUT (run directories,
# default out/sb3-vs-cpp), PODPILOT_SB3_CACHE (default ~/.cache/podpilot/sb3-bench),
# NICE (default 15: both trainers run under `nice -n $NICE`, one after the other).
#
# The SB3 side lives in its own virtual environment under the cache dir, set up on first use:
#   * torch is Debian's python3-torch 1.13 (the PyPI wheel would pull GBs of CUDA packages). It
#     is fetched with `apt-get download` and unpacked into the cache (dpkg -x), not installed: its
#     native libraries are libtorch1.13's, which scripts/setup installs for src/rl (libtorch-dev),
#     and the venv finds the Python part through a .pth file. The venv's interpreter is Debian's
#     /usr/bin/python3, the one that package is built for.
#   * Stable-Baselines3 2.4.1, the last release that supports torch 1.13 (2.5+ need torch >= 2.3),
#     installed with --no-deps: it declares gymnasium < 1.1 but podpilot needs gymnasium >= 1.1
#     (AutoresetMode); SB3's env checker and PPO run fine with gymnasium 1.1 (python/tests/test_sb3.py).
#   * numpy < 2 (Debian's torch 1.13 is built against numpy 1.x) and podpilot itself, built into
#     the cache's own CMake tree (the project's build/ is not touched).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=${1:-build/release}
timesteps=${2:-300000}
cache=${PODPILOT_SB3_CACHE:-$HOME/.cache/podpilot/sb3-bench}
out=${OUT:-out/sb3-vs-cpp}
nice_level=${NICE:-15}
max_minutes=${SB3_MAX_MINUTES:-20}
bin="$build/src/cli/podpilot"
[ -x "$bin" ] || { echo "sb3_vs_cpp_ppo: $bin not built (make build)" >&2; exit 1; }

# ---- the SB3 venv --------------------------------------------------------------------------------
torch_version=$(dpkg-query -W -f='${Version}' libtorch1.13 2>/dev/null || true)
[ -n "$torch_version" ] || { echo "sb3_vs_cpp_ppo: libtorch1.13 is not installed (scripts/setup installs libtorch-dev)" >&2; exit 1; }
debroot="$cache/debroot"
if [ ! -f "$debroot/.version" ] || [ "$(cat "$debroot/.version")" != "$torch_version" ]; then
  echo "sb3_vs_cpp_ppo: unpacking Debian's python3-torch $torch_version into $debroot"
  mkdir -p "$cache/debs"
  (cd "$cache/debs" && apt-get download "python3-torch=$torch_version")
  rm -rf "$debroot"
  dpkg -x "$cache/debs/python3-torch_${torch_version/:/%3a}_amd64.deb" "$debroot"
  # The package's torch/lib/*.so are relative links to ../../../../x86_64-linux-gnu/: point that
  # at the installed libtorch1.13.
  ln -sfn /usr/lib/x86_64-linux-gnu "$debroot/usr/lib/x86_64-linux-gnu"
  echo "$torch_version" > "$debroot/.version"
fi
venv="$cache/venv"
py="$venv/bin/python"
if [ ! -x "$py" ]; then
  echo "sb3_vs_cpp_ppo: creating $venv"
  /usr/bin/python3 -m venv "$venv"
fi
site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$debroot/usr/lib/python3/dist-packages" > "$site/debian-torch.pth"
"$py" -m pip install --quiet --disable-pip-version-check "numpy>=1.23,<2" "gymnasium>=1.1,<1.2" cloudpickle \
  pandas matplotlib typing_extensions "scikit-build-core>=0.10" "pybind11>=2.12" pytest
"$py" -m pip install --quiet --disable-pip-version-check --no-deps "stable-baselines3==2.4.1"
echo "sb3_vs_cpp_ppo: building and installing ./python into $venv"
"$py" -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps --force-reinstall \
  --config-settings=build-dir="$cache/wheel-build" "$root/python"
"$py" -c 'import torch, stable_baselines3, podpilot; print("sb3_vs_cpp_ppo: torch", torch.__version__, "SB3", stable_baselines3.__version__)'

# ---- the two runs, one after the other ---------------------------------------------------------
rm -rf "$out/cpp" "$out/sb3"
mkdir -p "$out"
echo "== C++ PPO: podpilot train, $timesteps steps"
/usr/bin/time -f "  wall %e s" nice -n "$nice_level" "$bin" train --agent ppo --suite default --scenario boutique-diurnal \
  --mode setpoint --timesteps "$timesteps" --seed 1 --num-envs 8 --out "$out/cpp" 2>&1 | tail -2
echo "== SB3 PPO: $timesteps steps or $max_minutes minutes"
/usr/bin/time -f "  wall %e s" nice -n "$nice_level" "$py" "$root/bench/sb3_vs_cpp_ppo.py" train --out "$out/sb3" \
  --timesteps "$timesteps" --num-envs 8 --seed 1 --max-minutes "$max_minutes"
echo "== comparison"
"$py" "$root/bench/sb3_vs_cpp_ppo.py" compare "$out/cpp/learning_curve.csv" "$out/sb3/learning_curve.csv" |
  tee "$out/comparison.md"
