"""Model files from Python: written through the C++ writer, read back by the C++ inference code
(the path `--policy learned:model=PATH` takes), and agreeing with a NumPy forward pass."""

from __future__ import annotations

import json

import numpy as np
import pytest

import podpilot
from podpilot import _podpilot
from conftest import SHORT


def random_mlp(rng, sizes):
    """(weight [out, in], bias [out]) pairs for consecutive layer sizes."""
    return [(rng.normal(0, 0.5, (o, i)).astype(np.float32), rng.normal(0, 0.1, o).astype(np.float32))
            for i, o in zip(sizes, sizes[1:])]


def numpy_actions(x, hidden, head, nvec, mean=None, std=None, clip=0.0):
    if mean is not None:
        x = (x - mean) / std
        if clip > 0:
            x = np.clip(x, -clip, clip)
    for w, b in hidden:
        x = np.tanh(x @ w.T + b)
    logits = x @ head[0].T + head[1]
    splits = np.split(logits, np.cumsum(nvec)[:-1], axis=-1)
    return np.stack([s.argmax(axis=-1) for s in splits], axis=-1)


@pytest.mark.parametrize("normalize", [False, True])
def test_written_model_runs_in_cpp_like_numpy(tmp_path, normalize):
    env = podpilot.make_env(duration=SHORT, max_delta=2, targets=["frontend", "cartservice", "currencyservice"])
    n, nvec = env.observation_space.shape[0], env.action_space.nvec
    rng = np.random.default_rng(0)
    hidden = random_mlp(rng, [n, 16, 8])
    head = random_mlp(rng, [8, int(nvec.sum())])[0]
    features = json.loads(env.feature_layout_json)
    mean = std = None
    if normalize:
        mean = rng.normal(0, 1, n).astype(np.float32)
        std = rng.uniform(0.5, 2, n).astype(np.float32)
        features["normalization"] = {"mean": mean.tolist(), "std": std.tolist(), "clip": 3.0}
    path = tmp_path / "model.safetensors"
    _podpilot.write_model(str(path), json.dumps(features), env.action_layout_json, hidden, [head], "tanh", "concat",
                          value={"value.head.weight": np.ones((1, 8), np.float32)},
                          provenance={"trainer": "test", "timesteps": 7, "seed": 3})
    policy = _podpilot.Policy(str(path))
    assert json.loads(policy.provenance_json)["timesteps"] == 7
    assert "metrics_lag_s" not in json.loads(policy.provenance_json)  # not given: not recorded
    assert json.loads(policy.actions_json) == json.loads(env.action_layout_json)
    # Real observations from the env, not just random vectors.
    obs, _ = env.reset(seed=1)
    batch = [obs]
    env.action_space.seed(0)
    for _ in range(50):
        obs, *_ = env.step(env.action_space.sample())
        batch.append(obs)
    batch = np.stack(batch)
    expected = numpy_actions(batch, hidden, head, nvec, mean, std, 3.0)
    np.testing.assert_array_equal(policy.act(batch), expected)
    np.testing.assert_array_equal(policy.act(batch[3]), expected[3])


def test_writer_records_the_metrics_lag_and_refuses_a_bad_one(tmp_path):
    env = podpilot.make_env(duration=SHORT, targets=["frontend"], metrics_lag="15s")
    n = env.observation_space.shape[0]
    rng = np.random.default_rng(2)
    hidden, head = random_mlp(rng, [n, 4]), random_mlp(rng, [4, int(env.action_space.nvec.sum())])[0]
    path = str(tmp_path / "lag.safetensors")
    args = (path, env.feature_layout_json, env.action_layout_json, hidden, [head])
    _podpilot.write_model(*args, provenance={"trainer": "test", "metrics_lag_s": 15})
    assert json.loads(_podpilot.Policy(path).provenance_json)["metrics_lag_s"] == 15
    for bad, message in [(-1, "non-negative"), (float("nan"), "non-negative"), ("15s", "a number of seconds, got '15s'"),
                         (True, "a number of seconds")]:
        with pytest.raises(ValueError, match=message):
            _podpilot.write_model(*args, provenance={"metrics_lag_s": bad})


