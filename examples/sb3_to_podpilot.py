#!/usr/bin/env python3
"""Convert a Stable-Baselines3 PPO/A2C MLP policy to a podpilot model file (safetensors).

    python examples/sb3_to_podpilot.py out/sb3_ppo/model.zip out/ppo.safetensors
    podpilot simulate --policy learned:model=out/ppo.safetensors ...

The SB3 model must have been trained on a podpilot env (examples/train_sb3_ppo.py writes the
env's feature and action layouts next to the model as MODEL.podpilot.json; pass another file with
--env-json). What is converted (src/policy/learned/model_file.h):
  * mlp_extractor.policy_net  -> policy.<i>.weight/bias (tanh or relu)
  * action_net                -> action.weight/bias (one layer of sum(nvec) logits, "concat")
  * mlp_extractor.value_net and value_net -> value.* (kept, ignored by inference)
  * VecNormalize statistics (--vecnormalize FILE) -> the feature layout's normalisation
    (mean, std = sqrt(var + epsilon), clip = clip_obs), which the C++ network applies itself.
The file is written by podpilot's own C++ writer (validated as a C++ trainer's output would be),
then read back with the C++ inference code and checked: on observations of real episodes, the C++
network must choose the same actions as SB3's deterministic predict (exit status 1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

try:
    import torch
    from stable_baselines3 import A2C, PPO
    from stable_baselines3.common.distributions import MultiCategoricalDistribution
    from stable_baselines3.common.torch_layers import FlattenExtractor
except ImportError:  # pragma: no cover - depends on the user's environment
    sys.exit("sb3_to_podpilot.py needs Stable-Baselines3: pip install stable-baselines3")

import podpilot
from podpilot import _podpilot

ALGOS = {"ppo": PPO, "a2c": A2C}
ACTIVATIONS = {torch.nn.Tanh: "tanh", torch.nn.ReLU: "relu"}


class ConversionError(Exception):
    pass


def linear_layers(module: torch.nn.Module, what: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of every nn.Linear in `module`, in order; activations are checked apart."""
    layers = []
    for child in module.modules():
        if isinstance(child, torch.nn.Linear):
            if child.bias is None:
                raise ConversionError(f"{what}: a Linear layer without bias is not supported")
            layers.append((child.weight.detach().cpu().numpy().astype(np.float32),
                           child.bias.detach().cpu().numpy().astype(np.float32)))
        elif not isinstance(child, (torch.nn.Sequential, torch.nn.Tanh, torch.nn.ReLU, torch.nn.Identity)):
            raise ConversionError(f"{what}: unsupported layer {type(child).__name__}")
    return layers


def load_normalization(path: Path, size: int) -> tuple[dict, "callable"]:
    """The VecNormalize statistics as features.h normalisation, and SB3's own transform."""
    with open(path, "rb") as f:
        stats = pickle.load(f)
    if not getattr(stats, "norm_obs", False):
        raise ConversionError(f"{path}: VecNormalize was not normalising observations (norm_obs=False)")
    mean = np.asarray(stats.obs_rms.mean, dtype=np.float64)
    std = np.sqrt(np.asarray(stats.obs_rms.var, dtype=np.float64) + stats.epsilon)
    if mean.shape != (size,):
        raise ConversionError(f"{path}: statistics for {mean.shape} observations, the policy reads ({size},)")
    clip = float(stats.clip_obs)
    norm = {"mean": mean.astype(np.float32).tolist(), "std": std.astype(np.float32).tolist(), "clip": clip}
    return norm, lambda obs: np.clip((obs - mean) / std, -clip, clip).astype(np.float32)


