#!/usr/bin/env bash
# The project's Python virtual environment: creates it on first use (default build/venv), makes
# sure the tools the tests need are in it, and prints its interpreter's path on stdout (and
# nothing else there: callers do `py=$(python/venv.sh)`).
#
#   python/venv.sh                       # -> /path/to/repo/build/venv/bin/python
#
# Used by python/run_tests.sh (the pytest suite) and by any test that needs numpy and friends
# (e.g. tests/learned/run_test.sh), so that none of them depends on what the system python3 has.
# Requirements come from PyPI through pip; already-satisfied ones cost no network access.
# torch and Stable-Baselines3 are NOT installed here (bench/sb3_vs_cpp_ppo.sh has its own venv).
#
# Environment: PODPILOT_VENV (default build/venv), PYTHON (interpreter that creates the venv,
# default python3). CTest runs tests in parallel: concurrent callers serialise on a lock file next
# to the venv, so two of them never create or pip-install into the same venv at once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${PODPILOT_VENV:-$root/build/venv}"
mkdir -p "$(dirname "$venv")"

# The requirements of the package (pyproject.toml), of building it without isolation, and of the
# tests. Keep in sync with python/pyproject.toml.
requirements=("scikit-build-core>=0.10" "pybind11>=2.12" "numpy>=1.23" "gymnasium>=1.1" "pytest>=7")

exec 9>"$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ]; then
  echo "venv: creating $venv" >&2
  "${PYTHON:-python3}" -m venv "$venv" >&2
fi
# pip itself checks the versions (an import check would accept an old venv's gymnasium 1.0).
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" >&2
flock -u 9
echo "$venv/bin/python"
