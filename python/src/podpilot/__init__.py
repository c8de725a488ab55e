"""podpilot: the autoscaling simulator as Gymnasium environments.

    import podpilot
    env = podpilot.make_env(app="online-boutique", workload="diurnal", duration="1d")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.noop_action())

    venv = podpilot.make_vec_env(num_envs=8)   # C++ thread pool, NEXT_STEP autoreset

See PodPilotEnv and PodPilotVecEnv for the observation, action, info and seeding contracts.
"""

from __future__ import annotations

import os
from typing import Mapping, Sequence, Union

import gymnasium

from . import _podpilot
from ._config import Duration, bundled_apps, make_config
from ._env import PodPilotEnv
from ._vector import PodPilotVecEnv

# gymnasium.make("podpilot/Autoscale-v0", app=..., workload=...) builds the same env as make_env.
ENV_ID = "podpilot/Autoscale-v0"

__all__ = ["ENV_ID", "make_env", "make_vec_env", "PodPilotEnv", "PodPilotVecEnv", "bundled_apps", "FEATURE_VERSION", "INFO_KEYS"]
__version__ = "0.1.0"

FEATURE_VERSION: int = _podpilot.FEATURE_VERSION
INFO_KEYS: tuple[str, ...] = tuple(_podpilot.INFO_KEYS)


def make_env(
    app: Union[str, os.PathLike] = "online-boutique",
    workload: str = "diurnal",
    duration: Duration = "1d",
    control_interval: Duration = 15,
    action_mode: str = "delta",
    *,
    max_delta: int = 1,
    deltas: Sequence[int] | None = None,
    setpoints: Sequence[float] | None = None,
    tolerance: float = 0.1,
    scale_down_window: Duration = 0,
    history: int = 0,
    peak_window: int = 0,
    slo_ms: float | None = None,
    metrics_window: Duration = 30,
    metrics_lag: Duration = 0,
    targets: Sequence[str] | None = None,
    reward_weights: Mapping[str, float] | None = None,
    render_mode: str | None = None,
) -> PodPilotEnv:
    """A gymnasium.Env over one simulated application.

    Args:
        app: a bundled application (see ``bundled_apps()``) or the path of an application YAML.
        workload: a workload spec, e.g. ``"diurnal"``, ``"step:low=20,high=200,at=10m"``,
            ``"trace:csv=FILE"`` (the same syntax as ``podpilot simulate --workload``).
        duration: episode length in seconds or as ``"90m"``, ``"1d"``...
        control_interval: seconds between decisions (one step).
        action_mode: ``"delta"`` (choice k changes replicas by deltas[k]) or ``"setpoint"`` (choice
            k picks the target CPU utilisation setpoints[k]; the HPA rule
            ceil(replicas * utilisation / setpoint), with ``tolerance``, gives the replicas).
        max_delta: delta mode's choices are -max_delta..+max_delta (unless ``deltas`` is given).
        deltas: delta mode's replica change per choice, e.g. [-2, -1, 0, 1, 2].
        setpoints: setpoint mode's CPU utilisations (0.5 = 50 %); default [0.3, 0.5, 0.7, 0.9].
        tolerance: setpoint mode's HPA tolerance around a ratio of 1.
        scale_down_window: setpoint mode: each service keeps the highest replica count the rule
            asked for in this window before scaling down, as the HPA's stabilization window
            (300 s is its default; 0 = off, the rule alone).
        history: feature history length K (features.h): the key features of the K previous
            observations are appended.
        peak_window: with W > 0, two features on the largest request rate of the last W steps
            (``peak.request_rate_log1p``, ``peak.below_log1p``: how far below it the load is now).
        slo_ms: the latency objective the features divide p95s by (default: the app's strictest).
        metrics_window, metrics_lag: the metrics pipeline's averaging window and delay.
        targets: the services the agent controls (default: all, in model order).
        reward_weights: any of {"cost": 1.0, "slo": 10.0, "churn": 0.01}; reward =
            -cost * $/h - slo * (1 - SLO attainment) - churn * replica changes.

    Raises:
        ValueError / TypeError naming the argument for an unknown app, a bad workload spec, etc.
    """
    config = make_config(app, workload, duration, control_interval, action_mode, max_delta, deltas, setpoints,
                         tolerance, scale_down_window, history, peak_window, slo_ms, metrics_window, metrics_lag, targets, reward_weights)
    return PodPilotEnv(config, render_mode=render_mode)


def make_vec_env(
    app: Union[str, os.PathLike] = "online-boutique",
    workload: str = "diurnal",
    duration: Duration = "1d",
    control_interval: Duration = 15,
    action_mode: str = "delta",
    *,
    num_envs: int = 8,
    threads: int = 0,
    copy_obs: bool = False,
    max_delta: int = 1,
    deltas: Sequence[int] | None = None,
    setpoints: Sequence[float] | None = None,
    tolerance: float = 0.1,
    scale_down_window: Duration = 0,
    history: int = 0,
    peak_window: int = 0,
    slo_ms: float | None = None,
    metrics_window: Duration = 30,
    metrics_lag: Duration = 0,
    targets: Sequence[str] | None = None,
    reward_weights: Mapping[str, float] | None = None,
) -> PodPilotVecEnv:
    """A gymnasium.vector.VectorEnv of ``num_envs`` simulators stepped in C++ on ``threads`` threads
    (0 = one per core). Observations are zero-copy views overwritten by the next step unless
    ``copy_obs=True``. Other arguments as in ``make_env``."""
    config = make_config(app, workload, duration, control_interval, action_mode, max_delta, deltas, setpoints,
                         tolerance, scale_down_window, history, peak_window, slo_ms, metrics_window, metrics_lag, targets, reward_weights)
    return PodPilotVecEnv(config, num_envs=num_envs, threads=threads, copy_obs=copy_obs)


if ENV_ID not in gymnasium.registry:
    gymnasium.register(id=ENV_ID, entry_point="podpilot:make_env")
