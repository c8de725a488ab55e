"""Runs the LoadTestShape of a locustfile written by `podpilot workload export --format locust`
without Locust installed: a stub `locust` module provides the few names the file imports, and the
shape's tick() is called at each second of the run.

    python3 locust_harness.py LOCUSTFILE SERIES.csv REL_TOL ABS_TOL FIT_BOUND HOST PATH

Checks, per second t: users * USER_RPS is within USER_RPS / 2 of the stages' mean rate over
[t, t+1) (computed here independently from STAGES), and within that plus export.h's guarantee
(FIT_BOUND + REL_TOL * (rps + FIT_BOUND) + ABS_TOL) of the series; the spawn rate reaches the new
user count within one tick; tick() returns None from the end of the run on; the user class is paced
by constant_throughput(USER_RPS) and requests HOST + PATH. Prints one line per problem; exit 0 when
there is none.
"""
import csv
import importlib.util
import math
import sys
import types


def make_stub_locust():
    locust = types.ModuleType("locust")

    def constant_throughput(rate):
        def wait_time(user):
            return 1.0 / rate
        wait_time.throughput = rate
        return wait_time

    def task(f):
        f.is_task = True
        return f

    class _Client:
        def __init__(self):
            self.gets = []

        def get(self, url, **kwargs):
            self.gets.append(url)

    class HttpUser:
        host = None

        def __init__(self):
            self.client = _Client()

    class LoadTestShape:
        runner = None

        def __init__(self):
            self.now = 0.0

        def get_run_time(self):
            return self.now

    locust.constant_throughput = constant_throughput
    locust.task = task
    locust.HttpUser = HttpUser
    locust.LoadTestShape = LoadTestShape
    return locust


def main():
    path, csv_path, rel, abs_tol, fit, host, want_path = sys.argv[1:8]
    rel, abs_tol, fit = float(rel), float(abs_tol), float(fit)
    problems = []

    locust = make_stub_locust()
    sys.modules["locust"] = locust
    spec = importlib.util.spec_from_file_location("exported_locustfile", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    shapes = [v for v in vars(mod).values()
              if isinstance(v, type) and issubclass(v, locust.LoadTestShape) and v is not locust.LoadTestShape]
    users_cls = [v for v in vars(mod).values()
                 if isinstance(v, type) and issubclass(v, locust.HttpUser) and v is not locust.HttpUser]
    if len(shapes) != 1 or len(users_cls) != 1:
        print(f"locust harness: want one shape and one user class, got {shapes} and {users_cls}")
        return 1
    user_rps = mod.USER_RPS

    # The user: paced by constant_throughput(USER_RPS), one GET of the target per task run.
    user = users_cls[0]()
    if getattr(user.wait_time, "throughput", None) != user_rps:
        problems.append("wait_time is not constant_throughput(USER_RPS)")
    if user.host != host:
        problems.append(f"host {user.host!r}, want {host!r}")
    tasks = [f for f in vars(users_cls[0]).values() if getattr(f, "is_task", False)]
    for f in tasks:
        f(user)
    if len(tasks) != 1 or user.client.gets != [want_path]:
        problems.append(f"tasks requested {user.client.gets}, want [{want_path!r}]")

    # Reference stage semantics (k6's): linear from the previous target, 0 s = jump.
    segs, t, rate = [], 0.0, mod.START_RPS
    for duration, target in mod.STAGES:
        if duration > 0:
            segs.append((t, t + duration, rate, target))
        t, rate = t + duration, target
    end = t

    def ref_mean(t0, t1):
        total = 0.0
        for s0, s1, r0, r1 in segs:
            lo, hi = max(t0, s0), min(t1, s1)
            if hi > lo:
                f = lambda x: r0 + (r1 - r0) * (x - s0) / (s1 - s0)
                total += (hi - lo) * (f(lo) + f(hi)) / 2
        return total / (t1 - t0)

    with open(csv_path, newline="") as fh:
        series = [float(row["rps"]) for row in csv.DictReader(fh)]
    if abs(end - len(series)) > 1e-9:
        problems.append(f"stages last {end} s, series {len(series)} s")

    shape = shapes[0]()
    prev_users, worst, worst_at, shape_total = 0, 0.0, 0, 0.0
    for t, rps in enumerate(series):
        shape.now = float(t)
        out = shape.tick()
        if out is None:
            problems.append(f"tick() stopped early at {t} s")
            break
        users, spawn_rate = out
        got = users * user_rps
        shape_total += got
        if abs(got - ref_mean(t, t + 1)) > user_rps / 2 + 1e-9:
            problems.append(f"{t} s: {users} users x {user_rps} = {got} req/s, stages say {ref_mean(t, t + 1)}")
        allowed = user_rps / 2 + fit + rel * (rps + fit) + abs_tol + 1e-9
        if abs(got - rps) - allowed > worst:
            worst, worst_at = abs(got - rps) - allowed, t
        if spawn_rate < max(1, abs(users - prev_users)):
            problems.append(f"{t} s: spawn rate {spawn_rate} cannot go from {prev_users} to {users} users in 1 s")
        prev_users = users
    if worst > 0:
        problems.append(f"{worst_at} s: shape rate off the series by {worst} req/s more than allowed")
    # Users are whole: the total may differ by up to USER_RPS / 2 per second, plus export.h's 1 %.
    series_total = sum(series)
    if abs(shape_total - series_total) > 0.01 * series_total + user_rps / 2 * len(series):
        problems.append(f"total {shape_total} vs series {series_total}")
    for t in (len(series), len(series) + 0.5, len(series) + 60):
        shape.now = float(t)
        if shape.tick() is not None:
            problems.append(f"tick() at {t} s did not stop the test")

    for p in problems[:20]:
        print(f"locust harness: {p}")
    print(f"locust harness: {len(series)} s, {len(mod.STAGES)} stages, USER_RPS {user_rps}, "
          f"total {shape_total:.1f} vs {series_total:.1f} requests, {len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
