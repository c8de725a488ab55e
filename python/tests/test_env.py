"""PodPilotEnv: Gymnasium conformance, action semantics, observation layout, determinism and
agreement with the C++ CLI."""

from __future__ import annotations

import json
import math
import subprocess
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import podpilot
from conftest import SHORT


def make(**kwargs):
    kwargs.setdefault("duration", SHORT)
    return podpilot.make_env(**kwargs)


def run_noop_episode(env, seed):
    """Steps an episode with no-op actions; returns (infos of reset and every step, final info)."""
    _, info = env.reset(seed=seed)
    infos = [info]
    while True:
        _, _, terminated, truncated, info = env.step(env.noop_action())
        infos.append(info)
        assert not terminated
        if truncated:
            return infos


@pytest.mark.parametrize("mode", ["delta", "setpoint"])
def test_check_env_passes_without_warnings(mode):
    # Through gymnasium.make so that the checker also exercises the spec (render modes, close).
    env = gym.make(podpilot.ENV_ID, duration=SHORT, action_mode=mode).unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    assert [str(w.message) for w in caught] == []


def test_make_env_is_a_gymnasium_env_with_declared_spaces():
    env = make(max_delta=2)
    assert isinstance(env, gym.Env)
    assert isinstance(env.observation_space, gym.spaces.Box)
    assert env.observation_space.dtype == np.float32
    assert env.observation_space.shape == (len(env.obs_names),)
    assert np.all(np.isfinite(env.observation_space.low)) and np.all(np.isfinite(env.observation_space.high))
    # Online Boutique has 11 services, each a target by default; delta choices -2..+2.
    assert len(env.target_names) == 11 and "frontend" in env.target_names
    assert isinstance(env.action_space, gym.spaces.MultiDiscrete)
    assert env.action_space.nvec.tolist() == [5] * 11
    obs, _ = env.reset(seed=1)
    assert obs.dtype == np.float32 and obs in env.observation_space


def test_targets_select_the_controlled_services_in_order():
    env = make(targets=["cartservice", "frontend"])
    assert env.target_names == ["cartservice", "frontend"]
    assert env.action_space.shape == (2,)
    assert len([n for n in env.obs_names if n.startswith(("t0.", "t1."))]) == 2 * 11
    assert not any(n.startswith("t2.") for n in env.obs_names)


def test_delta_action_changes_one_target_by_its_choice():
    env = make(max_delta=2)
    _, info = env.reset(seed=5)
    before = info["replicas"].copy()
    action = env.noop_action()
    j = env.target_names.index("cartservice")
    action[j] += 2  # +2 replicas
    _, reward, _, _, info = env.step(action)
    expected = before.copy()
    expected[j] += 2
    assert info["replicas"].tolist() == expected.tolist()
    assert info["churn"] == 2
    # The reward charges the churn: same formula as the C++ Env (cost 1, slo 10, churn 0.01).
    assert reward == pytest.approx(-(info["cost_rate"] + 10 * info["slo_shortfall"] + 0.01 * 2), rel=1e-12)


def test_setpoint_action_applies_the_hpa_rule_to_the_chosen_utilisation():
    env = make(action_mode="setpoint", setpoints=[0.5, 0.7, 0.95], tolerance=0.1)
    assert env.choices == ["cpu 50%", "cpu 70%", "cpu 95%"]
    names = env.obs_names
    obs, info = env.reset(seed=2)
    for _ in range(4):
        obs, _, _, _, info = env.step(env.noop_action())
    j = env.target_names.index("frontend")
    util = float(obs[names.index(f"t{j}.cpu_utilization")])
    spec = int(info["replicas"][j])
    assert util / 0.5 > 1.1  # busy enough that 50 % asks for more replicas
    action = env.noop_action()
    action[j] = 0  # 50 %
    _, _, _, _, info = env.step(action)
    assert info["replicas"][j] == math.ceil(spec * util / 0.5)
    assert info["churn"] == info["replicas"][j] - spec
    # The no-op picks, per target, the choice whose HPA result is closest to the current count
    # (with 9 pods, 5 of them still starting, no setpoint may keep it exactly).
    obs, _, _, _, info = env.step(env.noop_action())
    before, util = int(info["replicas"][j]), float(obs[names.index(f"t{j}.cpu_utilization")])

    def hpa(setpoint):
        ratio = util / setpoint
        return before if abs(ratio - 1) <= 0.1 else min(max(math.ceil(before * ratio), 1), 20)

    _, _, _, _, info = env.step(env.noop_action())
    assert abs(info["replicas"][j] - before) == min(abs(hpa(s) - before) for s in (0.5, 0.7, 0.95))


