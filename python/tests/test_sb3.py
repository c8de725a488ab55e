"""The Stable-Baselines3 examples end to end. Skipped where SB3 (and torch) are not installed, as
in CI: they are large; install them into the venv to run these."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO_ROOT
from podpilot import _podpilot

pytest.importorskip("stable_baselines3")


def test_sb3_env_checker_accepts_the_env():
    from stable_baselines3.common.env_checker import check_env

    import podpilot

    check_env(podpilot.make_env(duration="2h"), warn=True)


def test_train_then_convert_and_agree(tmp_path):
    model = tmp_path / "model.zip"
    train = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "train_sb3_ppo.py"), "--timesteps", "512", "--num-envs", "2",
         "--duration", "1h", "--out", str(model)],
        capture_output=True, text=True, timeout=600,
    )
    assert train.returncode == 0, train.stderr
    assert (tmp_path / "model.podpilot.json").is_file()
    convert = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "sb3_to_podpilot.py"), str(model), str(tmp_path / "p.safetensors")],
        capture_output=True, text=True, timeout=600,
    )
    assert convert.returncode == 0, convert.stdout + convert.stderr
    assert "check: C++ and SB3 agree on" in convert.stdout
    provenance = json.loads(_podpilot.Policy(str(tmp_path / "p.safetensors")).provenance_json)
    assert provenance["trainer"] == "sb3-ppo" and provenance["metrics_lag_s"] == 0
