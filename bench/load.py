"""Load test on loopback: simulated residents using the map at once, against a /healthz reference in the same run.

    .venv/bin/python bench/load.py [--residents 50] [--seconds 60] [--think 1] [--reports 100000] [--port 8600]
                                   [--reference-seconds 15] [--url http://host:port] [--seed 7]

Without --url it fills the database of bench/nearby_bench.py (DATABASE_URL's name + "_bench") up to
--reports reports and starts the project as `make run` does: DEBUG off, hashed static files, gunicorn with
3 gthread workers of 4 threads. That server gets REPORTS_PER_HOUR=1000000 (every resident comes from
127.0.0.1; the hourly limit is not what is measured) and a BASEMAP_URL on a closed local port (no basemap
tile is asked anyway); its tiles start uncached; its output goes to bench/results/load-server.log.

Reference first: as many clients as residents, pausing as residents do, ask GET /healthz (Django and one
query). Then each resident repeats a visit: the home page, the kelurahan outlines and the reports in the box
of a phone's screen (412 x 800 px) somewhere in the city at zoom 13 to 16, the vector tiles of that screen
(sending the ETag it got before, as a browser does), the reports near the screen's centre, the page of one
report from the box, and in 5 % of visits a new report with a photo as the browser sends it (a 12 MP photo
shrunk to 1600 px WebP of at most 200 KB: bench.common.browser_photo). Between steps a resident pauses --think
seconds on average (0: never).

Client and server share this machine's cores, so the figures are the machine's, not the server's alone.
Per kind of request: requests, req/s, p50/p95/p99 and errors (status 400 or more, or no answer).
Saved to bench/results/load.json.
"""

import argparse
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import dj_database_url
import redis
import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import browser_photo, gunicorn, percentiles, phone_photo  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402
from config.settings import CACHES  # noqa: E402
from tiles import grid  # noqa: E402

SCREEN_PX = (412, 800)  # a common phone's viewport in CSS pixels
ZOOMS = (13, 14, 15, 16)
CENTRE = (-0.4665, 100.405)  # the maps' default centre; points within FILING_SPREAD of it are in the city
FILING_SPREAD_DEG = 0.005
FILING_SHARE = 0.05
PROGRESS_S = 5
TIMEOUT = urllib3.Timeout(connect=5, read=30)
REFERENCE = "healthz (reference)"
KINDS = ("home", "outlines", "map reports", "tile", "nearby", "report page", "file report")


class TimeUp(Exception):
    """The run's time is over: the resident stops after the request it was making."""


class Resident:
    """One person with a phone: their own random choices, the tiles' ETags they keep, their pace."""

    def __init__(self, pool, rng, city, photo, think):
        self.pool, self.rng, self.city, self.photo, self.think = pool, rng, city, photo, think
        self.etags = {}
        self.records, self.deadline = None, None  # given by run() for each phase

    def request(self, kind, method, path, **options):
        """The response (None when none came), its time and outcome recorded under `kind`."""
        if time.monotonic() >= self.deadline:
            raise TimeUp
        start = time.perf_counter()
        try:
            response = self.pool.request(method, path, **options)
        except urllib3.exceptions.HTTPError as error:
            self.records.append((kind, time.perf_counter() - start, type(error).__name__))
            return None
        error = f"HTTP {response.status}" if response.status >= 400 else None
        self.records.append((kind, time.perf_counter() - start, error))
        return response

    def get(self, kind, path, headers=None, decode=False):
        return self.request(kind, "GET", path, headers=headers, decode_content=decode)

    def pause(self):
        if self.think:
            time.sleep(min(self.rng.uniform(0.5, 1.5) * self.think, max(0, self.deadline - time.monotonic())))

    def reference(self):
        self.get(REFERENCE, "/healthz")
        self.pause()

    def visit(self):
        self.get("home", "/")
        self.get("outlines", "/api/v1/kelurahan.geojson")
        west, south, east, north = self.city
        lat, lon = self.rng.uniform(south, north), self.rng.uniform(west, east)
        z = self.rng.choice(ZOOMS)
        degrees_per_px = 360 / (256 * 2**z)  # near the equator a degree of latitude is one of longitude
        half_w, half_h = SCREEN_PX[0] / 2 * degrees_per_px, SCREEN_PX[1] / 2 * degrees_per_px
        box = (lon - half_w, lat - half_h, lon + half_w, lat + half_h)
        answer = self.get("map reports", "/api/v1/reports?bbox=" + ",".join(f"{v:.6f}" for v in box), decode=True)
        codes = []
        if answer is not None and answer.status == 200:
            codes = [feature["properties"]["code"] for feature in json.loads(answer.data)["features"]]
        for x, y in grid.tiles_covering(*box, z):
            self.tile(z, x, y)
        self.pause()
        self.get("nearby", f"/api/v1/reports/nearby?lat={lat:.6f}&lon={lon:.6f}&radius_m=1000")
        self.pause()
        if codes:
            self.get("report page", f"/laporan/{self.rng.choice(codes)}/")
            self.pause()
        if self.rng.random() < FILING_SHARE:
            self.file_report()
            self.pause()

    def tile(self, z, x, y):
        path = f"/tiles/reports/{z}/{x}/{y}.pbf"
        known = self.etags.get(path)
        response = self.get("tile", path, headers={**self.pool.headers, "If-None-Match": known} if known else None)
        if response is not None and response.status == 200 and "ETag" in response.headers:
            self.etags[path] = response.headers["ETag"]

    def file_report(self):
        lat = CENTRE[0] + self.rng.uniform(-FILING_SPREAD_DEG, FILING_SPREAD_DEG)
        lon = CENTRE[1] + self.rng.uniform(-FILING_SPREAD_DEG, FILING_SPREAD_DEG)
        self.request("file report", "POST", "/api/v1/reports", fields={
            "client_uuid": str(uuid.uuid4()),  # new in every run: a known one would only find its report again
            "category": "jalan-berlubang", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
            "description": "Lubang di jalan, dalam sekitar 10 cm (uji beban bench/load.py).",
            "photos": ("foto-1.webp", self.photo, "image/webp"),
        })

    def loop(self, step):
        try:
            while True:
                step()
        except TimeUp:
            pass