def test_setpoint_scale_down_window_holds_replicas_as_the_hpa_does():
    """30 % then 90 %: without a window the switch removes pods at once; with the HPA's 300 s
    window (20 steps of 15 s) nothing is removed before the window has passed, then it is."""

    def replicas_after_switch(window):
        env = make(action_mode="setpoint", setpoints=[0.3, 0.9], scale_down_window=window,
                   workload="constant:rps=150", duration="30m")
        env.reset(seed=3)
        for _ in range(60):  # settle at 30 %: the last 300 s then all recommended today's counts
            _, _, _, _, info = env.step([0] * len(env.target_names))
        seen = [list(info["replicas"])]
        for _ in range(30):
            _, _, _, _, info = env.step([1] * len(env.target_names))
            seen.append(list(info["replicas"]))
        return seen

    def first_drop(seen):
        return next(k for k in range(1, len(seen)) if any(b < a for a, b in zip(seen[k - 1], seen[k])))

    assert first_drop(replicas_after_switch(0)) <= 2
    held = replicas_after_switch("5m")
    assert 20 <= first_drop(held) <= 22


def test_feature_history_starts_from_the_first_observation():
    env = make(history=2, targets=["frontend", "cartservice"])
    names = env.obs_names
    assert len(names) == 6 + 2 * 11 + 2 * (2 + 3 * 2)
    obs, _ = env.reset(seed=3)
    # At the start of an episode every history slot repeats the current key features.
    for k in (1, 2):
        for key in ("request_rate_log1p", "slo_attainment", "t0.cpu_utilization", "t1.replicas_spec"):
            assert obs[names.index(f"h{k}.{key}")] == obs[names.index(key)]
    previous = obs
    obs, *_ = env.step(env.noop_action())
    assert obs[names.index("h1.request_rate_log1p")] == previous[names.index("request_rate_log1p")]
    assert obs[names.index("h1.request_rate_log1p")] != obs[names.index("request_rate_log1p")]
    # A new episode forgets the old one's history.
    obs, _ = env.reset(seed=4)
    assert obs[names.index("h2.t0.cpu_utilization")] == obs[names.index("t0.cpu_utilization")]


def test_recent_peak_features_follow_the_window():
    env = make(peak_window=3, targets=["frontend"], workload="step:low=10,high=100,at=30s")
    names = env.obs_names
    assert names[-2:] == ["peak.request_rate_log1p", "peak.below_log1p"]
    obs, _ = env.reset(seed=3)
    assert obs[-2] == obs[names.index("request_rate_log1p")] and obs[-1] == 0
    rates = [obs[names.index("request_rate_log1p")]]
    for _ in range(6):
        obs, *_ = env.step(env.noop_action())
        rates.append(obs[names.index("request_rate_log1p")])
        peak = max(rates[-3:])
        assert obs[-2] == pytest.approx(peak, abs=1e-6)
        assert obs[-1] == pytest.approx(peak - rates[-1], abs=1e-6)
    assert obs[-2] > rates[0] + 1  # the step to 100 rps is in the window


def test_feature_layout_records_the_control_interval():
    # History and peak_window count steps, so a model trained here must say how long a step was.
    layout = json.loads(make(history=1, peak_window=4, control_interval=30).feature_layout_json)
    assert layout["control_interval_s"] == 30
    # At the default 15 s the key is absent, as in every layout written before it existed.
    assert "control_interval_s" not in json.loads(make(history=1).feature_layout_json)


def test_reward_weights_reach_the_simulator():
    env = make(reward_weights={"cost": 2.0, "slo": 0.0, "churn": 1.0})
    env.reset(seed=0)
    action = env.noop_action()
    action[0] += 1
    _, reward, _, _, info = env.step(action)
    assert info["churn"] == 1
    assert reward == pytest.approx(-(2 * info["cost_rate"] + 1.0), rel=1e-12)


def test_info_carries_consistent_scorecard_components():
    env = make()
    _, info = env.reset(seed=4)
    for _ in range(3):
        _, _, _, _, info = env.step(env.noop_action())
    assert set(podpilot.INFO_KEYS) <= set(info)
    assert info["requests"] > 0
    assert info["slo_attainment"] + info["slo_shortfall"] == pytest.approx(1.0)
    assert info["cost_rate"] == pytest.approx(info["cost"] * 3600 / 15)
    assert info["time_s"] == 4 * 15
    assert info["p95_ms"] > 0


