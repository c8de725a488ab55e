"""Bad input is a Python exception with a clear message, never a crash, and leaves the env usable."""

from __future__ import annotations

import numpy as np
import pytest

import podpilot
from conftest import SHORT


@pytest.fixture
def env():
    e = podpilot.make_env(duration=SHORT)
    e.reset(seed=0)
    return e


@pytest.fixture
def venv():
    v = podpilot.make_vec_env(num_envs=3, duration=SHORT)
    v.reset(seed=0)
    return v


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"app": "no-such-app"}, ValueError, r"unknown app 'no-such-app'.*online-boutique"),
        ({"app": "/nonexistent/app.yaml"}, ValueError, r"/nonexistent/app\.yaml"),
        ({"app": 42}, TypeError, r"app must be"),
        ({"workload": "tsunami"}, ValueError, r"tsunami"),
        ({"workload": "step:low=20,high=nope"}, ValueError, r"high"),
        ({"workload": "step:low=20,hgih=200"}, ValueError, r"hgih"),
        ({"workload": None}, TypeError, r"workload must be"),
        ({"duration": "forever"}, ValueError, r"forever"),
        ({"duration": float("nan")}, ValueError, r"duration must be finite"),
        ({"duration": [1]}, TypeError, r"duration must be"),
        ({"duration": 20}, ValueError, r"at least two control intervals"),
        ({"duration": 40, "metrics_lag": 15}, ValueError, r"at least 3 control intervals .*metrics lag"),
        ({"control_interval": 0.5}, ValueError, r"control interval"),
        ({"action_mode": "absolute"}, ValueError, r"action_mode must be one of"),
        ({"max_delta": 0}, ValueError, r"max_delta must be in \[1, 1000\]"),
        ({"deltas": [0, 1, 1]}, ValueError, r"delta 1 appears twice"),
        ({"deltas": [0, 0.5]}, TypeError, r"deltas\[\] must be an int"),
        ({"action_mode": "setpoint", "setpoints": [0.5, 0]}, ValueError, r"setpoint 0 is outside \(0, 10\]"),
        ({"action_mode": "setpoint", "tolerance": 1.0}, ValueError, r"tolerance must be in \[0, 1\)"),
        ({"action_mode": "setpoint", "scale_down_window": -1}, ValueError, r"scale_down_window_s must be in \[0, 3600\]"),
        ({"scale_down_window": "5m"}, ValueError, r"scale_down_window applies to action_mode 'setpoint'"),
        ({"history": -1}, ValueError, r"history"),
        ({"peak_window": -1}, ValueError, r"peak_window"),
        ({"history": 65}, ValueError, r"history"),
        ({"max_delta": 1.5}, TypeError, r"max_delta must be an int"),
        ({"targets": ["frontend", "ghost"]}, ValueError, r"'ghost' is not a service"),
        ({"targets": "frontend"}, TypeError, r"targets must be a list"),
        ({"reward_weights": {"latency": 1}}, ValueError, r"unknown keys \['latency'\]"),
        ({"reward_weights": {"cost": float("inf")}}, ValueError, r"finite"),
        ({"render_mode": "human"}, ValueError, r"render_mode 'human' is not supported"),
    ],
)
def test_bad_configuration_is_refused(kwargs, error, message):
    kwargs.setdefault("duration", SHORT)
    with pytest.raises(error, match=message):
        podpilot.make_env(**kwargs)


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"app": "no-such-app"}, ValueError, r"unknown app"),
        ({"workload": "tsunami"}, ValueError, r"tsunami"),
        ({"num_envs": 0}, ValueError, r"num_envs must be >= 1"),
        ({"num_envs": "8"}, TypeError, r"num_envs must be an int"),
        ({"threads": -1}, ValueError, r"threads must be >= 0"),
    ],
)
def test_bad_vector_configuration_is_refused(kwargs, error, message):
    kwargs.setdefault("duration", SHORT)
    with pytest.raises(error, match=message):
        podpilot.make_vec_env(**kwargs)


