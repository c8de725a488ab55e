"""Turns make_env / make_vec_env keyword arguments into the extension's Config.

Every argument is checked here or in C++ with a message naming it, so a typo surfaces as a
ValueError or TypeError at construction, never as a crash or a silently different experiment.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import Mapping, Sequence, Union

from . import _podpilot

Duration = Union[int, float, str]

ACTION_MODES = ("delta", "setpoint")
_REWARD_KEYS = ("cost", "slo", "churn")


def bundled_apps_dir() -> Path:
    """The application models shipped inside the installed package."""
    return Path(__file__).resolve().parent / "scenarios" / "apps"


def bundled_apps() -> list[str]:
    """Names make_env(app=...) accepts without a path."""
    return sorted(p.stem for p in bundled_apps_dir().glob("*.yaml"))


def _seconds(name: str, value: Duration) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise TypeError(f"{name} must be seconds (a number) or a duration string like '15m', got {value!r}")
    if isinstance(value, str):
        return float(_podpilot.parse_duration(value))
    seconds = float(value)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return seconds


def _check_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return int(value)


def _check_real(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return float(value)


def _sequence(name: str, value) -> list:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a sequence, got {value!r}")
    return list(value)


def _resolve_app(app: Union[str, os.PathLike]) -> str:
    if not isinstance(app, (str, os.PathLike)):
        raise TypeError(f"app must be a bundled app name or a path to a YAML model, got {app!r}")
    text = os.fspath(app)
    # An explicit path, or a scenarios directory the user chose, goes to C++ as is.
    if os.environ.get("PODPILOT_SCENARIOS") or "/" in text or os.path.exists(text):
        return text
    bundled = bundled_apps_dir() / f"{text}.yaml"
    if bundled.is_file():
        return str(bundled)
    if bundled_apps_dir().is_dir():
        raise ValueError(
            f"unknown app {text!r}; bundled apps: {', '.join(bundled_apps())} "
            "(or pass the path of an application YAML model)"
        )
    return text  # a build without packaged scenarios: let C++ search the source tree


def make_config(
    app: Union[str, os.PathLike],
    workload: str,
    duration: Duration,
    control_interval: Duration,
    action_mode: str,
    max_delta: int,
    deltas: Sequence[int] | None,
    setpoints: Sequence[float] | None,
    tolerance: float,
    scale_down_window: Duration,
    history: int,
    peak_window: int,
    slo_ms: float | None,
    metrics_window: Duration,
    metrics_lag: Duration,
    targets: Sequence[str] | None,
    reward_weights: Mapping[str, float] | None,
) -> "_podpilot.Config":
    c = _podpilot.Config()
    c.app = _resolve_app(app)
    if not isinstance(workload, str):
        raise TypeError(f"workload must be a spec string such as 'diurnal' or 'step:low=20,high=200', got {workload!r}")
    c.workload = workload
    c.duration_s = _seconds("duration", duration)
    c.control_interval_s = _seconds("control_interval", control_interval)
    c.metrics_window_s = _seconds("metrics_window", metrics_window)
    c.metrics_lag_s = _seconds("metrics_lag", metrics_lag)
    if not isinstance(action_mode, str) or action_mode not in ACTION_MODES:
        raise ValueError(f"action_mode must be one of {ACTION_MODES}, got {action_mode!r}")
    c.action_mode = action_mode
    if deltas is None:
        _check_int("max_delta", max_delta)
        if not 1 <= max_delta <= 1000:
            raise ValueError(f"max_delta must be in [1, 1000], got {max_delta}")
        deltas = range(-int(max_delta), int(max_delta) + 1)
    c.deltas = [_check_int("deltas[]", d) for d in _sequence("deltas", deltas)]
    if setpoints is not None:
        c.setpoints = [_check_real("setpoints[]", s) for s in _sequence("setpoints", setpoints)]
    c.tolerance = _check_real("tolerance", tolerance)
    c.scale_down_window_s = _seconds("scale_down_window", scale_down_window)
    c.history = _check_int("history", history)
    c.peak_window = _check_int("peak_window", peak_window)
    if slo_ms is not None:
        c.slo_ms = _check_real("slo_ms", slo_ms)
    if targets is not None:
        if isinstance(targets, str) or not all(isinstance(t, str) for t in targets):
            raise TypeError(f"targets must be a list of service names, got {targets!r}")
        c.targets = list(targets)
    if reward_weights is not None:
        unknown = set(reward_weights) - set(_REWARD_KEYS)
        if unknown:
            raise ValueError(f"reward_weights: unknown keys {sorted(unknown)}; known: {list(_REWARD_KEYS)}")
        for key, value in reward_weights.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"reward_weights[{key!r}] must be a number, got {value!r}")
            setattr(c, f"{key}_weight", float(value))
    return c
