"""The project against its peers, tipg and pygeoapi, on every path they share, over the same reports.

    .venv/bin/python bench/peers.py [--reports 100000] [--rounds 3] [--requests 200] [--peers tipg,pygeoapi]
                                    [--project DIR] [--seed 7] [--skip server:path,...] [--as-is]

It works in a database of its own, `<DATABASE_URL's name>_peers_<reports>`, made, migrated and loaded with the
kelurahan on first use and filled by bench/nearby_bench.py's generator (a later run reuses it). There it makes two
views for the peers: `peers_reports`, the rows and columns the project's OGC API collection `reports` serves (public
reports, each property of representation.EXPORT compiled from the project's own expressions, with their joins and
subqueries, and the point as `geom`), and `peers_report_tiles`, the columns of the project's report tiles.

The peers run from virtualenvs of their own under bench/ (`.peers-venv-tipg`, `.peers-venv-pygeoapi`, git-ignored),
made on first use from PyPI with the pins of bench/requirements-peers-tipg.txt and -pygeoapi.txt (never the
product's requirements): tipg 1.6.1 under uvicorn, pygeoapi 0.21.0 under gunicorn, each with 3 workers. The
project runs as `make run` serves it: gunicorn with config/gunicorn.conf.py, 3 gthread workers of 4 threads,
DEBUG off, its access log written (as the peers' are) to bench/results/peers-<server>.log. --project DIR runs the
code of another checkout of the project (read only) against the same database.

Paths, each asked of every server that has it with the same keep-alive client (http.client, one connection per
block of requests, its first request unmeasured): the items' first page (100), items in a 300 m box (100; a box
around a different report each time), a single item (a different report each time), the reports' vector tiles at
zoom 16 and 18 (the tiles of the same reports' points). The project's tiles uncached (the tile versions are
dropped from Redis before each request, so each tile is made again, as after a change) and cached (the same
tiles again; the peers keep no cache, so their uncached figure is the reference). The rounds are interleaved:
each round runs every path on every server, the servers' order turning, so a busy moment of the shared machine
falls on all of them. Per path: p50 and p95 in ms of each server over all rounds, and the ratio project / peer of
each round's p50: min / median / max. Before the rounds, the OGC box plan check: for boxes of 50 m to 3 km, the
project's page query walked along the primary key and read from the spatial index, in process, and which one
reports.interop.ogcapi chooses. Saved to bench/results/peers-<reports>.json.
"""

import argparse
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Not from config.settings: the bench's own database is set before anything reads the settings.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
PEERS = {"tipg": "tipg==1.6.1", "pygeoapi": "pygeoapi==0.21.0"}
WORKERS = 3
BOX_M = 300
DEGREE_M = 111_320  # metres in a degree of latitude, and of longitude at the equator (the city is at 0.46° S)
ZOOMS = (16, 18)
TILE_PROPERTIES = ("code", "category", "status", "overdue", "support_count")
SLOW_S, SLOW_REQUESTS = 1.0, 2


def bench_url(reports):
    return DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + f"_peers_{reports}"


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def prepare(url, reports, seed, as_is=False):
    """The bench's database, migrated, with the city and `reports` reports, JIT off for every connection (the
    project's connections turn it off themselves; the peers' get it from the database), and the peers' views;
    `as_is`: the database an earlier run made, only read (another run may be using its views)."""
    import psycopg2

    from bench.common import prepare_city
    from bench.nearby_bench import fill

    if not as_is:
        prepare_city(url, dict(os.environ, DATABASE_URL=url))
    params = dj_database_url.parse(url)
    db = psycopg2.connect(dbname=params["NAME"], host=params["HOST"] or None, port=params["PORT"] or None,
                          user=params["USER"] or None, password=params["PASSWORD"] or None)
    if as_is:
        return db
    fill(db, reports, seed)
    db.commit()
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{params["NAME"]}" SET jit = off')
        for statement in views_sql():
            cursor.execute(statement)
    return db


