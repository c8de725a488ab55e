"""PodPilotVecEnv: the C++ VecEnv behind Gymnasium's VectorEnv API."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, VectorEnv

import podpilot
from conftest import SHORT

# 2 minutes at 15 s: the warm-up interval then 7 steps, so episodes end quickly.
TINY = "2m"
TINY_STEPS = 7


def test_declares_batched_spaces_and_next_step_autoreset():
    venv = podpilot.make_vec_env(num_envs=4, duration=SHORT, max_delta=2)
    assert isinstance(venv, VectorEnv)
    assert venv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert venv.num_envs == 4
    d = venv.single_observation_space.shape[0]
    assert venv.observation_space.shape == (4, d) and venv.observation_space.dtype == np.float32
    assert venv.single_action_space.nvec.tolist() == [5] * len(venv.target_names)
    assert venv.action_space.shape == (4, len(venv.target_names))
    obs, info = venv.reset(seed=0)
    assert obs.shape == (4, d) and obs.dtype == np.float32 and obs in venv.observation_space
    actions = venv.action_space.sample()
    obs, rewards, terminated, truncated, info = venv.step(actions)
    assert rewards.shape == (4,) and rewards.dtype == np.float64
    assert terminated.dtype == np.bool_ and truncated.dtype == np.bool_
    for key in podpilot.INFO_KEYS:
        assert info[key].shape == (4,) and info[f"_{key}"].all()


def test_each_env_matches_a_single_env_seeded_base_plus_index():
    n, base = 3, 100
    venv = podpilot.make_vec_env(num_envs=n, duration=SHORT, max_delta=2)
    singles = [podpilot.make_env(duration=SHORT, max_delta=2) for _ in range(n)]
    obs, _ = venv.reset(seed=base)
    for i, env in enumerate(singles):
        single_obs, _ = env.reset(seed=base + i)
        np.testing.assert_array_equal(obs[i], single_obs)
    venv.action_space.seed(3)
    for _ in range(25):
        actions = venv.action_space.sample()
        obs, rewards, _, _, info = venv.step(actions)
        for i, env in enumerate(singles):
            single_obs, reward, _, _, single_info = env.step(actions[i])
            np.testing.assert_array_equal(obs[i], single_obs)
            assert rewards[i] == reward
            assert info["cost"][i] == single_info["cost"] and info["requests"][i] == single_info["requests"]


def test_results_do_not_depend_on_the_thread_count():
    runs = []
    for threads in (1, 2):
        venv = podpilot.make_vec_env(num_envs=5, duration=SHORT, threads=threads, copy_obs=True)
        venv.action_space.seed(0)
        obs, _ = venv.reset(seed=7)
        trace = [obs]
        for _ in range(10):
            obs, rewards, _, _, _ = venv.step(venv.action_space.sample())
            trace += [obs, rewards]
        runs.append(trace)
    assert all(np.array_equal(a, b) for a, b in zip(*runs))


def test_observations_are_a_zero_copy_view_overwritten_by_the_next_step():
    venv = podpilot.make_vec_env(num_envs=2, duration=SHORT)
    first, _ = venv.reset(seed=1)
    kept = first.copy()
    second, _, _, _, _ = venv.step(venv.noop_action())
    assert np.shares_memory(first, second)
    np.testing.assert_array_equal(first, second)  # the old array now shows the new step
    assert not np.array_equal(kept, second)
    # The view keeps the C++ buffer alive after the env object is gone.
    del venv
    gc.collect()
    assert np.isfinite(second).all()


def test_copy_obs_returns_fresh_arrays():
    venv = podpilot.make_vec_env(num_envs=2, duration=SHORT, copy_obs=True)
    first, _ = venv.reset(seed=1)
    second, _, _, _, _ = venv.step(venv.noop_action())
    assert not np.shares_memory(first, second)


def test_next_step_autoreset_and_episode_summaries():
    n, base = 2, 20
    venv = podpilot.make_vec_env(num_envs=n, duration=TINY)
    assert venv.episode_steps == TINY_STEPS
    singles = [podpilot.make_env(duration=TINY) for _ in range(n)]
    venv.reset(seed=base)
    for i, env in enumerate(singles):
        env.reset(seed=base + i)
    for step in range(TINY_STEPS):
        _, _, terminated, truncated, info = venv.step(venv.noop_action())
        for env in singles:
            env.step(env.noop_action())
        assert not terminated.any()
        assert truncated.all() == (step == TINY_STEPS - 1)
    assert info["_episode_cost"].all()
    for i, env in enumerate(singles):
        expected = env.scorecard()
        assert info["episode_cost"][i] == expected["cost"]
        assert info["episode_requests"][i] == expected["requests"]
        assert info["episode_slo_attainment"][i] == expected["slo_attainment"]
        assert info["episode_p95_ms"][i] == expected["p95_ms"]
    # The step after truncation resets: actions are ignored, reward is zero, nothing ends.
    scale_up = np.full((n, len(venv.target_names)), 2, dtype=np.int64)
    obs, rewards, terminated, truncated, info = venv.step(scale_up)
    assert rewards.tolist() == [0.0] * n
    assert not terminated.any() and not truncated.any()
    assert info["churn"].tolist() == [0.0] * n
    assert "episode_cost" not in info
    # A new episode runs its full length again.
    for step in range(TINY_STEPS):
        _, _, _, truncated, _ = venv.step(venv.noop_action())
    assert truncated.all()


def test_reset_accepts_consecutive_seed_lists():
    venv = podpilot.make_vec_env(num_envs=3, duration=SHORT, copy_obs=True)
    a, _ = venv.reset(seed=[5, 6, 7])
    b, _ = venv.reset(seed=5)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="consecutive"):
        venv.reset(seed=[5, 9, 2])


def test_step_releases_the_gil():
    # While one thread is inside the C++ step with the GIL released, a second thread can enter the
    # same env and is refused by its busy guard. Holding the GIL through the step would serialize
    # the two threads and no call would ever be refused.
    venv = podpilot.make_vec_env(num_envs=16, duration="1d", threads=1)
    venv.reset(seed=0)
    actions = venv.noop_action()
    refused = []
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                venv.step(actions)
            except RuntimeError as e:
                refused.append(str(e))

    workers = [threading.Thread(target=hammer) for _ in range(2)]
    for w in workers:
        w.start()
    for _ in range(2000):
        if refused:
            break
        threading.Event().wait(0.005)
    stop.set()
    for w in workers:
        w.join()
    assert refused and "two threads at once" in refused[0]


def test_autoreset_clears_the_feature_history():
    venv = podpilot.make_vec_env(num_envs=2, duration=TINY, history=1, targets=["frontend"])
    names = venv.obs_names
    current, previous = names.index("request_rate_log1p"), names.index("h1.request_rate_log1p")
    obs, _ = venv.reset(seed=3)
    np.testing.assert_array_equal(obs[:, previous], obs[:, current])
    last = obs.copy()
    for _ in range(TINY_STEPS):
        obs, *_ = venv.step(venv.noop_action())
        np.testing.assert_array_equal(obs[:, previous], last[:, current])  # history = previous step
        last = obs.copy()
    obs, *_ = venv.step(venv.noop_action())  # the autoreset step: a new episode, no history
    np.testing.assert_array_equal(obs[:, previous], obs[:, current])
    assert not np.array_equal(obs[:, current], last[:, current])
