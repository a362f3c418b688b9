"""What each request of the load test's visit costs the server's CPU, in process: no sockets, no other process.

    .venv/bin/python bench/request_cpu.py [--beside DIR] [--repeats 30] [--rounds 3] [--reports 100000]

Django's test client asks each kind of request of bench/load.py's visit (the page, the service worker's update
check with the ETag it gave, the outlines, "Laporan saya", a report tile made and one answered 304, a basemap tile
from the disk cache, the report's JSON, locate, the report's page, a static file) on the database of
bench/nearby_bench.py (DATABASE_URL's name + "_bench", filled to --reports reports), as deployed: DEBUG off, the
production middleware, Redis. Each request's CPU time is time.process_time() around it (this process only:
PostgreSQL's and Redis's work is not in it, their answers' waiting neither), so the figure hardly moves with the
machine's load, unlike a wall-clock time. The first request of each kind is not measured (templates compiled,
caches filled, as a running worker has them). The basemap comes from bench/load.py's upstream on loopback into a
disk cache of each checkout's own under bench/results/: its first request fills the cache, the measured ones are
served from it as a seeded city's are.

With --beside DIR (another checkout, say main before a change) the two checkouts are measured in turns, --rounds
times each, each turn a process of its own running this file against its checkout: --repeats requests of each
kind in total per checkout, the median of them (and the fastest) side by side, and the ratio. The reports' tiles
are renewed before each turn (a tile is made once and then kept; the 304 is of that tile).
"""

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
PHONE = {"HTTP_ACCEPT_LANGUAGE": "id-ID,id;q=0.9", "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
         "HTTP_USER_AGENT": "lapor-padangpanjang bench/request_cpu.py"}