def views_sql():
    """CREATE VIEW statements of the peers' views, from the project's own representation (Django compiles it)."""
    from django.db import connection
    from django.db.models import IntegerField
    from django.db.models.expressions import RawSQL
    from django.utils import translation

    from reports import representation
    from reports.models import Report

    translation.activate("id")  # the language of a request without Accept-Language (LANGUAGE_CODE)
    found = representation.properties(lambda path: "http://127.0.0.1" + path)
    names = representation.names(representation.EXPORT)
    # No ORDER BY in the view (the model's default order): the peers order by id.
    query = Report.objects.public().order_by().annotate(**{f"p_{index}": found[column]
                                                           for index, (_, column) in enumerate(names)})
    # The point as PostgreSQL's geometry: a geometry field Django would select as WKB bytes.
    point = RawSQL('"reports_report"."location"', (), output_field=IntegerField())
    query = query.annotate(point=point).values_list("pk", "point", *(f"p_{index}" for index in range(len(names))))
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        inner = cursor.mogrify(sql, params).decode()
    # The inner query's columns in order: id, location, then each property.
    columns = ", ".join(["id", "geom", *(f'"{name}"' for name, _ in names)])
    tile_columns = ", ".join(TILE_PROPERTIES)
    return [
        "DROP VIEW IF EXISTS peers_report_tiles", "DROP VIEW IF EXISTS peers_reports",
        f"CREATE VIEW peers_reports ({columns}) AS {inner}",
        f"CREATE VIEW peers_report_tiles AS SELECT id, geom, {tile_columns} FROM peers_reports",
    ]


# The peers.

def peer_venv(name):
    """The peer's own virtualenv under bench/, made from its pinned requirements when missing."""
    venv = BENCH / f".peers-venv-{name}"
    requirements = BENCH / f"requirements-peers-{name}.txt"
    marker = venv / ".installed"
    if not marker.exists() or marker.read_text() != requirements.read_text():
        print(f"Making {venv.relative_to(ROOT)} from {requirements.relative_to(ROOT)}", flush=True)
        subprocess.run(["python3.11", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin/pip"), "install", "-q", "--no-deps", "-r", str(requirements)], check=True)
        marker.write_text(requirements.read_text())
    return venv


def wait_for(port, process, name, path="/"):
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"{name} stopped (exit {process.returncode}); see bench/results/peers-{name}.log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not start")


@contextmanager
def server(name, command, env, cwd, port, ready_path):
    """A server process, its output in bench/results/peers-<name>.log; stopped at the end."""
    log = open(RESULTS / f"peers-{name}.log", "w")
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(port, process, name, ready_path)
        yield process
    finally:
        process.terminate()
        process.wait()
        log.close()


def postgres_dsn(url):
    params = dj_database_url.parse(url)
    user = params["USER"] or os.environ.get("USER") or "root"
    return f"postgresql://{user}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


def tipg(url, port, folder):
    venv = peer_venv("tipg")
    env = dict(os.environ, DATABASE_URL=postgres_dsn(url), TIPG_DB_SCHEMAS='["public"]',
               TIPG_DB_TABLES='["public.peers_reports"]',
               TIPG_DB_EXCLUDE_FUNCTION_SCHEMAS='["public"]', TIPG_DB_SPATIAL_EXTENT="false",
               TIPG_DB_DATETIME_EXTENT="false", TIPG_MAX_FEATURES_PER_QUERY="10000")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [str(venv / "bin/uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(WORKERS)]
    return server("tipg", command, env, folder, port, "/collections")  # no .env of ours in its folder


PYGEOAPI_CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: 10000}}
  map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OpenStreetMap}}
logging:
  level: ERROR
metadata:
  identification:
    title: peers bench
    description: peers bench
    keywords: [reports]
    keywords_type: theme
    terms_of_service: https://creativecommons.org/licenses/by/4.0/
    url: http://127.0.0.1
  license: {{name: CC-BY 4.0, url: 'https://creativecommons.org/licenses/by/4.0/'}}
  provider: {{name: bench, url: 'http://127.0.0.1'}}
  contact: {{name: bench, position: bench, address: bench, city: bench, stateorprovince: bench, postalcode: '0',
            country: ID, phone: '0', fax: '0', email: bench@example.org, url: 'http://127.0.0.1', hours: '0',
            instructions: bench, role: pointOfContact}}
