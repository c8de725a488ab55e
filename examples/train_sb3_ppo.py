#!/usr/bin/env python3
"""Train Stable-Baselines3 PPO on a podpilot environment and compare it with doing nothing.

    pip install ./python stable-baselines3      # torch comes with stable-baselines3
    python examples/train_sb3_ppo.py                           # a few thousand steps, a minute or so
    python examples/train_sb3_ppo.py --timesteps 200000 --duration 1d --out out/ppo.zip

The agent controls every service's replicas in delta mode (-1, keep, +1 per service and step).
After training, the script runs one evaluation episode on a seed the training never used, for the
learned policy (deterministic actions) and for the no-op policy (what `podpilot simulate --policy
static` does), and prints both scorecards. A few thousand steps teach PPO little: the default
is a smoke run that shows the loop works end to end, not a tuned result.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

try:
    from stable_baselines3 import PPO
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv
except ImportError:  # pragma: no cover - depends on the user's environment
    sys.exit("train_sb3_ppo.py needs Stable-Baselines3: pip install stable-baselines3")

import podpilot

# Evaluation seeds start here; training envs use seeds below it (seed + i).
EVAL_SEED = 1_000_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--app", default="online-boutique", help="bundled app name or YAML path")
    p.add_argument("--workload", default="diurnal", help="workload spec (as podpilot simulate --workload)")
    p.add_argument("--duration", default="6h", help="episode length, e.g. 6h, 1d")
    p.add_argument("--timesteps", type=int, default=4096, help="environment steps to train for")
    p.add_argument("--num-envs", type=int, default=4, help="environments sampled in parallel")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="out/sb3_ppo/model.zip", help="where to save the trained model")
    p.add_argument("--json", action="store_true", help="print the evaluation as one JSON object")
    args = p.parse_args(argv)
    if args.timesteps < 1 or args.num_envs < 1:
        p.error("--timesteps and --num-envs must be positive")
    return args


def env_kwargs(args: argparse.Namespace) -> dict:
    return {"app": args.app, "workload": args.workload, "duration": args.duration, "action_mode": "delta"}


def evaluate(env: podpilot.PodPilotEnv, act, seed: int) -> dict:
    """One full episode from `seed`; `act(obs, env)` picks each action. Returns the scorecard."""
    obs, _ = env.reset(seed=seed)
    total_reward = 0.0
    while True:
        obs, reward, terminated, truncated, info = env.step(act(obs, env))
        total_reward += reward
        if terminated or truncated:
            card = dict(info["scorecard"])
            card["return"] = total_reward
            return card


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kwargs = env_kwargs(args)
    train_env = DummyVecEnv([lambda: Monitor(podpilot.make_env(**kwargs)) for _ in range(args.num_envs)])
    train_env.seed(args.seed)
    # Rollouts of at most 512 steps per env so that even the default smoke run updates a few times.
    n_steps = max(32, min(512, args.timesteps // (2 * args.num_envs)))
    model = PPO(
        "MlpPolicy",
        train_env,
        n_steps=n_steps,
        batch_size=min(256, n_steps * args.num_envs),
        gamma=0.99,
        seed=args.seed,
        verbose=0,
        device="cpu",
    )
    model.learn(total_timesteps=args.timesteps)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    eval_env = podpilot.make_env(**kwargs)
    # What sb3_to_podpilot.py needs to write a podpilot model file: the env and its layouts.
    sidecar = out.with_suffix(".podpilot.json")
    sidecar.write_text(json.dumps({"env": kwargs, "features": eval_env.feature_layout_json,
                                   "actions": eval_env.action_layout_json}, indent=1) + "\n")

    learned = evaluate(eval_env, lambda obs, env: model.predict(obs, deterministic=True)[0], EVAL_SEED)
    noop = evaluate(eval_env, lambda obs, env: env.noop_action(), EVAL_SEED)
    result = {
        "app": args.app,
        "workload": args.workload,
        "duration": args.duration,
        "timesteps": args.timesteps,
        "model": str(out),
        "env_json": str(sidecar),
        "eval_seed": EVAL_SEED,
        "ppo": learned,
        "noop": noop,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"trained PPO for {args.timesteps} steps on {args.app} / {args.workload}; saved {out}")
    print(f"evaluation episode (seed {EVAL_SEED}, {args.duration}):")
    print(f"  {'policy':8} {'return':>10} {'cost $':>10} {'SLO att.':>9} {'p95 ms':>8} {'changes':>8}")
    for name, card in (("ppo", learned), ("no-op", noop)):
        print(f"  {name:8} {card['return']:10.2f} {card['cost']:10.4f} {card['slo_attainment']:9.4f} "
              f"{card['p95_ms']:8.1f} {card['replica_changes']:8d}")
    print(f"convert for podpilot: python examples/sb3_to_podpilot.py {out} <policy.safetensors>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
