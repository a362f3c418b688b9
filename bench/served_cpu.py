"""The server's CPU a request as `make run` serves it, gunicorn and all, for most of a map visit's requests.

    .venv/bin/python bench/served_cpu.py [--beside DIR] [--requests 9000] [--rounds 2] [--clients 8]
                                         [--workers N] [--threads N]

bench/request_cpu.py measures a request inside one process; this measures what the server spends on it whole:
gunicorn's HTTP parsing and access log, its workers' replacement after max_requests, the middleware and the view.
Each turn starts a checkout's server as bench/load.py does (make_run: collectstatic, config/serve.sh with the
Makefile's workers of 4 threads, DEBUG off, the access log) on the database of bench/nearby_bench.py, with
bench/load.py's basemap upstream on loopback behind a disk cache of the turn's own, and asks --requests requests
from --clients connections at once: report tiles of zoom 16 around the city's centre sent with their ETag (a 304),
basemap tiles of the same place from the disk cache and the home page's static files, drawn at random in the
proportions of bench/load.py's 200-resident run (142, 120 and 76 a second). Every path is asked once before (not
measured: tiles made, the basemap cached, workers warm). The figure is the CPU time (user and system, from /proc)
of the server's processes, replaced workers included, over the measured requests; and how many workers gunicorn
started meanwhile. With --beside DIR (another checkout, say main before a change) the checkouts take turns,
--rounds times each. --workers and --threads set gunicorn's for this checkout's turns only (`--beside .
--workers 2 --threads 6`: another arrangement of the same code against make run's). Saved to
bench/results/served_cpu.json.
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
from pathlib import Path

import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port  # noqa: E402
from bench.load import basemap_png, basemap_upstream, city_box, make_run, makefile_workers, tree_cpu_s  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402
from tiles import grid  # noqa: E402

MIX = {"report tile 304": 142, "basemap tile": 120, "static file": 76}  # a second, bench/load.py's 200 residents
ZOOM, AROUND_DEG = 16, 0.01


def turn(root, name, basemap_url, requests, clients, seed, workers, options):
    """One server of the checkout at `root` (gunicorn's `workers`, more of its `options`): (CPU ms a request,
    workers started) over `requests` requests."""
    with tempfile.TemporaryDirectory() as scratch, open(Path(scratch) / "server.log", "w+") as log:
        port = free_port()
        with make_run(port, workers, log, options, root=root, DATABASE_URL=BENCH_URL, GEOCODER_URL="",
                      BASEMAP_URL=basemap_url, BASEMAP_CACHE_DIR=str(Path(scratch) / "basemap"),
                      CACHE_PREFIX=f"served-cpu-{name}", STATIC_ROOT=str(Path(scratch) / "static")) as server:
            pool = urllib3.connection_from_url(f"http://127.0.0.1:{port}", maxsize=clients, block=True, headers={
                "Accept-Encoding": "gzip, deflate, br", "Accept": "*/*", "Accept-Language": "id-ID,id;q=0.9",
                "User-Agent": "lapor-padangpanjang bench/served_cpu.py"})
            west, south, east, north = city_box(pool)
            lon, lat = (west + east) / 2, (south + north) / 2
            places = list(grid.tiles_covering(lon - AROUND_DEG, lat - AROUND_DEG, lon + AROUND_DEG, lat + AROUND_DEG,
                                              ZOOM))
            home = pool.request("GET", "/", headers={"Accept": "text/html"}).data.decode()
            paths = {"report tile 304": [f"/tiles/reports/{ZOOM}/{x}/{y}.pbf" for x, y in places],
                     "basemap tile": [f"/tiles/basemap/{ZOOM}/{x}/{y}.png" for x, y in places],
                     "static file": sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', home)))}
            etags = {}
            for path in [path for kind_paths in paths.values() for path in kind_paths]:  # not measured: each one
                response = pool.request("GET", path)  # made, cached and answered once
                assert response.status == 200, (path, response.status)
                etags[path] = response.headers.get("ETag")
            rng = random.Random(seed)
            asked = [rng.choice(paths[kind]) for kind in rng.choices(list(MIX), weights=list(MIX.values()),
                                                                       k=requests)]
            failed = []

            def client(mine):
                for path in mine:
                    headers = {"If-None-Match": etags[path]} if path.endswith(".pbf") else {}
                    status = pool.request("GET", path, headers=headers).status
                    if status not in (200, 304):
                        failed.append((path, status))

            log.flush()
            cpu, booted = tree_cpu_s(server.pid), Path(log.name).read_text().count("Booting worker with pid")
            threads = [threading.Thread(target=client, args=(asked[index::clients],)) for index in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            cpu, booted = tree_cpu_s(server.pid) - cpu, Path(log.name).read_text().count(
                "Booting worker with pid") - booted
            if failed:
                raise SystemExit(f"{len(failed)} requests failed, the first {failed[0]}")
            return cpu / requests * 1000, booted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beside", help="another checkout, measured in turns with this one")
    parser.add_argument("--requests", type=int, default=9000, help="measured requests per turn")
    parser.add_argument("--rounds", type=int, default=2, help="turns of each checkout")
    parser.add_argument("--clients", type=int, default=8, help="connections asking at once")
    parser.add_argument("--workers", type=int, help="gunicorn's workers in this checkout's turns (default: the "
                        "Makefile's WORKERS)")
    parser.add_argument("--threads", type=int, help="threads per worker in this checkout's turns (default: "
                        "config/serve.sh's)")
    parser.add_argument("--reports", type=int, default=100_000)
    args = parser.parse_args()

    prepare(args.reports, 7).close()
    checkouts = {"this": ROOT} | ({"beside": Path(args.beside).resolve()} if args.beside else {})
    print(f"Load average before: {os.getloadavg()}")
    results = {name: [] for name in checkouts}
    with basemap_upstream(basemap_png(7)) as basemap_url:
        for round_number in range(args.rounds):
            for name, root in (checkouts.items() if round_number % 2 == 0 else reversed(checkouts.items())):
                mine = name == "this"
                workers = (mine and args.workers) or makefile_workers()
                options = ["--threads", str(args.threads)] if mine and args.threads else []
                ms, booted = turn(root, name, basemap_url, args.requests, args.clients, round_number, workers, options)
                results[name].append({"cpu_ms_per_request": ms, "workers_started": booted})
                print(f"  round {round_number + 1}/{args.rounds}: {name} ({root}): {ms:.3f} ms of the server's CPU a "
                      f"request, {booted} workers started, load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"Load average after: {os.getloadavg()}")
    medians = {name: statistics.median(turn["cpu_ms_per_request"] for turn in turns) for name, turns in results.items()}
    for name, turns in results.items():
        each = ", ".join(f"{turn['cpu_ms_per_request']:.3f}" for turn in turns)
        started = ", ".join(str(turn["workers_started"]) for turn in turns)
        print(f"{name:8} median {medians[name]:.3f} ms a request (turns: {each}; workers started: {started})")
    if args.beside:
        print(f"this / beside: {medians['this'] / medians['beside']:.2f}")
    out = ROOT / "bench" / "results" / "served_cpu.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"checkouts": {k: str(v) for k, v in checkouts.items()}, "mix_per_s": MIX,
                               "this_workers": args.workers, "this_threads": args.threads,
                               "requests": args.requests, "clients": args.clients, "turns": results}, indent=1) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