resources:
  reports:
    type: collection
    title: Reports
    description: Public reports
    keywords: [reports]
    extents:
      spatial: {{bbox: [100.3, -0.6, 100.5, -0.3], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}
    providers:
      - type: feature
        name: PostgreSQL
        data: &data {{host: {host}, port: {dbport}, dbname: {dbname}, user: {user}, search_path: [public]}}
        id_field: id
        table: peers_reports
        geom_field: geom
      - type: tile
        name: MVT-postgresql
        data: *data
        id_field: id
        table: peers_report_tiles
        geom_field: geom
        options: {{zoom: {{min: 0, max: 22}}}}
        format: {{name: pbf, mimetype: application/vnd.mapbox-vector-tile}}
"""


def pygeoapi(url, port, folder):
    venv = peer_venv("pygeoapi")
    params = dj_database_url.parse(url)
    config = Path(folder) / "pygeoapi.yml"
    config.write_text(PYGEOAPI_CONFIG.format(
        port=port, host=params["HOST"] or "127.0.0.1", dbport=params["PORT"] or 5432, dbname=params["NAME"],
        user=params["USER"] or os.environ.get("USER") or "root"))
    openapi = Path(folder) / "pygeoapi-openapi.yml"
    env = dict(os.environ, PYGEOAPI_CONFIG=str(config), PYGEOAPI_OPENAPI=str(openapi))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([str(venv / "bin/pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
                   check=True, env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    command = [str(venv / "bin/gunicorn"), "pygeoapi.flask_app:APP", "--bind", f"127.0.0.1:{port}",
               "--workers", str(WORKERS), "--timeout", "300", "--access-logfile", "-"]
    return server("pygeoapi", command, env, folder, port, "/collections?f=json")


def project(url, port, checkout):
    """The project as `make run` serves it (config/serve.sh's gunicorn), from `checkout`'s code."""
    env = dict(os.environ, DATABASE_URL=url, DEBUG="false", SECRET_KEY="bench-only", ALLOWED_HOSTS="127.0.0.1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if checkout == ROOT:  # with DEBUG off, pages name the hashed files (none of the paths here is a page)
        subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
                       cwd=ROOT, env=env, check=True)
    command = [str(checkout / ".venv/bin/gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi",
               "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--worker-class", "gthread",
               "--threads", "4", "--access-logfile", "-"]
    return server("project", command, env, checkout, port, "/healthz")


# What is asked.

def box_around(lon, lat):
    half_lat = BOX_M / 2 / DEGREE_M
    return (round(lon - half_lat, 6), round(lat - half_lat, 6), round(lon + half_lat, 6), round(lat + half_lat, 6))


def sample(db, count, seed):
    """`count` public reports (id, code, lon, lat), the same for every server."""
    with db.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", (1 / (seed + 1),))
        cursor.execute("SELECT id, code, ST_X(location), ST_Y(location) FROM reports_report "
                       "TABLESAMPLE BERNOULLI (5) WHERE NOT hidden ORDER BY random() LIMIT %s", (count,))
        return cursor.fetchall()


def paths(reports, requests):
    """path name -> server -> the list of `requests` paths it is asked, the same data for each server."""
    from tiles import grid

    boxes = [",".join(map(str, box_around(lon, lat))) for _, _, lon, lat in reports]
    tiles = {z: [next(iter(grid.tiles_at(lon, lat, [z])))[1:] for _, _, lon, lat in reports] for z in ZOOMS}
    tile_properties = ",".join(TILE_PROPERTIES)
    tipg_items = "/collections/public.peers_reports/items"
    table = {
        "items, first page (100)": {
            "project": ["/ogcapi/collections/reports/items?limit=100"] * requests,
            "tipg": [f"{tipg_items}?limit=100"] * requests,
            "pygeoapi": ["/collections/reports/items?f=json&limit=100"] * requests},
        f"items, {BOX_M} m box (100)": {
            "project": [f"/ogcapi/collections/reports/items?limit=100&bbox={box}" for box in boxes],
            "tipg": [f"{tipg_items}?limit=100&bbox={box}" for box in boxes],
            "pygeoapi": [f"/collections/reports/items?f=json&limit=100&bbox={box}" for box in boxes]},
        "single item": {
            "project": [f"/ogcapi/collections/reports/items/{code}" for _, code, _, _ in reports],
            "tipg": [f"{tipg_items}/{pk}" for pk, _, _, _ in reports],
            "pygeoapi": [f"/collections/reports/items/{pk}?f=json" for pk, _, _, _ in reports]},
    }
    for z in ZOOMS:
        table[f"tile z{z}"] = {
            "project": [f"/tiles/reports/{z}/{x}/{y}.pbf" for x, y in tiles[z]],
            "tipg": [f"/collections/public.peers_reports/tiles/WebMercatorQuad/{z}/{x}/{y}"
                     f"?properties={tile_properties}" for x, y in tiles[z]],
            "pygeoapi": [f"/collections/reports/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt" for x, y in tiles[z]]}
        table[f"tile z{z}, project cached"] = {"project": table[f"tile z{z}"]["project"]}
    return table


class Client:
    """One keep-alive connection to a server for a block of requests; each answer read whole and checked."""

    def __init__(self, port, before=None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.before = before  # called before each request, untimed (the project's tile versions dropped)

    def get(self, path):
        if self.before:
            self.before()
        start = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        seconds = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
        return seconds, len(body)

    def close(self):
        self.connection.close()


def percentile(values, share):
    """Nearest rank: never below the median."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def block(port, asked, before=None, warm=False):
    """Seconds and bytes of each request of `asked` over one connection, after an unmeasured first request (or,
    with `warm`, after a whole unmeasured pass: the project's cached tiles are made first). A server that takes
    more than SLOW_S for that first request and again for it a second time is timed on the second and
    SLOW_REQUESTS more only (pygeoapi's tiles: a minute each), marked as such in the table."""
    client = Client(port, before)
    try:
        first = [client.get(path) for path in (asked if warm else asked[:1])]
        # A cold first request (a new worker's imports and plans) is not slowness: the second must be slow too.
        if not warm and first[0][0] > SLOW_S and (second := client.get(asked[0]))[0] > SLOW_S:
            measured = [second] + [client.get(path) for path in asked[1:1 + SLOW_REQUESTS]]
        else:
            measured = [client.get(path) for path in asked]
        return [seconds for seconds, _ in measured], [size for _, size in measured]
    finally:
        client.close()


# The OGC box plan check.

def box_plans(seed):
    """For boxes of several sizes around sampled reports: the project's page (100) walked along the primary key and
    read from the spatial index, in process, median ms of interleaved runs, and which one it chooses."""
    from django.contrib.gis.geos import Polygon
    from django.test import RequestFactory
    from django.utils import translation

    from reports.interop import ogcapi
    from reports.models import ReportCount

    translation.activate("id")
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1")
    public = sum(ReportCount.objects.values_list("count", flat=True))
    rng = random.Random(seed)
    from reports.models import Report

    centres = list(Report.objects.public().filter(pk__in=[rng.randint(1, public) for _ in range(60)])
                   .values_list("location", flat=True)[:5])
    rows = []
    for metres in (50, 100, 300, 1000, 3000):
        walk, index, counts = [], [], []
        for centre in centres:
            half = metres / 2 / DEGREE_M
            query = {"limit": 100, "after": 0, "bbox": Polygon.from_bbox(
                (centre.x - half, centre.y - half, centre.x + half, centre.y + half))}
            counts.append(ogcapi.matching_reports(query).count())
            ogcapi.report_features(request, query)
            ogcapi.report_features(request, query, by_index=True)
            for _ in range(5):
                for by_index, times in ((False, walk), (True, index)):
                    start = time.perf_counter()
                    ogcapi.report_features(request, query, by_index=by_index)
                    times.append(time.perf_counter() - start)
        matched = statistics.median(counts)
        rows.append({"box_m": metres, "matched_median": matched, "walk_ms": statistics.median(walk) * 1000,
                     "index_ms": statistics.median(index) * 1000,
                     "chosen": "index" if ogcapi.box_plan_by_index(matched, public, 100) else "walk"})
        print(f"  box {metres} m: {matched:.0f} reports, walk {rows[-1]['walk_ms']:.1f} ms, index "
              f"{rows[-1]['index_ms']:.1f} ms; chosen: {rows[-1]['chosen']}", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--peers", default="tipg,pygeoapi")
    parser.add_argument("--project", type=Path, default=ROOT, help="the checkout whose code the project runs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8761, help="the first of the servers' ports")
    parser.add_argument("--skip-plans", action="store_true", help="no OGC box plan check")
    parser.add_argument("--as-is", action="store_true",
                        help="use the database an earlier run made as it is: no migrating, filling or new views")
    parser.add_argument("--skip", default="", help="server:path-start pairs not asked, e.g. pygeoapi:tile")
    args = parser.parse_args()
    peers = [name for name in args.peers.split(",") if name]
    RESULTS.mkdir(exist_ok=True)

    url = bench_url(args.reports)
    setup_django(url)
    db = prepare(url, args.reports, args.seed, args.as_is)
    reports = sample(db, args.requests, args.seed)
    table = paths(reports, args.requests)
    for asked in table.values():  # the servers of this run only
        for name in set(asked) - {"project", *peers}:
            del asked[name]
    for pair in filter(None, args.skip.split(",")):
        name, start = pair.split(":", 1)
        for path, asked in table.items():
            if path.startswith(start):
                asked.pop(name, None)
    table = {path: asked for path, asked in table.items() if asked}  # a path no server is asked left out
    load = os.getloadavg()
    print(f"{args.reports:,} reports in {dj_database_url.parse(url)['NAME']}; {args.rounds} rounds of "
          f"{args.requests} requests per path and server; load average {load[0]:.1f} at the start", flush=True)

    plans = [] if args.skip_plans else box_plans(args.seed)

    import redis
    from django.conf import settings

    from tiles.invalidate import ALL_TILES_KEY

    # The project's cache keys start with its database's name (config/settings.py); Django's key version is 1.
    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    versions_key = f"{dj_database_url.parse(url)['NAME']}:1:{ALL_TILES_KEY}"

    def drop_versions():
        store.delete(versions_key)

    ports = {name: args.port + number for number, name in enumerate(["project", *peers])}
    starters = {"project": lambda folder: project(url, ports["project"], args.project.resolve()),
                "tipg": lambda folder: tipg(url, ports["tipg"], folder),
                "pygeoapi": lambda folder: pygeoapi(url, ports["pygeoapi"], folder)}
    times = {path: {name: [] for name in asked} for path, asked in table.items()}
    sizes = {path: {} for path in table}
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        for name in ports:
            stack.enter_context(starters[name](folder))
            print(f"  {name} up on port {ports[name]}", flush=True)
        for number in range(args.rounds):
            for path, asked in table.items():
                servers = [name for name in ports if name in asked]
                turn = number % len(servers)
                for name in servers[turn:] + servers[:turn]:
                    cached = path.endswith("cached")
                    before = drop_versions if name == "project" and path.startswith("tile") and not cached else None
                    seconds, body = block(ports[name], asked[name], before, warm=cached)
                    times[path][name].append(seconds)
                    sizes[path][name] = statistics.median(body)
                print(f"  round {number + 1}/{args.rounds}, {path}: " + ", ".join(
                    f"{name} {statistics.median(times[path][name][-1]) * 1000:.1f} ms" for name in times[path]),
                    flush=True)
    load_end = os.getloadavg()
    (RESULTS / f"peers-{args.reports}-times.json").write_text(json.dumps(times) + "\n")  # the raw seconds

    results = {"reports": args.reports, "rounds": args.rounds, "requests": args.requests,
               "project": str(args.project.resolve()), "load_average": {"start": load, "end": load_end},
               "box_plans": plans, "paths": {}}
    for path, by_server in times.items():
        row = results["paths"][path] = {}
        for name, rounds in by_server.items():
            pooled = [value for values in rounds for value in values]
            row[name] = {"p50_ms": statistics.median(pooled) * 1000, "p95_ms": percentile(pooled, 0.95) * 1000,
                         "round_p50_ms": [statistics.median(values) * 1000 for values in rounds],
                         "bytes_median": sizes[path][name], "requests": len(pooled)}
        reference = row if "project cached" not in path else results["paths"][path.split(",")[0]]
        for peer in peers:
            if peer in reference and "project" in row:
                ratios = [mine / theirs for mine, theirs in zip(row["project"]["round_p50_ms"],
                                                                reference[peer]["round_p50_ms"], strict=True)]
                row["project"][f"x_{peer}"] = {"min": min(ratios), "median": statistics.median(ratios),
                                               "max": max(ratios)}

    print(f"\n{args.reports:,} reports, {args.rounds} rounds x {args.requests} requests; load average "
          f"{load[0]:.1f} at the start, {load_end[0]:.1f} at the end. ms p50 / p95; project / peer: min / median / "
          "max of the rounds' p50 ratios (cached tiles against the peer's uncached)")
    header = f"{'path':34}{'project':>16}" + "".join(f"{peer:>16}{'project / ' + peer:>24}" for peer in peers)
    print(header)
    for path, row in results["paths"].items():
        line = f"{path:34}{row['project']['p50_ms']:8.1f} /{row['project']['p95_ms']:6.1f}"
        for peer in peers:
            reference = row if peer in row else results["paths"][path.split(",")[0]]
            if peer not in reference:
                line += f"{'not asked':>16}{'':24}"
                continue
            ratio = row["project"].get(f"x_{peer}")
            few = reference[peer]["requests"] < args.rounds * args.requests
            line += (f"{reference[peer]['p50_ms']:8.1f} /{reference[peer]['p95_ms']:6.1f}"
                     + (f"  {ratio['min']:5.2f} / {ratio['median']:5.2f} / {ratio['max']:5.2f}" if ratio else "")
                     + (f" ({reference[peer]['requests']} requests)" if few else ""))
        print(line)
    out = RESULTS / f"peers-{args.reports}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
