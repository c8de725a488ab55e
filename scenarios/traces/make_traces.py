#!/usr/bin/env python3
"""Regenerates the traces the bundled suites replay (deterministic: fixed seeds, no input; rerun
it to reproduce every file byte for byte). Each file stays well under 500 KB.

  shop_2days.csv             plain CSV "timestamp,rps", one row per minute for two days
                             (Tue 2024-03-05 and Wed 2024-03-06, UTC Unix timestamps) of a web
                             shop: night low, lunch and evening peaks, noise with memory; day 2
                             is busier and has a newsletter burst at 15:00. Train on day 1
                             (offset 0), evaluate on day 2 (offset=1d).
  azure_functions_d01.csv    Azure Functions 2019 per-minute invocation counts, one day each, of a
  azure_functions_d02.csv    serverless storefront: an HTTP API with a day curve, a queue consumer
                             draining order batches every two hours, a 5-minute timer and a
                             sparse event function (sum all rows). Day 2 peaks higher and later.
  lab_session_a.log          Common Log Format access logs of a small image-classification
  lab_session_b.log          service during two 4-hour teaching lab sessions: a trickle of
                             requests from students trying the app, then load-test bursts
                             (the tutorial's siege step, started by the class within ~90 s).

The data are synthetic; only the formats (and the kinds of load) follow the public datasets
(Azure Functions 2019, NASA-HTTP / WorldCup98 style logs).
"""
import hashlib
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, text):
    with open(os.path.join(HERE, name), "w", newline="\n") as f:
        f.write(text)


def normal(rng):
    # Box-Muller on random(): an explicit algorithm, so the output never depends on the Python
    # version's gauss() implementation.
    u1 = 1.0 - rng.random()
    u2 = rng.random()
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, int(round(lam + math.sqrt(lam) * normal(rng))))
    # Knuth's multiplication method.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def bump(x, centre, width):
    return math.exp(-0.5 * ((x - centre) / width) ** 2)


def shop_day_rate(hour, day):
    """Requests per second of the shop at `hour` (0-24) of `day` (0 or 1)."""
    base = 15 + 40 * bump(hour, 12.5, 1.5) + 70 * bump(hour, 20.5, 2.0) + 35 * bump(hour, 16, 3.5)
    morning = 25 / (1 + math.exp(-(hour - 8.0) * 1.5))  # the morning ramp
    rate = base + morning * (1 - bump(hour, 23.5, 1.5))
    if day == 1:
        rate *= 1.15
        rate += 90 * bump(hour, 15.1, 0.25)  # newsletter sent at 15:00
    return rate


def shop_csv():
    rng = random.Random(20240305)
    start = 1709596800  # 2024-03-05 00:00:00 UTC (a Tuesday)
    rows = ["timestamp,rps"]
    noise = 0.0
    for m in range(2 * 1440):
        day, minute = divmod(m, 1440)
        noise = 0.9 * noise + 0.05 * normal(rng)  # AR(1): bursts last several minutes
        rps = shop_day_rate(minute / 60.0, day) * math.exp(noise)
        rows.append(f"{start + 60 * m},{rps:.2f}")
    write("shop_2days.csv", "\n".join(rows) + "\n")


def h(name):
    return hashlib.sha256(name.encode()).hexdigest()


def azure_day(day):
    rng = random.Random(2019 + day)
    header = ["HashOwner", "HashApp", "HashFunction", "Trigger"] + [str(m) for m in range(1, 1441)]
    lines = [",".join(header)]

    def row(owner, app, fn, trigger, counts):
        lines.append(",".join([h(owner), h(app), h(fn), trigger] + [str(c) for c in counts]))

    peak, peak_hour = (4200, 19.0) if day == 1 else (5000, 20.0)
    api = []
    for m in range(1440):
        hour = m / 60.0
        mean = 600 + peak * bump(hour, peak_hour, 3.0) + 0.5 * peak * bump(hour, 11.5, 2.0)
        api.append(poisson(rng, mean))
    row("owner-store", "app-storefront", "fn-catalog-http", "http", api)
    row("owner-store", "app-storefront", "fn-orders-queue", "queue",
        [poisson(rng, 900) if (m % 120) < 15 else 0 for m in range(1440)])
    row("owner-store", "app-storefront", "fn-cache-timer", "timer", [1 if m % 5 == 0 else 0 for m in range(1440)])
    row("owner-store", "app-storefront", "fn-review-event", "event",
        [poisson(rng, 20) if rng.random() < 0.2 else 0 for m in range(1440)])
    write(f"azure_functions_d{day:02d}.csv", "\n".join(lines) + "\n")


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def burst_shape(t, d):
    """A load test run by a whole class: students start it over 90 s and stop over the last 60 s."""
    if t < 0 or t >= d:
        return 0.0
    return min(1.0, t / 90.0, (d - t) / 60.0)


def lab_log(name, seed, day, bursts):
    """A 4h15m lab session from 14:00 local time (+0100); `bursts` = [(start_s, seconds, rps)]."""
    rng = random.Random(seed)
    hosts = [f"10.2.{rng.randint(0, 3)}.{rng.randint(2, 250)}" for _ in range(40)]
    requests = [("POST /predict HTTP/1.1", 200, 64), ("GET /test HTTP/1.1", 200, 64), ("GET / HTTP/1.1", 200, 1432)]
    out = []
    for s in range(4 * 3600 + 900):  # 15 min beyond the 4 h a run replays (the log starts at its first request)
        # Students arrive over the first half hour and trickle requests at a slowly varying rate.
        trickle = 0.15 * min(1.0, s / 1800.0) * (1 + 0.5 * math.sin(2 * math.pi * s / 2700.0))
        rate = trickle + sum(r * burst_shape(s - b, d) for (b, d, r) in bursts)
        n = poisson(rng, rate)
        hh, rem = divmod(14 * 3600 + s, 3600)
        stamp = f"[{day:02d}/Mar/2024:{hh:02d}:{rem // 60:02d}:{rem % 60:02d} +0100]"
        for _ in range(n):
            req, code, size = requests[0] if rng.random() < 0.8 else requests[1 + rng.randint(0, 1)]
            if req.startswith("POST"):
                size = rng.randint(40, 90)  # the JSON answer {"prediction": ..., "probability": ...}
            out.append(f'{rng.choice(hosts)} - - {stamp} "{req}" {code} {size}')
    write(name, "\n".join(out) + "\n")


if __name__ == "__main__":
    shop_csv()
    azure_day(1)
    azure_day(2)
    # Session A: the class-wide load test at 1:15 for 10 minutes, a smaller rerun at 2:40.
    lab_log("lab_session_a.log", 1101, 12, [(4500, 600, 6.0), (9600, 240, 3.0)])
    # Session B (another day, another class): the load test comes later and harder.
    lab_log("lab_session_b.log", 1102, 14, [(6300, 540, 7.0), (11400, 180, 3.0)])
