"""Shared fixtures: short episodes keep the suite fast while crossing every code path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Two hours at 15 s per step: 479 steps after the warm-up interval.
SHORT = "2h"


def podpilot_binary() -> Path | None:
    """The `podpilot` CLI to compare against: $PODPILOT_BIN (set by CTest) or the release build."""
    env = os.environ.get("PODPILOT_BIN")
    if env:
        return Path(env)
    candidate = REPO_ROOT / "build" / "release" / "src" / "cli" / "podpilot"
    return candidate if candidate.is_file() else None


@pytest.fixture
def cli() -> Path:
    binary = podpilot_binary()
    if os.environ.get("PODPILOT_BIN") and not binary.is_file():
        # CTest names the binary it built: its absence is a broken setup, not a reason to skip.
        pytest.fail(f"PODPILOT_BIN={binary} does not exist")
    if binary is None:
        pytest.skip("podpilot CLI not built (set PODPILOT_BIN or build build/release)")
    return binary
