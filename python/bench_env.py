#!/usr/bin/env python3
"""Steps per second of podpilot's Python envs with no-op actions (one step = one 15 s interval).

    build/venv/bin/python python/bench_env.py [--seconds 3] [--json]

Same setting as the C++ bench/env_bench.cc (Online Boutique, diurnal:peak=100,trough=20, one-day
episodes), so the figures compare with `build/release/bench/env_bench`: the difference is the
Python layer (action checks, feature encoding into numpy, info dicts). Wall-clock numbers: on a
shared, loaded machine they vary from run to run; report them with that caveat.
"""

from __future__ import annotations

import argparse
import json
import time

import podpilot

KWARGS = {"app": "online-boutique", "workload": "diurnal:peak=100,trough=20", "duration": "1d"}


def bench_single(seconds: float) -> float:
    env = podpilot.make_env(**KWARGS)
    env.reset(seed=1)
    action = env.noop_action()
    steps, seed = 0, 1
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            _, _, _, truncated, _ = env.step(action)
            steps += 1
            if truncated:
                seed += 1
                env.reset(seed=seed)
    return steps / (time.perf_counter() - start)


def bench_vec(num_envs: int, threads: int, seconds: float) -> float:
    venv = podpilot.make_vec_env(num_envs=num_envs, threads=threads, **KWARGS)
    venv.reset(seed=1)
    actions = venv.noop_action()
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            venv.step(actions)
            calls += 1
    return calls * num_envs / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=3.0, help="measuring time per case")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    results = {"single": bench_single(args.seconds)}
    for n, t in ((8, 1), (8, 2), (64, 2)):
        results[f"vec_n{n}_t{t}"] = bench_vec(n, t, args.seconds)
    if args.json:
        print(json.dumps(results))
    else:
        for name, rate in results.items():
            print(f"{name:12} {rate:10.0f} steps/s")


if __name__ == "__main__":
    main()