def test_with_a_metrics_lag_info_is_what_happened_and_the_observation_what_the_lag_shows():
    def episode(env):
        obs, info = env.reset(seed=5)
        steps = [(obs, info)]
        while True:
            obs, _, _, truncated, info = env.step(env.noop_action())
            steps.append((obs, info))
            if truncated:
                return {info["time_s"]: (obs, info) for obs, info in steps}

    instant, lagged = make(), make(metrics_lag=15)
    now, late = episode(instant), episode(lagged)
    assert min(late) == min(now) + 15  # one more interval of warm-up
    feature = lagged.obs_names.index("slo_attainment")
    misses = 0
    for t, (obs, info) in late.items():
        for key in ("requests", "slo_attainment", "p95_ms", "cost"):
            assert info[key] == pytest.approx(now[t][1][key], rel=1e-9), (t, key)
        # The policy sees the interval that ended 15 s ago.
        assert obs[feature] == pytest.approx(now[t - 15][1]["slo_attainment"], rel=1e-5, abs=1e-6), t
        misses += now[t][1]["slo_attainment"] < 1
    assert misses > 0, "the episode must miss the SLO somewhere, or the lag is not visible"


def test_observation_encodes_the_interval_it_reports():
    env = make()
    names = env.obs_names
    obs, info = env.reset(seed=9)
    for _ in range(10):
        obs, _, _, _, info = env.step(env.noop_action())
    t = info["time_s"]
    assert obs[names.index("time_of_day_sin")] == pytest.approx(math.sin(2 * math.pi * t / 86400), abs=1e-6)
    assert obs[names.index("time_of_day_cos")] == pytest.approx(math.cos(2 * math.pi * t / 86400), abs=1e-6)
    # Entry rate over the last interval = requests / interval length.
    assert obs[names.index("request_rate_log1p")] == pytest.approx(math.log1p(info["requests"] / 15), rel=1e-5)
    assert obs[names.index("slo_attainment")] == pytest.approx(info["slo_attainment"], rel=1e-5)
    # replicas_spec is replicas / max_replicas: scaling up keeps the ratio at the (fixed) maximum.
    j = env.target_names.index("frontend")
    feature = names.index(f"t{j}.replicas_spec")
    maximum = info["replicas"][j] / obs[feature]
    action = env.noop_action()
    action[j] += 1
    obs, _, _, _, info = env.step(action)
    assert info["replicas"][j] / obs[feature] == pytest.approx(maximum, rel=1e-6)


def test_same_seed_same_trajectory_under_random_actions():
    runs = []
    for _ in range(2):
        env = make(max_delta=2)
        env.action_space.seed(11)
        obs, _ = env.reset(seed=42)
        trace = [obs]
        for _ in range(40):
            obs, reward, _, _, info = env.step(env.action_space.sample())
            trace += [obs, np.array([reward, info["cost"], info["requests"]]), info["replicas"]]
        runs.append(trace)
    assert all(np.array_equal(a, b) for a, b in zip(*runs))


def test_different_seeds_draw_different_arrivals():
    env = make()
    a = [i["requests"] for i in run_noop_episode(env, 1)[:20]]
    b = [i["requests"] for i in run_noop_episode(env, 2)[:20]]
    assert a != b


def test_episode_truncates_at_duration_and_then_refuses_steps():
    env = make()
    with pytest.raises(RuntimeError, match="before reset"):
        env.step(np.ones(11, dtype=np.int64))
    infos = run_noop_episode(env, 0)
    assert len(infos) - 1 == env.episode_steps == 2 * 3600 // 15 - 1
    assert infos[-1]["scorecard"]["steps"] == env.episode_steps
    assert all("scorecard" not in i for i in infos[:-1])
    with pytest.raises(RuntimeError, match="episode ended"):
        env.step(env.noop_action())
    env.reset(seed=0)  # usable again
    env.step(env.noop_action())


@pytest.mark.parametrize(
    "app,workload,seed",
    [("online-boutique", "diurnal", 3), ("teastore", "step:low=20,high=200,at=30m", 7), ("gourmetgram", "spike", 1)],
)
def test_noop_episode_matches_cli_static_policy(cli, app, workload, seed):
    out = subprocess.run(
        [str(cli), "simulate", "--app", app, "--workload", workload, "--policy", "static", "--duration", SHORT,
         "--seed", str(seed), "--json"],
        check=True, capture_output=True, text=True, timeout=300,
    )
    expected = json.loads(out.stdout)
    env = make(app=app, workload=workload)
    infos = run_noop_episode(env, seed)
    card = infos[-1]["scorecard"]
    for key in ("cost", "requests", "errors", "slo_attainment", "interval_slo_attainment", "p50_ms", "p95_ms",
                "p99_ms", "pod_hours", "cpu_utilization", "memory_utilization", "steps"):
        assert card[key] == expected[key], key  # exact: same simulator, same seed, same decisions
    # The per-step infos (reset included) add up to the run totals.
    assert sum(i["requests"] for i in infos) == pytest.approx(expected["requests"], rel=1e-12)
    assert sum(i["cost"] for i in infos) == pytest.approx(expected["cost"], rel=1e-9)
