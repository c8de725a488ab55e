"""PodPilotVecEnv: N simulated applications stepped together in C++ as a Gymnasium VectorEnv."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import _podpilot
from ._env import _SEED_RANGE, check_options


class PodPilotVecEnv(VectorEnv):
    """``num_envs`` copies of the simulator stepped on a C++ thread pool (``podpilot.make_vec_env``).

    * Autoreset: NEXT_STEP (``metadata["autoreset_mode"]``). After a step that truncates env i,
      the next ``step`` ignores env i's action, resets it and returns its first observation with
      reward 0, terminated and truncated False.
    * Seeds: ``reset(seed=S)`` seeds env i with ``S + i``; later episodes of env i get seeds
      derived from that one. A list of seeds must be consecutive (``[S, S + 1, ...]``).
    * Zero-copy observations (unless ``copy_obs=True``): the observation array returned by
      ``reset`` and ``step`` is a view of a buffer the C++ side owns and OVERWRITES on the next
      ``reset`` or ``step``. Copy it (``obs.copy()``) to keep it beyond that. Rewards,
      terminations, truncations and infos are new arrays on every call.
    * The GIL is released while the simulators run.
    * ``info`` holds float64 arrays (one value per env) of the interval's scorecard components
      (cost, cost_rate, slo_shortfall, churn, requests, errors, slo_attainment, p95_ms) with
      Gymnasium's ``_key`` masks, and, on a step where some env's episode ended, that episode's
      ``episode_cost``, ``episode_requests``, ``episode_errors``, ``episode_slo_attainment`` and
      ``episode_p95_ms`` (masked to the envs that ended).
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, config: "_podpilot.Config", num_envs: int, threads: int = 0, copy_obs: bool = False):
        for name, value in (("num_envs", num_envs), ("threads", threads)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {value!r}")
        self._core = _podpilot.VecEnvCore(config, int(num_envs), int(threads))
        self.num_envs = int(num_envs)
        self.copy_obs = bool(copy_obs)
        self.render_mode = None
        self.single_observation_space = spaces.Box(self._core.obs_low, self._core.obs_high, dtype=np.float32)
        self.single_action_space = spaces.MultiDiscrete(np.asarray(self._core.nvec, dtype=np.int64))
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.obs_names: list[str] = list(self._core.obs_names)
        self.target_names: list[str] = list(self._core.target_names)
        self.action_mode: str = self._core.action_mode
        self.choices: list[str] = list(self._core.choices)
        self.feature_layout_json: str = self._core.feature_layout_json
        self.action_layout_json: str = self._core.action_layout_json
        self.app_name: str = self._core.app_name
        self.episode_steps: int = self._core.episode_steps
        self.threads: int = self._core.threads

    def reset(
        self, *, seed: int | Sequence[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        check_options(options)
        if seed is not None and not isinstance(seed, (int, np.integer)):
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"reset(seed=[...]) needs {self.num_envs} seeds, got {len(seeds)}")
            if any(s is None for s in seeds) or seeds != list(range(seeds[0], seeds[0] + self.num_envs)):
                raise ValueError(
                    "reset(seed=[...]) must be consecutive integers [S, S + 1, ...]: env i is seeded with S + i"
                )
            seed = seeds[0]
        super().reset(seed=seed)
        if seed is None:
            seed = int(self.np_random.integers(0, _SEED_RANGE))
        obs, info = self._core.reset(int(seed))
        return (obs.copy() if self.copy_obs else obs), info

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        obs, rewards, terminated, truncated, info = self._core.step(actions)
        return (obs.copy() if self.copy_obs else obs), rewards, terminated, truncated, info

    def noop_action(self) -> np.ndarray:
        """Actions (num_envs, num_targets) that change nothing now (what ``--policy static`` does)."""
        return self._core.noop_action()

    def __repr__(self) -> str:
        return f"<PodPilotVecEnv app={self.app_name} num_envs={self.num_envs} threads={self.threads}>"
