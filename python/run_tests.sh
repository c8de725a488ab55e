#!/usr/bin/env bash
# Installs the podpilot Python package the way a user does (pip install ./python, which builds the
# C++ extension in release mode) into the virtual environment build/venv, created on first use and
# reused afterwards, then runs the pytest suite in python/tests. Registered with CTest as
# `python_tests`; by hand: python/run_tests.sh [pytest args, e.g. -k vec].
#
# Environment: PODPILOT_VENV (default build/venv), PYTHON (interpreter that creates the venv,
# default python3), PODPILOT_BIN (the CLI the parity tests compare against; CTest sets it),
# CMAKE_BUILD_PARALLEL_LEVEL (compile jobs). Test tools come from PyPI; torch and
# Stable-Baselines3 are NOT installed (tests/test_sb3.py skips; bench/sb3_vs_cpp_ppo.sh sets up a
# venv that has them, see python/README.md).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${PODPILOT_VENV:-$root/build/venv}"

# The venv and its tools (python/venv.sh, shared with other tests that need numpy). Build tools
# are installed into the venv and the package is built without isolation, so a rerun neither
# re-downloads them nor rebuilds the C++ from scratch (the CMake tree persists in
# build/python-wheel/).
py="$(PODPILOT_VENV="$venv" "$root/python/venv.sh")"
echo "run_tests: building and installing ./python"
"$py" -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps --force-reinstall \
  "$root/python"

cd "$root/python"
set +e
"$py" -m pytest -p no:cacheprovider -ra tests "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  # pytest's "no tests collected". With a selection (-k, -m, a path) that is the caller's choice;
  # without one the suite itself is missing, which must not pass silently.
  if [ "$#" -gt 0 ]; then
    echo "run_tests: the selection '$*' matched no tests"
    exit 0
  fi
  echo "run_tests: pytest collected no tests from python/tests" >&2
  exit 1
fi
exit "$rc"
