"""Load test on loopback: simulated residents using the map at once, against a /healthz reference in the same run.

    .venv/bin/python bench/load.py [--residents 50] [--seconds 60] [--think 1] [--reports 100000] [--port 8600]
                                   [--reference-seconds 15] [--url http://host:port] [--seed 7]
                                   [--workers N] [--threads N]

Without --url it fills the database of bench/nearby_bench.py (DATABASE_URL's name + "_bench") up to --reports
reports and starts the project as `make run` does: collectstatic, then config/serve.sh (gunicorn with
config/gunicorn.conf.py, the Makefile's WORKERS, the access log, and the job worker beside it), DEBUG off. That
server gets REPORTS_PER_HOUR=1000000 (every resident comes from 127.0.0.1; the hourly limit is not what is
measured) and a basemap upstream started here on loopback (one PNG for every tile, kept 7 days, as a tile server
answers); the server's basemap cache (bench/results/basemap-cache) is seeded first with `manage.py seed_tiles --zoom
13-18`, as docs/tiles.md tells a city to. Report tiles start uncached; the server's output goes to
bench/results/load-server.log.

Reference first: as many clients as residents, pausing as residents do, ask GET /healthz. Then each resident, a
phone of its own (its own connection, cookies and HTTP cache), repeats a visit of the resident's map as
static/js/report.js, static/js/report-tiles.js and the service worker (/sw.js) make it (docs/figures.md, "What a
visit is"):

1. The page `/`; on the phone's first visit the files it names (scripts, style sheets, the tile modules of the
   import map), the service worker (which fetches `/` again, the pin's images and `/luring/` as it installs),
   the manifest and the kelurahan outlines; on later visits the browser's cache has them (hashed static files are
   kept a year, the outlines an hour) and only `/sw.js` is asked again (the browser's update check, with the
   ETag it got: unchanged, a 304).
   A phone that filed a report asks its status ("Laporan saya").
2. The map as it opens (the city's centre, zoom 13), then zoomed to a random place in the city (zoom 15 or 16),
   then to zoom 18 there, where reports are single dots: at each view the report tiles of a phone's screen (412 x
   800 px), sending the ETag it got before (the tiles are `no-cache`: an unchanged tile is a 304), and the basemap
   tiles it has not yet kept.
3. A tap on a report of that view: its JSON (the exact point, for the pin) and the pin's kelurahan
   (`/api/v1/locate`); then the report's page (the popup's link).
4. In 5 % of visits a new report: a category, a tap for the pin (locate), the nearest assets when the category
   names a layer, the duplicate check, the filing with a photo as the browser sends it (a 12 MP photo shrunk to
   at most 200 KB of WebP: bench.common.browser_photo), then the private page it opens.

Between steps a resident pauses --think seconds on average (0: never). Client and server share this machine's
cores, so the figures are the machine's, not the server's alone. Per kind of request: requests, req/s,
p50/p95/p99 and errors (status 400 or more, or no answer). A GET whose kept connection gunicorn closed (its
2 s keep-alive) just as it was sent, before any byte of the answer, is sent once more on a new connection, as a
browser does, its time counted from the first attempt; how many were is said apart. With the server started here,
its CPU time a request too (gunicorn with its workers, replaced ones included, and the job worker: utime and
stime from /proc; PostgreSQL's and Redis's not), and how many workers gunicorn started during the run. Saved to
bench/results/load.json.
"""

import argparse
import http.client
import http.server
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dj_database_url
import mapbox_vector_tile
import redis
import urllib3
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import browser_photo, free_port, percentiles, phone_photo, wait_for_port  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402
from config.settings import CACHES, LEAFLET_CONFIG  # noqa: E402
from tiles import grid  # noqa: E402

SCREEN_PX = (412, 800)  # a common phone's viewport in CSS pixels
OPEN_ZOOM, PLACE_ZOOMS, DOT_ZOOM = LEAFLET_CONFIG["DEFAULT_ZOOM"], (15, 16), 18
CENTRE = LEAFLET_CONFIG["DEFAULT_CENTER"]  # the map opens here; points within FILING_SPREAD of it are in the city
FILING_SPREAD_DEG = 0.005
FILING_SHARE = 0.05
FILING_CATEGORY = "jalan-berlubang"
PROGRESS_S = 5
WARM_UP_PHONES, WARM_UP_S = 6, 10
TIMEOUT = urllib3.Timeout(connect=5, read=30)
REFERENCE = "healthz (reference)"
# The kinds of request, in the order of a visit.
KINDS = ("home", "static file", "service worker", "outlines", "my reports", "report tile", "basemap tile",
         "report JSON", "locate", "report page", "assets nearest", "duplicates", "file report", "filed page")