def city_box(pool):
    """(west, south, east, north) of the kelurahan outlines the server serves."""
    response = pool.request("GET", "/api/v1/kelurahan.geojson")
    if response.status != 200:
        raise SystemExit(f"GET /api/v1/kelurahan.geojson answered {response.status}")
    points = []

    def walk(coordinates):
        if isinstance(coordinates[0], (int, float)):
            points.append(coordinates)
        else:
            for part in coordinates:
                walk(part)

    for feature in response.json()["features"]:
        walk(feature["geometry"]["coordinates"])
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def run(label, residents, seconds, step):
    """`step` of every resident over and over for `seconds`, with a progress line.

    Returns the records, the wall time and the CPU time this process (the client) used meanwhile.
    """
    records = []
    start, cpu = time.monotonic(), time.process_time()
    for resident in residents:
        resident.records, resident.deadline = records, start + seconds
    threads = [threading.Thread(target=resident.loop, args=(step(resident),), daemon=True) for resident in residents]
    for thread in threads:
        thread.start()
    print(f"{label}: {len(threads)} clients for {seconds} s", flush=True)
    shown, seen = start, 0
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.2)
        now = time.monotonic()
        if now - shown >= PROGRESS_S or not any(thread.is_alive() for thread in threads):
            done, errors = len(records), sum(1 for row in records if row[2])
            p95 = percentiles([row[1] for row in records])["p95_ms"] if records else 0
            print(f"  {now - start:5.1f} s  {done:7,} requests ({(done - seen) / (now - shown):4.0f}/s lately)"
                  f"  {errors:,} errors  p95 so far {p95:.0f} ms", flush=True)
            shown, seen = now, done
    return records, time.monotonic() - start, time.process_time() - cpu


