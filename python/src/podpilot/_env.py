"""PodPilotEnv: one simulated application as a gymnasium.Env."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from . import _podpilot

# Largest seed drawn when reset() gets none (C++ seeds are uint64; Gymnasium seeds are >= 0).
_SEED_RANGE = 2**63


def check_options(options: dict[str, Any] | None) -> None:
    if options is None:
        return
    if not isinstance(options, dict):
        raise TypeError(f"options must be a dict or None, got {options!r}")
    if options:
        raise ValueError(f"reset(options=...): no options are supported, got keys {sorted(options)}")


class PodPilotEnv(gym.Env[np.ndarray, np.ndarray]):
    """The podpilot simulator behind Gymnasium's API (build it with ``podpilot.make_env``).

    One step is one control interval. The observation is the float32 feature vector of
    src/policy/learned/features.h (names in ``obs_names``, version ``podpilot.FEATURE_VERSION``,
    layout as JSON in ``feature_layout_json``), the same vector a learned policy reads in C++. The
    action is one discrete choice per target service (``target_names``), mapped to replicas as
    src/policy/learned/actions.h does (``action_layout_json``; ``choices`` describes each index):
    in ``delta`` mode choice k changes replicas by ``deltas[k]``; in ``setpoint`` mode it picks a
    target CPU utilisation ``setpoints[k]`` that the HPA rule turns into replicas. Episodes are
    truncated at the workload's duration and never terminate early.

    ``info`` of every reset and step holds the scorecard components of the interval just
    simulated: cost ($), cost_rate ($/h), slo_shortfall, churn (replica changes), requests,
    errors, slo_attainment, p95_ms, plus time_s and replicas. The truncating step adds
    ``info["scorecard"]``, the run's scorecard (the numbers ``podpilot simulate --json`` prints).

    ``reset(seed=S)`` seeds the simulator with S itself, so it reproduces
    ``podpilot simulate --seed S`` exactly; ``reset()`` without a seed draws one from
    ``self.np_random``.
    """

    metadata = {"render_modes": []}

    def __init__(self, config: "_podpilot.Config", render_mode: str | None = None):
        if render_mode is not None:
            raise ValueError(f"render_mode {render_mode!r} is not supported (podpilot envs do not render)")
        self.render_mode = None
        self._core = _podpilot.EnvCore(config)
        self.observation_space = spaces.Box(self._core.obs_low, self._core.obs_high, dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(np.asarray(self._core.nvec, dtype=np.int64))
        self.obs_names: list[str] = list(self._core.obs_names)
        self.target_names: list[str] = list(self._core.target_names)
        self.action_mode: str = self._core.action_mode
        self.choices: list[str] = list(self._core.choices)
        self.feature_layout_json: str = self._core.feature_layout_json
        self.action_layout_json: str = self._core.action_layout_json
        self.app_name: str = self._core.app_name
        self.episode_steps: int = self._core.episode_steps

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        check_options(options)
        if seed is None:
            seed = int(self.np_random.integers(0, _SEED_RANGE))
        return self._core.reset(int(seed))

    def step(self, action: Any) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        return self._core.step(action)

    def noop_action(self) -> np.ndarray:
        """The action that changes nothing now (what ``--policy static`` does)."""
        return self._core.noop_action()

    def scorecard(self) -> dict[str, Any]:
        """The scorecard of the current episode so far."""
        return self._core.scorecard()

    def __repr__(self) -> str:
        return f"<PodPilotEnv app={self.app_name} targets={len(self.target_names)} mode={self.action_mode}>"