def test_writer_refuses_inconsistent_models(tmp_path):
    env = podpilot.make_env(duration=SHORT, targets=["frontend"])
    n = env.observation_space.shape[0]
    rng = np.random.default_rng(1)
    path = str(tmp_path / "bad.safetensors")
    hidden = random_mlp(rng, [n + 1, 4])  # input width != feature count
    head = random_mlp(rng, [4, 3])[0]
    with pytest.raises(ValueError, match=r"layer .policy\.0. is 4x18 .* expected 4x17"):
        _podpilot.write_model(path, env.feature_layout_json, env.action_layout_json, hidden, [head])
    hidden = random_mlp(rng, [n, 4])
    with pytest.raises(ValueError, match="activation must be"):
        _podpilot.write_model(path, env.feature_layout_json, env.action_layout_json, hidden, [head], "gelu")
    with pytest.raises(ValueError):
        _podpilot.write_model(path, env.feature_layout_json, env.action_layout_json, hidden,
                              [random_mlp(rng, [4, 5])[0]])  # 5 logits for one head of 3
    with pytest.raises(ValueError):
        _podpilot.Policy(str(tmp_path / "missing.safetensors"))


def test_written_model_keeps_the_envs_control_interval(tmp_path):
    env = podpilot.make_env(duration=SHORT, history=2, control_interval=30, targets=["frontend"])
    n, nvec = env.observation_space.shape[0], env.action_space.nvec
    rng = np.random.default_rng(2)
    hidden = random_mlp(rng, [n, 4])
    head = random_mlp(rng, [4, int(nvec.sum())])[0]
    path = str(tmp_path / "at30.safetensors")
    _podpilot.write_model(path, env.feature_layout_json, env.action_layout_json, hidden, [head])
    written = json.loads(_podpilot.Policy(path).features_json)
    assert written["control_interval_s"] == 30
    # The training bound of each target (Online Boutique's frontend: maxReplicas 20) is recorded,
    # so the model reads replica counts as it learned them under any other maxReplicas.
    assert written["target_names"] == ["frontend"] and written["replica_scale"] == [20]
    bad = json.loads(env.feature_layout_json)
    bad["control_interval_s"] = 0
    with pytest.raises(ValueError, match=r"features_json: features: control_interval_s must be in \(0, 3600\] seconds, got 0"):
        _podpilot.write_model(path, json.dumps(bad), env.action_layout_json, hidden, [head])


def test_python_rollout_of_a_model_matches_the_cli_learned_policy(tmp_path, cli):
    import subprocess

    env = podpilot.make_env(duration=SHORT, max_delta=2)
    n, nvec = env.observation_space.shape[0], env.action_space.nvec
    rng = np.random.default_rng(5)
    hidden = random_mlp(rng, [n, 32])
    head = random_mlp(rng, [32, int(nvec.sum())])[0]
    path = tmp_path / "model.safetensors"
    _podpilot.write_model(str(path), env.feature_layout_json, env.action_layout_json, hidden, [head])
    out = subprocess.run(
        [str(cli), "simulate", "--policy", f"learned:model={path}", "--duration", SHORT, "--seed", "11", "--json"],
        capture_output=True, text=True, timeout=300,
    )
    if out.returncode != 0 and "unknown policy 'learned'" in out.stderr:
        pytest.skip("this podpilot CLI has no learned policy yet")
    assert out.returncode == 0, out.stderr
    expected = json.loads(out.stdout)
    policy = _podpilot.Policy(str(path))
    obs, _ = env.reset(seed=11)
    while True:
        obs, _, _, truncated, info = env.step(policy.act(obs))
        if truncated:
            break
    card = info["scorecard"]
    assert card["replica_changes"] > 0  # the random network does act
    for key in ("cost", "requests", "slo_attainment", "p95_ms", "replica_changes", "scaling_actions"):
        assert card[key] == expected[key], key