# What the service worker fetches as it installs, beside the files the page names (notify/templates/notify/sw.js).
SW_INSTALL = ["/static/leaflet/images/marker-icon.png", "/static/leaflet/images/marker-icon-2x.png",
              "/static/leaflet/images/marker-shadow.png", "/luring/"]
STATIC_NAMED = re.compile(r"/static/[\w.@/-]+")  # as the service worker finds them in the page
BASEMAP_MAX_AGE_S = 7 * 86400
IDEMPOTENT = {"GET", "HEAD"}
# What a kept connection closed by the server before any byte of the answer raises (urllib3's ProtocolError holds it).
CLOSED_BEFORE_ANSWER = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class TimeUp(Exception):
    """The run's time is over: the resident stops after the request it was making."""


class Resident:
    """One phone: its own random choices, cookies, HTTP cache (what it keeps and the report tiles' ETags), pace."""

    def __init__(self, pool, rng, city, photo, think):
        self.pool, self.rng, self.city, self.photo, self.think = pool, rng, city, photo, think
        self.cookies, self.kept, self.etags, self.codes = {}, set(), {}, {}  # codes: of each report tile seen
        self.filed = []
        self.records, self.deadline = None, None  # given by run() for each phase
        self.retried = Counter()

    def request(self, kind, method, path, headers=None, **options):
        """The response (None when none came), its time and outcome recorded under `kind`."""
        if time.monotonic() >= self.deadline:
            raise TimeUp
        headers = {**self.pool.headers, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        start = time.perf_counter()
        try:
            try:
                response = self.pool.request(method, path, headers=headers, **options)
            except urllib3.exceptions.ProtocolError as closed:
                if method not in IDEMPOTENT or not isinstance(closed.args[-1], CLOSED_BEFORE_ANSWER):
                    raise
                # The kept connection was closed by the server just as it was used again, before any byte of an
                # answer: a browser sends an idempotent request again on a new connection, and so does the phone.
                self.retried[kind] += 1
                response = self.pool.request(method, path, headers=headers, **options)
        except urllib3.exceptions.HTTPError as error:
            self.records.append((kind, time.perf_counter() - start, type(error).__name__))
            return None
        error = f"HTTP {response.status}" if response.status >= 400 else None
        self.records.append((kind, time.perf_counter() - start, error))
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response

    def get(self, kind, path, headers=None, decode=False):
        return self.request(kind, "GET", path, headers=headers, decode_content=decode)

    def get_json(self, kind, path):
        response = self.request(kind, "GET", path, headers={"Accept": "application/json"}, decode_content=True)
        return response.json() if response is not None and response.status == 200 else None

    def revalidate(self, kind, path, decode=False):
        """GET `path` with the ETag this phone got before, if any (a no-cache answer: unchanged, a 304)."""
        known = self.etags.get(path)
        response = self.get(kind, path, headers={"If-None-Match": known} if known else None, decode=decode)
        if response is not None and response.status == 200 and response.headers.get("ETag"):
            self.etags[path] = response.headers["ETag"]
        return response

    def keep(self, kind, path):
        """GET `path` unless this phone's HTTP cache keeps it (hashed static files, basemap tiles, the outlines)."""
        if path not in self.kept:
            response = self.get(kind, path)
            if response is not None and response.status == 200:
                self.kept.add(path)

    def pause(self):
        if self.think:
            time.sleep(min(self.rng.uniform(0.5, 1.5) * self.think, max(0, self.deadline - time.monotonic())))

    def reference(self):
        self.get(REFERENCE, "/healthz")
        self.pause()

    def visit(self):
        first = not self.kept
        page = self.get("home", "/", headers={"Accept": "text/html"}, decode=True)
        html = page.data.decode() if page is not None and page.status == 200 else ""
        for path in dict.fromkeys(STATIC_NAMED.findall(html)):
            if not path.endswith("/"):
                self.keep("static file", path)
        self.keep("outlines", "/api/v1/kelurahan.geojson")
        self.revalidate("service worker", "/sw.js")  # installed on the first visit, checked for an update later
        if first:
            self.get("home", "/", headers={"Accept": "text/html"})
            for path in SW_INSTALL:
                self.get("static file", path)
            self.keep("static file", "/manifest.webmanifest")
        if self.filed:
            self.get_json("my reports", "/api/v1/reports/status?codes=" + ",".join(self.filed))
        self.view(CENTRE[0], CENTRE[1], OPEN_ZOOM)
        self.pause()
        west, south, east, north = self.city
        lat, lon = self.rng.uniform(south, north), self.rng.uniform(west, east)
        self.view(lat, lon, self.rng.choice(PLACE_ZOOMS))
        self.pause()
        codes = self.view(lat, lon, DOT_ZOOM)
        self.pause()
        if codes:
            code = self.rng.choice(codes)
            report = self.get_json("report JSON", f"/api/v1/reports/{code}")
            if report:
                at_lon, at_lat = report["geometry"]["coordinates"]
                self.get_json("locate", f"/api/v1/locate?lat={at_lat}&lon={at_lon}")
            self.pause()
            self.get("report page", f"/laporan/{code}/", headers={"Accept": "text/html"})
            self.pause()
        if self.rng.random() < FILING_SHARE:
            self.file_report(html)
            self.pause()

    def view(self, lat, lon, z):
        """The tiles of a phone's screen centred on lat, lon at zoom z; the codes of the single reports it shows."""
        degrees_per_px = 360 / (256 * 2**z)  # near the equator a degree of latitude is one of longitude
        half_w, half_h = SCREEN_PX[0] / 2 * degrees_per_px, SCREEN_PX[1] / 2 * degrees_per_px
        tiles = list(grid.tiles_covering(lon - half_w, lat - half_h, lon + half_w, lat + half_h, z))
        codes = []
        for x, y in tiles:
            codes += self.report_tile(z, x, y)
        for x, y in tiles:
            self.keep("basemap tile", f"/tiles/basemap/{z}/{x}/{y}.png")
        return codes

    def report_tile(self, z, x, y):
        path = f"/tiles/reports/{z}/{x}/{y}.pbf"
        response = self.revalidate("report tile", path, decode=True)
        if response is not None and response.status == 200:
            layer = mapbox_vector_tile.decode(response.data).get("reports", {"features": []})
            self.codes[path] = [f["properties"]["code"] for f in layer["features"] if "code" in f["properties"]]
        return self.codes.get(path, [])

    def file_report(self, html):
        lat = CENTRE[0] + self.rng.uniform(-FILING_SPREAD_DEG, FILING_SPREAD_DEG)
        lon = CENTRE[1] + self.rng.uniform(-FILING_SPREAD_DEG, FILING_SPREAD_DEG)
        point = f"lat={lat:.6f}&lon={lon:.6f}"
        self.get_json("locate", f"/api/v1/locate?{point}")
        kind = re.search(rf'value="{FILING_CATEGORY}" data-asset-kind="(\w*)"', html)
        if kind and kind.group(1):
            self.get_json("assets nearest", f"/api/v1/assets/nearest?kind={kind.group(1)}&{point}")
        self.get_json("duplicates", f"/api/v1/reports/duplicates?{point}&category={FILING_CATEGORY}")
        self.pause()
        filed = self.request("file report", "POST", "/api/v1/reports", headers={
            "Accept": "application/json", "X-CSRFToken": self.cookies.get("csrftoken", "")}, fields={
            "client_uuid": str(uuid.uuid4()),  # new in every run: a known one would only find its report again
            "category": FILING_CATEGORY, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
            "description": "Lubang di jalan, dalam sekitar 10 cm (uji beban bench/load.py).",
            "photos": ("foto-1.webp", self.photo, "image/webp"),
        })
        if filed is not None and filed.status in (200, 201):
            answer = filed.json()
            self.filed.append(answer["code"])
            private = urllib3.util.parse_url(answer["private_url"]).path  # the API gives it whole
            self.get("filed page", private + "?terkirim=1", headers={"Accept": "text/html"})

    def loop(self, step):
        try:
            while True:
                step()
        except TimeUp:
            pass


def basemap_png(seed):
    """A 256 px basemap tile: a few flat colours and lines, about the size of a street map's PNG tile."""
    rng = random.Random(seed)
    image = Image.new("RGB", (256, 256), (242, 239, 233))
    pixels = image.load()
    for _ in range(40):
        x0, y0, colour = rng.randrange(256), rng.randrange(256), rng.choice([(255, 255, 255), (170, 211, 223),
                                                                             (205, 235, 176), (249, 178, 156)])
        for step in range(rng.randrange(60, 200)):
            x, y = (x0 + step) % 256, (y0 + step * rng.choice((0, 1))) % 256
            for dy in range(3):
                pixels[x, (y + dy) % 256] = colour
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


@contextmanager
def basemap_upstream(png):
    """A tile server on loopback answering every tile with `png`, kept 7 days: the basemap's upstream."""
    class Tiles(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.send_header("Cache-Control", f"public, max-age={BASEMAP_MAX_AGE_S}")
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    finally:
        server.shutdown()


def makefile_workers():
    """`make run`'s gunicorn workers: the Makefile's WORKERS default."""
    return int(re.search(r"^WORKERS \?= (\d+)$", (ROOT / "Makefile").read_text(), re.M).group(1))


@contextmanager
def make_run(port, workers, log, options=(), root=ROOT, **env):
    """The project (the checkout at `root`) served as `make run` serves it (collectstatic, then config/serve.sh), on
    127.0.0.1:`port`; `options`: more of gunicorn's, after serve.sh's own."""
    settings = dict(os.environ, DEBUG="false", SECRET_KEY="bench-only", ALLOWED_HOSTS="127.0.0.1", **env)
    python = str(root / ".venv/bin/python")
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=settings, check=True)
    server = subprocess.Popen(["bash", "config/serve.sh", f"127.0.0.1:{port}", str(workers), *options], cwd=root,
                              env=dict(settings, PY=python), stdout=log, stderr=log)
    try:
        wait_for_port(port, 30)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()


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


def tree_cpu_s(pid):
    """CPU seconds (user and system) used so far by process `pid` and every process under it, those that ended and
    were waited for among them (gunicorn's replaced workers, in their parent's children's times), from /proc."""
    children, own = {}, {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else None
        except OSError:
            continue  # ended meanwhile
        if stat:
            fields = stat[stat.rindex(")") + 2:].split()  # after the command's name, which may hold spaces
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            own[int(entry.name)] = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    total, todo = 0, [pid]
    while todo:
        process = todo.pop()
        total += own.get(process, 0)
        todo += children.get(process, [])
    return total / os.sysconf("SC_CLK_TCK")


def run(label, residents, seconds, step):
    """`step` of every resident over and over for `seconds`, with a progress line.

    Returns the records, the wall time and the CPU time this process (the client) used meanwhile.
    """
    records = []
    start, cpu = time.monotonic(), time.process_time()
    for resident in residents:
        resident.records, resident.deadline, resident.retried = records, start + seconds, Counter()
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


GOALS = {50: {"p95_ms": 300, "per_s": 200}}  # issue 30; any other number of residents: 0 errors, p95 ≤ 1 s


def goal_met(residents, total):
    goal = GOALS.get(residents, {"p95_ms": 1000, "per_s": 0})
    return total["errors"] == 0 and total["p95_ms"] <= goal["p95_ms"] and total["per_s"] >= goal["per_s"]


def measure(residents_count, args, pools, city, photo, renew_tiles, server_usage):
    """One run: the reference, then `residents_count` residents for --seconds; its results (and printout).
    `server_usage()`: the server's CPU seconds and workers started so far, or None (a server given with --url)."""
    results = {"residents": residents_count, "seconds": args.seconds, "think_s": args.think,
               "reference_seconds": args.reference_seconds, "load_average_before": os.getloadavg()[0]}
    renew_tiles()
    residents = [Resident(pool, random.Random(f"{args.seed}-{index}"), city, photo, args.think)
                 for index, pool in enumerate(pools[:residents_count])]
    reference, reference_s, _ = run("Reference, GET /healthz", residents, args.reference_seconds,
                                    lambda resident: resident.reference)
    usage_before = server_usage()
    records, seconds, client_cpu = run(f"{residents_count} residents", residents, args.seconds,
                                       lambda resident: resident.visit)
    usage_after = server_usage()
    if usage_before and usage_after:
        results["server_cpu_ms_per_request"] = (usage_after[0] - usage_before[0]) / len(records) * 1000
        results["server_cpu_share"] = (usage_after[0] - usage_before[0]) / seconds / os.cpu_count()
        results["workers_started"] = usage_after[1] - usage_before[1]
    results["load_average_after"] = os.getloadavg()[0]
    results["reference"] = summarize(reference, reference_s)[1]
    results["kinds"], results["total"] = summarize(records, seconds)
    results["errors"] = {f"{kind}: {error}": count
                         for (kind, error), count in Counter((r[0], r[2]) for r in records + reference if r[2]).items()}
    results["retried"] = dict(sum((resident.retried for resident in residents), Counter()))
    results["client_cpu_share"] = client_cpu / seconds / os.cpu_count()
    results["goal_met"] = goal_met(residents_count, results["total"])
    ref = results["reference"]
    print(f"\n{residents_count} residents, {args.seconds} s, pauses of {args.think:g} s on average; "
          f"times in ms; x ref: p50 over the reference's p50 ({ref['p50_ms']:.1f} ms)")
    print(f"{'kind':22}{'requests':>9}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>8}{'x ref':>8}")
    for label, row in [*results["kinds"].items(), ("total", results["total"]), (REFERENCE, ref)]:
        print(f"{label:22}{row['requests']:9,}{row['per_s']:8.1f}{row['p50_ms']:8.1f}{row['p95_ms']:8.1f}"
              f"{row['p99_ms']:8.1f}{row['errors']:8,}{row['p50_ms'] / ref['p50_ms']:8.1f}")
    for what, count in results["errors"].items():
        print(f"  error {what}: {count:,}")
    for kind, count in results["retried"].items():
        print(f"  sent again on a new connection (the kept one closed before any byte of the answer), {kind}: "
              f"{count:,}")
    goal = GOALS.get(residents_count, {"p95_ms": 1000, "per_s": 0})
    rate = f", ≥ {goal['per_s']} requests/s" if goal["per_s"] else ""
    if "server_cpu_ms_per_request" in results:
        print(f"The server (gunicorn and the job worker) used {results['server_cpu_ms_per_request']:.2f} ms of CPU a "
              f"request, {results['server_cpu_share']:.0%} of the cores; gunicorn started "
              f"{results['workers_started']} workers meanwhile (replacements after max_requests).")
    print(f"The client itself used {results['client_cpu_share']:.0%} of the machine's {os.cpu_count()} cores; "
          f"load average {results['load_average_before']:.1f} before, {results['load_average_after']:.1f} after. "
          f"Goal (0 errors, p95 ≤ {goal['p95_ms']} ms{rate}): "
          f"{'met' if results['goal_met'] else 'NOT met'}\n", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", default="50", help="how many, or several (50,200): run one after the other")
    parser.add_argument("--rounds", type=int, default=1, help="times each --residents is run, interleaved")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between steps in seconds")
    parser.add_argument("--reference-seconds", type=int, default=15)
    parser.add_argument("--reports", type=int, default=100_000, help="reports in the database (without --url)")
    parser.add_argument("--port", type=int, help="for the server started here (default: a free one)")
    parser.add_argument("--url", help="a running server to load instead of starting one (its data as it is)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, help="gunicorn's workers (default: the Makefile's WORKERS)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: config/serve.sh's)")
    args = parser.parse_args()
    counts = [int(count) for count in args.residents.split(",")]

    print(f"Machine: {os.cpu_count()} cores, shared by the simulated residents and the server; "
          f"load average {os.getloadavg()[0]:.1f}")
    photo = browser_photo(phone_photo(args.seed))
    print(f"Photo to file: {len(photo) / 1024:.0f} KiB WebP, as the browser sends it")
    setup = {"cpu_cores": os.cpu_count(), "photo_bytes": len(photo)}
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    log_path = results_dir / "load-server.log"
    stack = ExitStack()
    renew_tiles = lambda: None  # noqa: E731 (a server given with --url keeps its tiles)
    server_usage = lambda: None  # noqa: E731 (nor is its CPU measured)
    if args.url:
        setup.update(url=args.url, server="given with --url")
        print(f"Server: {args.url}, as it is (its REPORTS_PER_HOUR applies: 429 answers count as errors)")
    else:
        db = prepare(args.reports, args.seed)
        with db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reports_report")
            setup["reports"] = cursor.fetchone()[0]
        db.close()
        # A reproducible start of each run: every tile gets a new version, so tiles are made afresh
        # (tiles/invalidate.py).
        prefix = os.environ.get("CACHE_PREFIX") or dj_database_url.parse(BENCH_URL)["NAME"]
        store = redis.Redis.from_url(CACHES["default"]["LOCATION"])
        renew_tiles = lambda: store.delete(f"{prefix}:1:tiles:version:all")  # noqa: E731
        upstream = stack.enter_context(basemap_upstream(basemap_png(args.seed)))
        basemap_env = {"BASEMAP_URL": upstream, "BASEMAP_CACHE_DIR": str(results_dir / "basemap-cache")}
        shutil.rmtree(basemap_env["BASEMAP_CACHE_DIR"], ignore_errors=True)
        print("Seeding the basemap cache as a city does (manage.py seed_tiles, zoom 13-18) ...", flush=True)
        subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "seed_tiles", "--zoom", "13-18"], cwd=ROOT,
                       env=dict(os.environ, DATABASE_URL=BENCH_URL, **basemap_env), check=True,
                       stdout=subprocess.DEVNULL)
        log = stack.enter_context(log_path.open("w"))
        port, workers = args.port or free_port(), args.workers or makefile_workers()
        options = ["--threads", str(args.threads)] if args.threads else []
        server = stack.enter_context(make_run(
            port, workers, log, options, DATABASE_URL=BENCH_URL, REPORTS_PER_HOUR="1000000", GEOCODER_URL="",
            **basemap_env))
        server_usage = lambda: (tree_cpu_s(server.pid),  # noqa: E731
                                log_path.read_text(errors="replace").count("Booting worker with pid"))
        setup["server"] = (f"make run's: config/serve.sh, gunicorn gthread, {workers} workers"
                           f"{f' of {args.threads} threads' if args.threads else ''}, DEBUG off, "
                           "REPORTS_PER_HOUR=1000000")
        print(f"Server: {setup['server']} (the hourly limit is not what is measured), "
              f"{setup['reports']:,} reports; its output in {log_path.relative_to(ROOT)}")

    runs = []
    with stack:
        url = args.url or f"http://127.0.0.1:{port}"
        # A connection of its own per resident, as each phone has. gunicorn closes one idle for 2 s (its
        # keep-alive); one it closes just as the phone uses it again is retried once as a browser does
        # (Resident.request). Deployed, phones keep their connections to nginx, which opens a new one to gunicorn
        # for each request (config/nginx.conf.template), so gunicorn's keep-alive is the bench's matter only.
        pools = [urllib3.connection_from_url(url, maxsize=1, block=True, retries=False, timeout=TIMEOUT, headers={
            "Accept-Encoding": "gzip, deflate, br", "Accept": "*/*", "Accept-Language": "id-ID,id;q=0.9",
            "User-Agent": "lapor-padangpanjang bench/load.py"}) for _ in range(max(counts))]
        city = city_box(pools[0])
        # Unmeasured: a few phones of their own make visits first, so no measured request pays for a worker's
        # first page (templates compiled, statements prepared).
        warm_up = [Resident(pool, random.Random(f"{args.seed}-warm-{index}"), city, photo, args.think)
                   for index, pool in enumerate(pools[:WARM_UP_PHONES])]
        run("Warm-up (not measured)", warm_up, WARM_UP_S, lambda resident: resident.visit)
        for round_number in range(args.rounds):
            for count in counts:
                print(f"Round {round_number + 1} of {args.rounds}:", end=" ")
                runs.append(measure(count, args, pools, city, photo, renew_tiles, server_usage))

    print("Summary (total of each run): residents, requests/s, p50, p95, p99 ms, errors, load average before")
    for one in runs:
        total = one["total"]
        print(f"  {one['residents']:4} {total['per_s']:7.1f} {total['p50_ms']:7.1f} {total['p95_ms']:7.1f} "
              f"{total['p99_ms']:7.1f} {total['errors']:5} {one['load_average_before']:5.1f}  goal "
              f"{'met' if one['goal_met'] else 'NOT met'}")
    out = results_dir / "load.json"
    out.write_text(json.dumps({**setup, "runs": runs}, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