def measure(repeats):
    """{kind: [CPU ms of each request]} for this checkout (the current directory)."""
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tiles import grid

    setup_test_environment()  # the test client's hooks; settings stay the deployed ones (DEBUG off)
    client = Client(**PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, ST_Y(location), ST_X(location) FROM reports_report "
                       "WHERE NOT hidden AND NOT private AND location IS NOT NULL ORDER BY id LIMIT 1")
        code, lat, lon = cursor.fetchone()
    x, y = next(iter(grid.tiles_covering(lon, lat, lon, lat, 16)))
    tile = f"/tiles/reports/16/{x}/{y}.pbf"
    basemap = f"/tiles/basemap/16/{x}/{y}.png"
    cache.delete_many([key for key in ("tiles:version:all",)])
    page = client.get("/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200, page.status_code
    html = gzip.decompress(page.content) if page.get("Content-Encoding") == "gzip" else page.content
    static_path = re.search(r'src="(/static/[^"]+)"', html.decode()).group(1)
    etag = client.get(tile)["ETag"]
    service_worker = client.get("/sw.js").get("ETag")  # a browser's update check sends it back (None before)
    kinds = {
        "home /": lambda: client.get("/", HTTP_ACCEPT="text/html"),
        "service worker /sw.js": lambda: client.get("/sw.js", **({"HTTP_IF_NONE_MATCH": service_worker}
                                                                   if service_worker else {})),
        "outlines kelurahan.geojson": lambda: client.get("/api/v1/kelurahan.geojson"),
        "my reports (status)": lambda: client.get(f"/api/v1/reports/status?codes={code}",
                                                  HTTP_ACCEPT="application/json"),
        "report tile, 304": lambda: client.get(tile, HTTP_IF_NONE_MATCH=etag),
        "basemap tile (disk cache)": lambda: client.get(basemap),
        "report JSON": lambda: client.get(f"/api/v1/reports/{code}", HTTP_ACCEPT="application/json"),
        "locate": lambda: client.get(f"/api/v1/locate?lat={lat}&lon={lon}", HTTP_ACCEPT="application/json"),
        "report page": lambda: client.get(f"/laporan/{code}/", HTTP_ACCEPT="text/html"),
        "static file": lambda: client.get(static_path),
    }
    times = {kind: [] for kind in ("report tile, made", *kinds)}
    for kind, ask in kinds.items():
        status = ask().status_code  # not measured
        assert status in (200, 304), (kind, status)
    for _ in range(repeats):
        for kind, ask in kinds.items():
            start = time.process_time()
            response = ask()
            b"".join(response.streaming_content) if response.streaming else response.content
            times[kind].append((time.process_time() - start) * 1000)
        cache.delete("tiles:version:all")  # every tile made afresh
        start = time.process_time()
        assert client.get(tile).status_code == 200
        times["report tile, made"].append((time.process_time() - start) * 1000)
    return times


def environment(name, basemap_url):
    """A turn's settings: deployed (DEBUG off), the bench's database, a cache prefix and a basemap cache of the
    checkout's own, the basemap from `basemap_url`."""
    from bench.nearby_bench import BENCH_URL

    return dict(os.environ, DATABASE_URL=BENCH_URL, DEBUG="false", SECRET_KEY="bench-only",
                ALLOWED_HOSTS="testserver", CACHE_PREFIX=f"request-cpu-{name}", BASEMAP_URL=basemap_url,
                BASEMAP_CACHE_DIR=str(HERE / "bench" / "results" / f"request-cpu-basemap-{name}"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beside", help="another checkout, measured in turns with this one")
    parser.add_argument("--repeats", type=int, default=30, help="requests of each kind per checkout")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each checkout (with --beside)")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # a turn: this many, JSON on stdout
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return

    sys.path.insert(0, str(HERE))
    from bench.load import basemap_png, basemap_upstream
    from bench.nearby_bench import prepare

    prepare(args.reports, 7).close()
    print(f"Load average before: {os.getloadavg()}")
    checkouts = {"this": HERE} | ({"beside": Path(args.beside).resolve()} if args.beside else {})
    rounds = args.rounds if args.beside else 1
    per_turn = -(-args.repeats // rounds)
    times = {name: {} for name in checkouts}
    with basemap_upstream(basemap_png(7)) as basemap_url:  # the basemap's tile server, as bench/load.py's
        for name, root in checkouts.items():  # hashed static files, as deployed (load.py's make_run does the same)
            subprocess.run([str(root / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
                           cwd=root, env=environment(name, basemap_url), check=True)
        for round_number in range(rounds):
            for name, root in (checkouts.items() if round_number % 2 == 0 else reversed(checkouts.items())):
                out = subprocess.run([str(root / ".venv/bin/python"), str(Path(__file__).resolve()), "--measure",
                                      str(per_turn)], cwd=root, env=environment(name, basemap_url), check=True,
                                     stdout=subprocess.PIPE, text=True)
                for kind, values in json.loads(out.stdout).items():
                    times[name].setdefault(kind, []).extend(values)
                print(f"  round {round_number + 1}/{rounds}: {name} ({root}) measured", flush=True)
    print(f"Load average after: {os.getloadavg()}")
    print(f"\nCPU ms per request in process, median of {per_turn * rounds} (fastest in brackets)")
    header = f"{'kind':30}{'this':>16}" + (f"{'beside':>16}{'this/beside':>13}" if args.beside else "")
    print(header)
    for kind, values in times["this"].items():
        line = f"{kind:30}{statistics.median(values):9.2f} ({min(values):5.2f})"
        if args.beside:
            other = times["beside"][kind]
            line += (f"{statistics.median(other):9.2f} ({min(other):5.2f})"
                     f"{statistics.median(values) / statistics.median(other):12.2f}")
        print(line)
    out = HERE / "bench" / "results" / "request_cpu.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"checkouts": {k: str(v) for k, v in checkouts.items()}, "times_ms": times},
                              indent=1) + "\n")
    print(f"Saved {out.relative_to(HERE)}")


if __name__ == "__main__":
    main()