def convert(args: argparse.Namespace) -> int:
    model = ALGOS[args.algo].load(args.model, device="cpu")
    policy = model.policy
    env_json = Path(args.env_json) if args.env_json else Path(args.model).with_suffix(".podpilot.json")
    if not env_json.is_file():
        raise ConversionError(f"{env_json}: missing; it names the env the model was trained on "
                              "(train_sb3_ppo.py writes it; or pass --env-json)")
    side = json.loads(env_json.read_text())
    features, actions = json.loads(side["features"]), json.loads(side["actions"])
    n = len(features["names"])
    nvec = [len(actions["deltas"] if actions["mode"] == "delta" else actions["setpoints"])] * actions["num_targets"]

    if not isinstance(policy.action_dist, MultiCategoricalDistribution):
        raise ConversionError(f"the policy's action distribution is {type(policy.action_dist).__name__}; "
                              "podpilot policies are MultiDiscrete")
    if list(policy.action_space.nvec) != nvec:
        raise ConversionError(f"the policy's action space {list(policy.action_space.nvec)} is not the env's {nvec}")
    if policy.observation_space.shape != (n,):
        raise ConversionError(f"the policy reads {policy.observation_space.shape}, the env's features are ({n},)")
    if not isinstance(policy.features_extractor, FlattenExtractor):
        raise ConversionError(f"features extractor {type(policy.features_extractor).__name__} is not supported")
    activation = ACTIVATIONS.get(policy.activation_fn)
    if activation is None:
        raise ConversionError(f"activation {policy.activation_fn.__name__} is not supported (tanh or relu)")

    hidden = linear_layers(policy.mlp_extractor.policy_net, "mlp_extractor.policy_net")
    head = linear_layers(policy.action_net, "action_net")
    value = {}
    for i, (w, b) in enumerate(linear_layers(policy.mlp_extractor.value_net, "mlp_extractor.value_net")):
        value[f"value.{i}.weight"], value[f"value.{i}.bias"] = w, b
    (vw, vb), = linear_layers(policy.value_net, "value_net")
    value["value.head.weight"], value["value.head.bias"] = vw, vb

    sb3_input = lambda obs: obs  # noqa: E731
    if args.vecnormalize:
        features["normalization"], sb3_input = load_normalization(Path(args.vecnormalize), n)

    # The env's metrics lag (make_env's default is none), so that podpilot warns where it runs at another.
    lag = side["env"].get("metrics_lag", 0)
    lag_s = float(_podpilot.parse_duration(lag)) if isinstance(lag, str) else float(lag)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _podpilot.write_model(
        str(out), json.dumps(features), json.dumps(actions), hidden, head, activation, "concat", value=value,
        provenance={"trainer": f"sb3-{args.algo}", "timesteps": int(model.num_timesteps),
                    "suite": str(side.get("env", {}).get("workload", "")), "seed": int(model.seed or 0),
                    "metrics_lag_s": lag_s},
        metadata={"sb3_model": str(Path(args.model).name)},
    )

    # Check: the C++ network on real observations chooses what SB3 chooses.
    cpp = _podpilot.Policy(str(out))
    env = podpilot.make_env(**side["env"])
    obs_batch = []
    for episode in range(args.check_episodes):
        obs, _ = env.reset(seed=episode)
        for _ in range(args.check_steps):
            obs_batch.append(obs)
            action, _ = model.predict(sb3_input(obs), deterministic=True)
            obs, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                break
    obs_batch = np.stack(obs_batch)
    sb3_actions, _ = model.predict(sb3_input(obs_batch), deterministic=True)
    cpp_actions = cpp.act(obs_batch)
    mismatched = int((cpp_actions != sb3_actions).any(axis=1).sum())
    print(f"wrote {out}: {len(hidden)} hidden layers {[w.shape[0] for w, _ in hidden]}, {activation}, "
          f"{len(nvec)} heads of {nvec[0]}, {n} features")
    print(f"check: C++ and SB3 agree on {len(obs_batch) - mismatched} of {len(obs_batch)} observations")
    return 0 if mismatched == 0 else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="SB3 model .zip")
    p.add_argument("out", help="podpilot model file to write (.safetensors)")
    p.add_argument("--algo", choices=sorted(ALGOS), default="ppo")
    p.add_argument("--env-json", help="env description (default: MODEL.podpilot.json)")
    p.add_argument("--vecnormalize", help="VecNormalize statistics saved with VecNormalize.save")
    p.add_argument("--check-episodes", type=int, default=2)
    p.add_argument("--check-steps", type=int, default=200, help="observations per check episode")
    args = p.parse_args(argv)
    try:
        return convert(args)
    except (ConversionError, ValueError) as e:
        print(f"sb3_to_podpilot: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
