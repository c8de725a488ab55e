#!/usr/bin/env python3
"""Stable-Baselines3 PPO on podpilot's Python env, timed like `podpilot train --agent ppo`.

    bench/sb3_vs_cpp_ppo.sh                 # sets up the venv, runs both trainers, compares
    python bench/sb3_vs_cpp_ppo.py train --out DIR [--timesteps 300000] [--max-minutes 20]
    python bench/sb3_vs_cpp_ppo.py compare CPP_CURVE.csv SB3_CURVE.csv [--markdown]

`train` runs SB3 PPO on the scenario boutique-diurnal's training setting (Online Boutique,
diurnal:peak=200,trough=20, one-day episodes, setpoint actions) with the C++ trainer's defaults
(src/rl/ppo.h: 8 envs x 256 steps per rollout, 10 epochs of 256-sample minibatches, Adam 3e-4
decaying linearly to 0, gamma 0.99, GAE 0.95, clip 0.2, no entropy bonus, value coefficient 0.5,
gradient norm 0.5, separate 64-64 tanh actor and critic with orthogonal init, running observation
and return normalisation with clip 10, one torch thread) and writes DIR/learning_curve.csv with
the columns of the C++ trainer's curve (src/rl/learning_curve.h) that the comparison reads:
update, step, wall_s, steps_per_s, episodes, mean_return (last 100 episodes), mean_step_reward
(the raw reward per step of the update's rollout). A row is written after its update, as in C++,
so wall_s includes the gradient steps that followed the rollout.

`compare` takes the C++ run's final level as the target and reports, for each trainer, the wall time
(and steps) at which it first reaches it, in two measures of the same reward:
  * reward per step, averaged over the last 23 updates. 23 x 256 steps per env is one simulated
    day: the reward follows the diurnal load (cheap nights, costly peaks) and all 8 envs run in
    lockstep (same start, same one-day episodes), so a shorter window would compare times of day,
    not policies. Target: the C++ run's final 23-update average; also "within 5 %" of it.
  * mean return of the day's episodes: the 8 one-day episodes that end together (one per env),
    recovered exactly from the curves' 100-episode running mean while fewer than 100 have ended.
    Target: the C++ run's last such mean. Coarse (one point per simulated day per env, 46 k steps).
Wall-clock figures: the machine's other load changes them from run to run.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections import deque
from pathlib import Path

# What the C++ side trains on: scenario boutique-diurnal of the default suite (train workload).
ENV_KWARGS = {"app": "online-boutique", "workload": "diurnal:peak=200,trough=20", "duration": "1d",
              "action_mode": "setpoint"}
# Updates per simulated day per env: ceil(86400 s / 15 s / 256 steps) (see compare's doc above).
MOVING_WINDOW = 23
EPISODE_WINDOW = 100    # episodes, as learning_curve.h's mean_return
COLUMNS = ["update", "step", "wall_s", "steps_per_s", "episodes", "mean_return", "mean_step_reward"]


def train(args: argparse.Namespace) -> int:
    try:
        import torch
        from stable_baselines3 import PPO
        from stable_baselines3.common.callbacks import BaseCallback
        from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor, VecNormalize
    except ImportError as e:  # pragma: no cover - depends on the venv
        sys.exit(f"sb3_vs_cpp_ppo.py train needs torch and Stable-Baselines3 ({e}); bench/sb3_vs_cpp_ppo.sh sets them up")
    import numpy as np

    import podpilot

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.torch_threads)  # the C++ trainer's --torch-threads default is 1

    # DummyVecEnv seeds env i with seed + i at the first reset (PPO(seed=...)).
    venv = DummyVecEnv([lambda: podpilot.make_env(**ENV_KWARGS) for _ in range(args.num_envs)])
    venv = VecMonitor(venv)  # raw episode returns, before normalisation
    venv = VecNormalize(venv, norm_obs=True, norm_reward=True, clip_obs=10.0, clip_reward=10.0,
                        gamma=0.99, epsilon=1e-8)

    class Curve(BaseCallback):
        """One row per update, written after the update (on the next rollout's start / at the end)."""

        def __init__(self, path: Path, max_seconds: float):
            super().__init__()
            self.f = open(path, "w", newline="")
            self.w = csv.writer(self.f)
            self.w.writerow(COLUMNS)
            self.max_seconds = max_seconds
            self.returns: deque[float] = deque(maxlen=EPISODE_WINDOW)
            self.episodes = 0
            self.reward_sum = 0.0
            self.reward_n = 0
            self.pending: list | None = None
            self.updates = 0
            self.last_wall = 0.0
            self.last_step = 0
            self.stopped_by_time = False

        def _on_training_start(self) -> None:
            self.t0 = time.perf_counter()

        def _flush(self) -> None:
            if self.pending is None:
                return
            wall = time.perf_counter() - self.t0
            step, ret, step_reward = self.pending
            rate = (step - self.last_step) / max(wall - self.last_wall, 1e-9)
            self.w.writerow([self.updates, step, f"{wall:.4f}", f"{rate:.1f}", self.episodes,
                             "" if ret is None else f"{ret:.6g}", f"{step_reward:.6g}"])
            self.f.flush()
            self.last_wall, self.last_step = wall, step
            self.pending = None

        def _on_rollout_start(self) -> None:
            self._flush()  # the previous rollout's update has run by now

        def _on_step(self) -> bool:
            raw = self.training_env.get_original_reward()
            self.reward_sum += float(np.sum(raw))
            self.reward_n += raw.size
            for info in self.locals["infos"]:
                if "episode" in info:
                    self.returns.append(float(info["episode"]["r"]))
                    self.episodes += 1
            if time.perf_counter() - self.t0 > self.max_seconds:
                self.stopped_by_time = True
                return False
            return True

        def _on_rollout_end(self) -> None:
            self.updates += 1
            ret = sum(self.returns) / len(self.returns) if self.returns else None
            self.pending = [self.num_timesteps, ret, self.reward_sum / max(self.reward_n, 1)]
            self.reward_sum, self.reward_n = 0.0, 0

        def _on_training_end(self) -> None:
            if not self.stopped_by_time:
                self._flush()  # the last update has run
            self.f.close()

    total = args.timesteps
    model = PPO(
        "MlpPolicy", venv,
        n_steps=256, batch_size=256, n_epochs=10,
        learning_rate=lambda progress: 3e-4 * progress,  # linear to 0, as linear_lr in C++
        gamma=0.99, gae_lambda=0.95, clip_range=0.2, ent_coef=0.0, vf_coef=0.5, max_grad_norm=0.5,
        normalize_advantage=True,
        policy_kwargs={"net_arch": {"pi": [64, 64], "vf": [64, 64]}, "activation_fn": torch.nn.Tanh},
        seed=args.seed, device="cpu", verbose=0,
    )
    curve = Curve(out / "learning_curve.csv", args.max_minutes * 60)
    t0 = time.perf_counter()
    model.learn(total_timesteps=total, callback=curve)
    wall = time.perf_counter() - t0
    model.save(out / "model.zip")
    venv.save(str(out / "vecnormalize.pkl"))
    summary = {"timesteps": int(model.num_timesteps), "wall_s": wall, "steps_per_s": model.num_timesteps / wall,
               "stopped_by_time_limit": curve.stopped_by_time, "env": ENV_KWARGS, "num_envs": args.num_envs,
               "torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary))
    return 0


def read_curve(path: str) -> list[dict]:
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"{path}: cannot read the learning curve: {e.strerror}")
    if not rows:
        sys.exit(f"{path}: no rows (did the run finish an update?)")
    for name in ("step", "wall_s", "mean_step_reward"):
        if name not in rows[0]:
            sys.exit(f"{path}: no column {name!r} (columns: {list(rows[0])})")
    return rows


def moving(rows: list[dict]) -> list[float]:
    values = [float(r["mean_step_reward"]) for r in rows]
    return [sum(values[max(0, i + 1 - MOVING_WINDOW):i + 1]) / len(values[max(0, i + 1 - MOVING_WINDOW):i + 1])
            for i in range(len(values))]


def first_reach(rows: list[dict], values: list[float], threshold: float) -> tuple[float, int] | None:
    """Wall time and step of the first row whose value is >= threshold (None: never)."""
    for r, v in zip(rows, values):
        if v is not None and v >= threshold:
            return float(r["wall_s"]), int(r["step"])
    return None


def day_returns(rows: list[dict]) -> list[float | None]:
    """Per row: the mean return of the episodes that ended at that update (None where none did).

    mean_return is the mean of the last min(100, n) episodes, so while n <= 100 the episodes that
    ended between two rows have mean (n * M_n - n' * M_n') / (n - n')."""
    out: list[float | None] = []
    prev_n, prev_m = 0, 0.0
    for r in rows:
        n = int(r["episodes"]) if r.get("episodes") else 0
        if n > prev_n and n <= 100 and r.get("mean_return"):
            m = float(r["mean_return"])
            out.append((n * m - prev_n * prev_m) / (n - prev_n))
            prev_n, prev_m = n, m
        else:
            out.append(None)
    return out


def summarise(rows: list[dict], target: float, target_return: float | None) -> dict:
    ma = moving(rows)
    days = day_returns(rows)
    finished_days = [d for d in days if d is not None]
    last = rows[-1]
    wall, steps = float(last["wall_s"]), int(last["step"])
    full = ma[MOVING_WINDOW - 1:] or ma[-1:]  # averages over a whole day only
    return {
        "steps": steps, "wall_s": wall, "steps_per_s": steps / wall if wall > 0 else math.nan,
        "final_day_step_reward": ma[-1], "best_day_step_reward": max(full),
        "day_returns": finished_days,
        "episodes": int(last["episodes"]) if last.get("episodes") else 0,
        "reach_target": first_reach(rows[MOVING_WINDOW - 1:], ma[MOVING_WINDOW - 1:], target),
        "reach_within_5pct": first_reach(rows[MOVING_WINDOW - 1:], ma[MOVING_WINDOW - 1:], target - 0.05 * abs(target)),
        "reach_return": None if target_return is None else first_reach(rows, days, target_return),
    }


def compare(args: argparse.Namespace) -> int:
    cpp, sb3 = read_curve(args.cpp), read_curve(args.sb3)
    # The target: the final level of the C++ run, or of another C++ curve (--target-from).
    ref = read_curve(args.target_from) if args.target_from else cpp
    if len(ref) < MOVING_WINDOW:
        sys.exit(f"{args.target_from or args.cpp}: {len(ref)} updates, fewer than one simulated day ({MOVING_WINDOW})")
    target = moving(ref)[-1]
    cpp_days = [d for d in day_returns(ref) if d is not None]
    target_return = cpp_days[-1] if cpp_days else None
    result = {"window_updates": MOVING_WINDOW, "target_step_reward": target, "target_day_return": target_return,
              "cpp": summarise(cpp, target, target_return), "sb3": summarise(sb3, target, target_return)}
    if args.json:
        print(json.dumps(result))
        return 0

    def reach(x):
        return "not reached" if x is None else f"{x[0]:.0f} s ({x[1] / 1000:.0f} k steps)"

    def days(x):
        return ", ".join(f"{d:.0f}" for d in x["day_returns"]) or "-"

    c, s = result["cpp"], result["sb3"]
    print(f"target: the C++ run's ({args.target_from or args.cpp}) final one-day ({MOVING_WINDOW}-update) mean reward per step = {target:.4f}; "
          f"its last day's mean episode return = {target_return if target_return is None else round(target_return, 1)}")
    print("| | C++ PPO (podpilot train) | SB3 PPO (Python env) |")
    print("|---|---|---|")
    print(f"| steps trained, wall time | {c['steps'] / 1000:.0f} k, {c['wall_s']:.0f} s | {s['steps'] / 1000:.0f} k, {s['wall_s']:.0f} s |")
    print(f"| env steps/s, training included | {c['steps_per_s']:.0f} | {s['steps_per_s']:.0f} |")
    print(f"| time to the C++ final reward per step ({target:.4f}) | {reach(c['reach_target'])} | {reach(s['reach_target'])} |")
    print(f"| time to within 5 % of it ({target - 0.05 * abs(target):.4f}) | {reach(c['reach_within_5pct'])} | "
          f"{reach(s['reach_within_5pct'])} |")
    print(f"| final / best one-day mean reward per step | {c['final_day_step_reward']:.4f} / "
          f"{c['best_day_step_reward']:.4f} | {s['final_day_step_reward']:.4f} / {s['best_day_step_reward']:.4f} |")
    if target_return is not None:
        print(f"| time to the C++ last-day mean return ({target_return:.0f}) | {reach(c['reach_return'])} | "
              f"{reach(s['reach_return'])} |")
    print(f"| mean return of each day's 8 episodes, in order | {days(c)} | {days(s)} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train SB3 PPO and write DIR/learning_curve.csv")
    t.add_argument("--out", required=True, help="run directory")
    t.add_argument("--timesteps", type=int, default=300_000)
    t.add_argument("--num-envs", type=int, default=8)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--max-minutes", type=float, default=20.0, help="stop training after this wall time")
    t.add_argument("--torch-threads", type=int, default=1)
    c = sub.add_parser("compare", help="time to the C++ run's final level, for both curves")
    c.add_argument("cpp", help="the C++ run's learning_curve.csv")
    c.add_argument("sb3", help="the SB3 run's learning_curve.csv")
    c.add_argument("--target-from", metavar="CSV", help="take the target from this C++ curve instead of CPP's")
    c.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.cmd == "train":
        if args.timesteps < 1 or args.num_envs < 1 or args.max_minutes <= 0 or args.torch_threads < 1:
            p.error("--timesteps, --num-envs, --max-minutes and --torch-threads must be positive")
        return train(args)
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