@pytest.mark.parametrize(
    "action,error,message",
    [
        (np.ones(10, dtype=np.int64), ValueError, r"shape \(10,\), expected \(11,\)"),
        (np.ones((1, 11), dtype=np.int64), ValueError, r"shape \(1, 11\), expected \(11,\)"),
        (np.int64(1), ValueError, r"shape \(\), expected \(11,\)"),
        (np.array(["1"] * 11), TypeError, r"dtype <U1 is not accepted"),
        (np.ones(11, dtype=bool), TypeError, r"dtype bool is not accepted"),
        (np.array([object()] * 11), TypeError, r"dtype object is not accepted"),
        (None, TypeError, r"action is None"),
        ("up", TypeError, r"dtype <U2 is not accepted"),
        (np.full(11, np.nan), ValueError, r"action\[0\] \(target 'frontend'\) is NaN"),
        (np.r_[np.ones(10), np.inf], ValueError, r"action\[10\] .* is infinite"),
        (np.full(11, 1.5), ValueError, r"1\.5 is not a whole number"),
        (np.r_[np.ones(5), 3, np.ones(5)].astype(np.int64), ValueError, r"action\[5\] .* = 3 is outside \[0, 3\); the choices mean -1, 0, \+1"),
        (np.r_[-1, np.ones(10)].astype(np.int64), ValueError, r"action\[0\] .* = -1 is outside"),
        (np.full(11, 2**63, dtype=np.uint64), ValueError, r"is outside \[0, 3\)"),
    ],
)
def test_bad_action_is_refused_and_the_env_stays_usable(env, action, error, message):
    with pytest.raises(error, match=message):
        env.step(action)
    obs, _, _, _, info = env.step(env.noop_action())
    assert info["time_s"] == 2 * 15  # the refused action did not advance the simulator
    assert np.isfinite(obs).all()


def test_whole_number_floats_and_lists_are_accepted_as_choices(env):
    twin = podpilot.make_env(duration=SHORT)
    twin.reset(seed=0)
    action = env.noop_action()
    action[2] = 2
    obs_int, *_ = env.step(action)
    obs_float, *_ = twin.step(action.astype(np.float32).tolist())
    np.testing.assert_array_equal(obs_int, obs_float)


@pytest.mark.parametrize(
    "make_action,error,message",
    [
        (lambda v: np.ones((2, 11), dtype=np.int64), ValueError, r"shape \(2, 11\), expected \(3, 11\)"),
        (lambda v: np.ones(11, dtype=np.int64), ValueError, r"shape \(11,\), expected \(3, 11\)"),
        (lambda v: np.where(np.eye(3, 11) > 0, np.nan, 1.0), ValueError, r"action\[0, 0\] .* is NaN"),
        (lambda v: np.ones((3, 11), dtype=np.complex64), TypeError, r"dtype complex64 is not accepted"),
        (lambda v: v.noop_action() + 5, ValueError, r"action\[0, 0\] \(target 'frontend'\) = 6 is outside"),
    ],
)
def test_bad_vector_action_is_refused(venv, make_action, error, message):
    with pytest.raises(error, match=message):
        venv.step(make_action(venv))
    obs, rewards, *_ = venv.step(venv.noop_action())
    assert np.isfinite(obs).all() and np.isfinite(rewards).all()


def test_step_before_reset_and_bad_reset_arguments():
    venv = podpilot.make_vec_env(num_envs=2, duration=SHORT)
    with pytest.raises(RuntimeError, match="before reset"):
        venv.step(np.ones((2, 11), dtype=np.int64))
    with pytest.raises(ValueError, match="no options are supported"):
        venv.reset(seed=0, options={"workload": "spike"})
    with pytest.raises(ValueError, match="needs 2 seeds, got 3"):
        venv.reset(seed=[1, 2, 3])
    env = podpilot.make_env(duration=SHORT)
    with pytest.raises(ValueError, match="no options are supported"):
        env.reset(seed=0, options={"x": 1})
    with pytest.raises(TypeError, match="options must be a dict"):
        env.reset(seed=0, options=["x"])
