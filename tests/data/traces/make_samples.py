#!/usr/bin/env python3
"""Regenerates the small sample traces in this directory (deterministic: fixed seeds, no input).

  sample_rps.csv           plain "timestamp,rps": 10 minutes at a ~15 s step, one missing row,
                           one fractional timestamp (as exported from a Prometheus range query)
  azure_functions_d01.csv  Azure Functions 2019 invocation format, one day, 5 functions
  nasa_style_access.log    Common Log Format, 3 minutes starting 01/Jul/1995:00:00:01 -0400
                           (NASA-HTTP style), with 3 malformed lines and one line 1 s out of order

The C++ tests (src/workload/trace_test.cc) assert values read off these files by hand; rerunning
this script must reproduce them byte for byte.
"""
import hashlib
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, text):
    with open(os.path.join(HERE, name), "w", newline="\n") as f:
        f.write(text)


def sample_csv():
    rows = ["timestamp,rps"]
    times = [t for t in range(0, 601, 15) if t != 300]  # the 300 s sample is missing
    times.append(97.5)  # an off-grid sample
    times.sort()
    for t in times:
        rps = 60 + 25 * math.sin(2 * math.pi * t / 600)
        rows.append(f"{t:g},{rps:.1f}")
    write("sample_rps.csv", "\n".join(rows) + "\n")


def h(name):
    return hashlib.sha256(name.encode()).hexdigest()


def azure():
    rng = random.Random(2019)
    header = ["HashOwner", "HashApp", "HashFunction", "Trigger"] + [str(m) for m in range(1, 1441)]
    lines = [",".join(header)]

    def row(owner, app, fn, trigger, counts):
        lines.append(",".join([h(owner), h(app), h(fn), trigger] + [str(c) for c in counts]))

    # HTTP API with a day curve: low at night, high in the afternoon.
    api = []
    for m in range(1440):
        mean = 30 + 25 * math.sin(2 * math.pi * (m - 600) / 1440)
        api.append(max(0, int(round(rng.gauss(mean, math.sqrt(mean))))))
    row("owner-a", "app-shop", "fn-checkout-http", "http", api)
    # Timer every 5 minutes.
    row("owner-a", "app-shop", "fn-cleanup-timer", "timer", [1 if m % 5 == 0 else 0 for m in range(1440)])
    # Queue consumer: bursts of work every 2 hours.
    row("owner-a", "app-shop", "fn-orders-queue", "queue",
        [rng.randint(40, 60) if (m % 120) < 10 else 0 for m in range(1440)])
    # Event-driven function of another owner: sparse.
    row("owner-b", "app-iot", "fn-telemetry-event", "event",
        [rng.randint(1, 3) if rng.random() < 0.1 else 0 for m in range(1440)])
    # Rarely used HTTP endpoint: a single invocation at minute 721 (noon).
    row("owner-b", "app-iot", "fn-admin-http", "http", [1 if m == 720 else 0 for m in range(1440)])
    write("azure_functions_d01.csv", "\n".join(lines) + "\n")


def clf():
    rng = random.Random(1995)
    hosts = ["199.72.81.55", "unicomp6.unicomp.net", "burger.letters.com", "205.212.115.106",
             "d104.aa.net", "129.94.144.152", "ppp-mia-30.shadow.net", "port26.annex2.nwlink.com",
             "gayle-gaston.tenet.edu", "piweba3y.prodigy.com"]
    paths = [("/history/apollo/", 6245), ("/shuttle/countdown/", 3985), ("/images/NASA-logosmall.gif", 786),
             ("/images/KSC-logosmall.gif", 1204), ("/shuttle/missions/sts-73/mission-sts-73.html", 4085),
             ("/shuttle/countdown/liftoff.html", 0), ("/images/launch-logo.gif", 1713)]
    out = []
    for s in range(180):
        sec = 1 + s  # the NASA July log starts at 00:00:01
        stamp = f"01/Jul/1995:00:{sec // 60:02d}:{sec % 60:02d} -0400"
        for _ in range(rng.randint(2, 8)):
            path, size = rng.choice(paths)
            status = 304 if rng.random() < 0.1 else (404 if size == 0 else 200)
            nbytes = "-" if status == 304 else (0 if status == 404 else size)
            out.append(f'{rng.choice(hosts)} - - [{stamp}] "GET {path} HTTP/1.0" {status} {nbytes}')
    # A line one second out of order (merged logs interleave), right after second 100's lines.
    idx = max(i for i, l in enumerate(out) if "00:01:41 -0400" in l) + 1
    out.insert(idx, 'd104.aa.net - - [01/Jul/1995:00:01:40 -0400] "GET /images/NASA-logosmall.gif HTTP/1.0" 200 786')
    # Malformed lines of the kinds found in the real NASA logs.
    out.insert(50, 'alyssa.prodigy.com - - [01/Jul/1995:00:00:1')  # truncated
    out.insert(400, 'gw1.att.com - - [01/Jul/1995:00:01:75 -0400] "GET /shuttle/countdown/ HTTP/1.0" 200 3985')  # bad time
    out.insert(700, '<html><head><title>garbage</title></head></html>')
    write("nasa_style_access.log", "\n".join(out) + "\n")


if __name__ == "__main__":
    sample_csv()
    azure()
    clf()