def summarize(records, seconds):
    """Per kind and in total: requests, req/s, p50/p95/p99 in ms, errors."""
    def row(rows):
        return {"requests": len(rows), "per_s": len(rows) / seconds, **percentiles([r[1] for r in rows]),
                "errors": sum(1 for r in rows if r[2])}

    kinds = {kind: row([r for r in records if r[0] == kind]) for kind in KINDS
             if any(r[0] == kind for r in records)}
    return kinds, row(records)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between steps in seconds")
    parser.add_argument("--reference-seconds", type=int, default=15)
    parser.add_argument("--reports", type=int, default=100_000, help="reports in the database (without --url)")
    parser.add_argument("--port", type=int, help="for the server started here (default: a free one)")
    parser.add_argument("--url", help="a running server to load instead of starting one (its data as it is)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(f"Machine: {os.cpu_count()} cores, shared by the simulated residents and the server")
    photo = browser_photo(phone_photo(args.seed))
    print(f"Photo to file: {len(photo) / 1024:.0f} KiB WebP, as the browser sends it")
    results = {"residents": args.residents, "seconds": args.seconds, "think_s": args.think,
               "reference_seconds": args.reference_seconds, "cpu_cores": os.cpu_count(), "photo_bytes": len(photo)}
    log_path = ROOT / "bench" / "results" / "load-server.log"
    log_path.parent.mkdir(exist_ok=True)
    stack = ExitStack()
    if args.url:
        results.update(url=args.url, server="given with --url")
        print(f"Server: {args.url}, as it is (its REPORTS_PER_HOUR applies: 429 answers count as errors)")
    else:
        db = prepare(args.reports, args.seed)
        with db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reports_report")
            results["reports"] = cursor.fetchone()[0]
        db.close()
        # A reproducible start: every tile gets a new version, so tiles are made afresh (tiles/invalidate.py).
        prefix = os.environ.get("CACHE_PREFIX") or dj_database_url.parse(BENCH_URL)["NAME"]
        redis.Redis.from_url(CACHES["default"]["LOCATION"]).delete(f"{prefix}:1:tiles:version:all")
        log = stack.enter_context(log_path.open("w"))
        port, _ = stack.enter_context(gunicorn(
            args.port, workers=3, threads=4, log=log, DATABASE_URL=BENCH_URL, REPORTS_PER_HOUR="1000000",
            BASEMAP_URL="http://127.0.0.1:9/{z}/{x}/{y}.png", GEOCODER_URL=""))
        results["server"] = "gunicorn gthread, 3 workers x 4 threads, DEBUG off, REPORTS_PER_HOUR=1000000"
        print(f"Server: {results['server']} (the hourly limit is not what is measured), "
              f"{results['reports']:,} reports; its output in {log_path.relative_to(ROOT)}")

    with stack:
        url = args.url or f"http://127.0.0.1:{port}"
        # A connection of its own per resident, as each phone has: never idle longer than a pause (1.5 x --think),
        # so under gunicorn's 2 s keep-alive the server rarely closes one just as it is used again.
        pools = [urllib3.connection_from_url(url, maxsize=1, block=True, retries=False, timeout=TIMEOUT, headers={
            "Accept-Encoding": "gzip", "Accept": "application/json, */*",
            "User-Agent": "lapor-padangpanjang bench/load.py"}) for _ in range(args.residents)]
        city = city_box(pools[0])
        residents = [Resident(pool, random.Random(f"{args.seed}-{index}"), city, photo, args.think)
                     for index, pool in enumerate(pools)]
        reference, reference_s, _ = run("Reference, GET /healthz", residents, args.reference_seconds,
                                      lambda resident: resident.reference)
        records, seconds, client_cpu = run("Residents", residents, args.seconds, lambda resident: resident.visit)

    results["reference"] = summarize(reference, reference_s)[1]
    results["kinds"], results["total"] = summarize(records, seconds)
    results["errors"] = {f"{kind}: {error}": count
                         for (kind, error), count in Counter((r[0], r[2]) for r in records + reference if r[2]).items()}
    results["client_cpu_share"] = client_cpu / seconds / os.cpu_count()
    results["goal_met"] = results["total"]["errors"] == 0 and results["total"]["p95_ms"] < 1000
    ref = results["reference"]
    print(f"\n{args.residents} residents, {args.seconds} s, pauses of {args.think:g} s on average; "
          f"times in ms; x ref: p50 over the reference's p50 ({ref['p50_ms']:.1f} ms)")
    print(f"{'kind':22}{'requests':>9}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>8}{'x ref':>8}")
    for label, row in [*results["kinds"].items(), ("total", results["total"]), (REFERENCE, ref)]:
        print(f"{label:22}{row['requests']:9,}{row['per_s']:8.1f}{row['p50_ms']:8.1f}{row['p95_ms']:8.1f}"
              f"{row['p99_ms']:8.1f}{row['errors']:8,}{row['p50_ms'] / ref['p50_ms']:8.1f}")
    for what, count in results["errors"].items():
        print(f"  error {what}: {count:,}")
    print(f"The client itself used {results['client_cpu_share']:.0%} of the machine's {os.cpu_count()} cores "
          "while the residents ran")
    print(f"Goal (0 errors, p95 under 1 s): {'met' if results['goal_met'] else 'NOT met'}")
    out = ROOT / "bench" / "results" / "load.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
