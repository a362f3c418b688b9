"""Benchmark of a gunicorn worker's memory around a 12-megapixel upload, and of its giving memory back.

    .venv/bin/python bench/worker_memory_bench.py [--uploads 5] [--seed 7]

gunicorn as `make run` starts it (config/gunicorn.conf.py, gthread, 4 threads; one worker here, DEBUG off) over a
database of its own (DATABASE_URL's name + "_worker_memory_bench"). One new worker files `--uploads` reports with
the photo as the map page sends it (bench.common.browser_photo): the reference. Another new worker files as many
with the 12 MP JPEG itself (bench.common.phone_photo, 4000 x 3000), as an API client or a browser that cannot
shrink sends it. For each: its resident memory (VmRSS) at rest (after one GET /healthz) and after each filing, and
its peak (VmHWM, the most it ever held). Goal (issue 30): peak <= 200 MiB. Last, with GUNICORN_MAX_REQUESTS=20
(jitter 2): the worker's VmRSS after a 12 MP upload and that of the worker that replaced it.
Saved to bench/results/worker_memory.json.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dj_database_url
import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH_NAME = dj_database_url.parse(DATABASE_URL)["NAME"] + "_worker_memory_bench"
BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + BENCH_NAME
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX=BENCH_NAME, DEBUG="false", LOG_LEVEL="WARNING",
           SECRET_KEY="bench-only-" + "x" * 50, ALLOWED_HOSTS="127.0.0.1", REPORTS_PER_HOUR="100000",
           GEOCODER_URL="")

from bench.common import browser_photo, free_port, phone_photo, prepare_city, wait_for_port  # noqa: E402

GOAL_PEAK_MIB = 200
GANTING = (-0.460738, 100.417659)


def start(env, port):
    """gunicorn as config/serve.sh starts it, one worker; returned once it answers."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi",
                               "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
                               "--threads", "4", "--log-level", "warning"], cwd=ROOT, env=env)
    wait_for_port(port, 20)
    return server


def worker(server):
    """The pid of the master's one worker (waiting for it while it is being replaced)."""
    for _ in range(200):
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise SystemExit("no worker")


def memory_mib(pid):
    """(VmRSS, VmHWM) of `pid` in MiB: what it holds now, the most it ever held."""
    status = Path(f"/proc/{pid}/status").read_text()
    return tuple(int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) / 1024 for key in ("VmRSS", "VmHWM"))


def file(pool, photo, name):
    answer = pool.request("POST", "/api/v1/reports", fields={
        "client_uuid": str(uuid.uuid4()), "category": "jalan-berlubang", "lat": f"{GANTING[0]}",
        "lon": f"{GANTING[1]}", "description": "Lubang besar di jalan (bench/worker_memory_bench.py).",
        "photos": (name, photo, "image/webp" if name.endswith(".webp") else "image/jpeg")})
    assert answer.status == 201, answer.data[:300]


def filings(photo, name, count):
    """A new worker's memory after a GET /healthz (its own, at rest), then after each of `count` filings with
    `photo`: a list of (VmRSS, VmHWM) in MiB."""
    port = free_port()
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, timeout=120)
    server = start(ENV, port)
    try:
        pid = worker(server)
        pool.request("GET", "/healthz")
        seen = [memory_mib(pid)]
        for index in range(1, count + 1):
            file(pool, photo, name)
            seen.append(memory_mib(pid))
            print(f"  {name} {index}/{count}: RSS {seen[-1][0]:.0f} MiB, peak {seen[-1][1]:.0f} MiB", flush=True)
        return seen
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    prepare_city(BENCH_URL, ENV)
    photo = phone_photo(args.seed)
    shrunk = browser_photo(photo)
    print(f"Photo: 4000 x 3000 JPEG, {len(photo) / 1e6:.1f} MB; as the browser sends it {len(shrunk) / 1024:.0f} KB")
    print("A new worker, filings with the photo as the browser sends it (the reference):")
    reference = filings(shrunk, "foto.webp", args.uploads)
    print("A new worker, filings with the 12 MP JPEG:")
    uploads = filings(photo, "foto.jpg", args.uploads)

    # Replaced after GUNICORN_MAX_REQUESTS (20 here, with its jitter of 2): a new worker, holding what a new one does.
    port = free_port()
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, timeout=120)
    server = start(dict(ENV, GUNICORN_MAX_REQUESTS="20"), port)
    try:
        first = worker(server)
        file(pool, photo, "foto.jpg")
        held = memory_mib(first)
        requests = 1
        while worker(server) == first and requests < 40:
            pool.request("GET", "/healthz")
            requests += 1
        replaced = worker(server)
        time.sleep(1)  # the new worker's imports
        pool.request("GET", "/healthz")
        fresh = memory_mib(replaced)
        print(f"max_requests 20: worker {first} held {held[0]:.0f} MiB after a 12 MP upload; replaced after "
              f"{requests} requests by {replaced}, which holds {fresh[0]:.0f} MiB")
    finally:
        server.terminate()
        server.wait()

    results = {"reference": reference, "uploads_12mp": uploads, "goal_peak_mib": GOAL_PEAK_MIB,
               "replaced_after_requests": requests, "rss_before_replacement_mib": held[0],
               "rss_after_replacement_mib": fresh[0]}
    peak = uploads[-1][1]
    print(f"\n{'':34}{'at rest':>9}{'RSS after':>11}{'peak':>7}  (MiB)")
    for label, seen in (("shrunk photo (reference)", reference), ("12 MP JPEG", uploads)):
        print(f"{label:34}{seen[0][0]:9.0f}{seen[-1][0]:11.0f}{seen[-1][1]:7.0f}")
    print(f"12 MP peak {peak:.0f} MiB (goal <= {GOAL_PEAK_MIB}: {'met' if peak <= GOAL_PEAK_MIB else 'NOT met'}), "
          f"{peak / reference[-1][1]:.2f}x the reference's; a replaced worker holds {fresh[0]:.0f} MiB")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "worker_memory.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
