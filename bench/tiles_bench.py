"""Benchmark of the vector tiles with a million reports, uncached and cached, against the bare SQL in the same run.

    .venv/bin/python bench/tiles_bench.py [--reports 1000000] [--tiles 20] [--runs 20] [--port N]
                                          [--tipg /path/to/venv/with/tipg] [--beside CHECKOUT]

Uses the database of bench/nearby_bench.py (DATABASE_URL's name + "_bench"), made and
filled here the same way when missing. At zooms 12, 14, 16 and 18 it takes up to
--tiles tiles holding reports (drawn from a sample of the reports) and measures, one
tile after another, interleaved (so a busy moment of the machine weighs on each alike):

- the bare SQL: the same ST_AsMVT query (64-pixel clusters below zoom 18, every report
  its own point in one pass from 18 on) written by hand and run through psycopg2;
- GET /tiles/reports/z/x/y.pbf through gunicorn (1 worker) uncached: before each request
  the tile kept in Redis is dropped, so the tile is made again (its version is still read);
- the same cached: the tile again, from Redis;
- with --tipg (a virtualenv holding tipg 1.6.1 and uvicorn), tipg's tile of the same
  z/x/y at zooms 16 and 18, over a view of the public reports with the tile's fields
  (tipg keeps no cache; it sends up to 10,000 points where we send clusters below 18);
- with --beside (another checkout, say the code before a change), its uncached tiles at
  zooms 16 and 18 from a gunicorn of its own.

p50 and p95 of each, the server's ratios to the bare SQL and to tipg, how many of the
server's tiles are byte for byte the bare query's, the tiles' sizes; for the tile at the
city's centre, how many reports it covers, its size, and its size with every report as
its own point (what the clusters save); and the bare query's plan at zoom 18. Saved to
bench/results/tiles.json.
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dj_database_url
import django
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, gunicorn, percentiles  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402
from config.settings import CACHES  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()  # for tiles.mvt's names (the server's cache keys)
from tiles import grid, mvt  # noqa: E402

ZOOMS = (12, 14, 16, 18)
CENTRE = (100.405, -0.4665)  # the maps' default centre (LEAFLET_CONFIG), in the densest part of the data
CELL_SIZE_PX = 64
POINTS_FROM_ZOOM = 18
OPEN = ("baru", "diverifikasi", "dikerjakan")

# The tile by hand: what /tiles/reports/ asks PostGIS, without Django, reading the tiles' index
# (tiles/migrations/0004) as the server does (`&&&`, public reports). Clusters below zoom 18:
CLUSTERS_SQL = """
WITH picked AS (
    SELECT id, ST_X(location) AS lon, ST_Y(location) AS lat FROM reports_report
    WHERE NOT hidden AND NOT private
      AND location &&& ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
      AND ST_X(location) >= %(west)s AND ST_X(location) < %(east)s
      AND ST_Y(location) > %(south)s AND ST_Y(location) <= %(north)s
), cells AS (
    SELECT count(*) AS count, avg(lon) AS lon, avg(lat) AS lat, min(id) AS id FROM picked GROUP BY {cell}
)
SELECT ST_AsMVT(features, 'reports', 4096, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(cells.lon, cells.lat), 4326), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64) AS geom,
           cells.count, r.code, c.slug AS category, r.status,
           r.status IN %(open)s AND r.due_date < current_date AS overdue, r.support_count
    FROM cells
    LEFT JOIN reports_report r ON r.id = cells.id AND cells.count = 1
    LEFT JOIN reports_category c ON c.id = r.category_id
) features
"""
# From zoom 18 every report is a point: one pass over the reports in the tile.
POINTS_SQL = """
SELECT ST_AsMVT(features, 'reports', 4096, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(r.location, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64) AS geom,
           1::bigint AS count, r.code, c.slug AS category, r.status,
           r.status IN %(open)s AND r.due_date < current_date AS overdue, r.support_count
    FROM reports_report r LEFT JOIN reports_category c ON c.id = r.category_id
    WHERE NOT r.hidden AND NOT r.private
      AND r.location &&& ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
      AND ST_X(r.location) >= %(west)s AND ST_X(r.location) < %(east)s
      AND ST_Y(r.location) > %(south)s AND ST_Y(r.location) <= %(north)s
    ORDER BY r.id
) features
"""
CLUSTER_CELL = ("floor((lon - %(west)s) / %(cell_lon)s), "
                "floor((%(top)s - ln(tan(radians(45 + lat / 2)))) / %(cell_y)s)")
# Every report its own feature at any zoom: what a tile would weigh without the clusters.
UNCLUSTERED_SQL = """
SELECT count(*), length(ST_AsMVT(features, 'reports', 4096, 'geom')) FROM (
    SELECT ST_AsMVTGeom(ST_Transform(location, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64) AS geom,
           code, status, support_count
    FROM reports_report
    WHERE NOT hidden AND location && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
) features
"""


def tile_params(z, x, y):
    west, south, east, north = grid.lonlat_bounds(z, x, y)
    left, _, right, top = grid.mercator_bounds(z, x, y)
    cells = 256 // CELL_SIZE_PX
    return {"z": z, "x": x, "y": y, "west": west, "south": south, "east": east, "north": north, "open": OPEN,
            "cell_lon": (east - west) / cells, "top": top / grid.EARTH_RADIUS_M,
            "cell_y": (right - left) / cells / grid.EARTH_RADIUS_M}


def tile_sql(z):
    return POINTS_SQL if z >= POINTS_FROM_ZOOM else CLUSTERS_SQL.format(cell=CLUSTER_CELL)


# What tipg reads: the public reports with the tile's fields, as the project's view of them.
TIPG_VIEW = """
CREATE OR REPLACE VIEW bench_tiles_reports AS
SELECT r.id, r.code, c.slug AS category, r.status,
       r.status IN ('baru', 'diverifikasi', 'dikerjakan') AND r.due_date < current_date AS overdue,
       r.support_count, r.location AS geom
FROM reports_report r JOIN reports_category c ON c.id = r.category_id
WHERE NOT r.hidden
"""
TIPG_ZOOMS = (16, 18)
BESIDE_PREFIX = "tiles-bench-beside"


@contextmanager
def tipg(venv, db):
    """tipg (from the virtualenv `venv`) over the view TIPG_VIEW on a free port: yields its port."""
    with db.cursor() as cursor:
        cursor.execute(TIPG_VIEW)
    params = dj_database_url.parse(BENCH_URL)
    url = (f"postgresql://{params['USER'] or os.environ.get('USER', 'root')}"
           f"{':' + params['PASSWORD'] if params['PASSWORD'] else ''}@{params['HOST'] or '127.0.0.1'}:"
           f"{params['PORT'] or 5432}/{params['NAME']}")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, TIPG_DB_TABLES='["public.bench_tiles_reports"]',
               TIPG_DB_SPATIAL_EXTENT="false", TIPG_DB_DATETIME_EXTENT="false")
    server = subprocess.Popen([str(Path(venv).resolve() / "bin" / "uvicorn"), "tipg.main:app", "--port", str(port),
                               "--log-level", "warning", "--timeout-keep-alive", "600"], env=env, cwd="/tmp")
    try:
        for _ in range(600):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", "/collections/public.bench_tiles_reports")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("tipg did not start")
        yield port
    finally:
        server.terminate()
        server.wait()


class Client:
    """GET on one kept-alive connection, timed."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path):
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, ConnectionError):  # the server let an idle connection go
            self.connection.close()
            return self._get(path)

    def _get(self, path):
        start = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status)
        return time.perf_counter() - start, body


def sample_tiles(db, count, seed):
    """Up to `count` tiles per zoom that hold reports, from a sample of the reports' points."""
    with db.cursor() as cursor:
        cursor.execute("SELECT ST_X(location), ST_Y(location) FROM reports_report TABLESAMPLE SYSTEM (1) LIMIT 2000")
        points = cursor.fetchall()
    rng = random.Random(seed)
    rng.shuffle(points)
    tiles = {}
    for z in ZOOMS:
        found = sorted({tile for lon, lat in points for tile in grid.tiles_at(lon, lat, [z])})
        tiles[z] = rng.sample(found, min(count, len(found)))
    return tiles


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--tiles", type=int, default=20, help="tiles per zoom")
    parser.add_argument("--runs", type=int, default=20, help="requests per zoom and kind")
    parser.add_argument("--port", type=int, help="the server's port (default: a free one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tipg", help="a virtualenv holding tipg 1.6.1 and uvicorn: its tiles are measured beside")
    parser.add_argument("--beside", help="another checkout of the project (say, before a change): its tiles at "
                                         "zooms 16 and 18, uncached, are measured too, interleaved")
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    db.autocommit = True
    tiles = sample_tiles(db, args.tiles, args.seed)
    with db.cursor() as cursor:
        cursor.execute("SET jit = off")  # as the server does
        cursor.execute("SELECT count(*) FROM reports_report WHERE NOT hidden")
        public = cursor.fetchone()[0]

    # The server's cache keys are prefixed with its database's name (config/settings.py); Django's version is 1.
    prefix = os.environ.get("CACHE_PREFIX") or dj_database_url.parse(BENCH_URL)["NAME"]
    store = redis.Redis.from_url(CACHES["default"]["LOCATION"])
    results = {"reports": args.reports, "public": public, "load_before": os.getloadavg(), "zooms": {}}
    with ExitStack() as stack:
        port, _ = stack.enter_context(gunicorn(port=args.port, DATABASE_URL=BENCH_URL))
        server = Client(port)
        theirs = Client(stack.enter_context(tipg(args.tipg, db))) if args.tipg else None
        beside = None
        if args.beside:  # its own cache keys; a tile of it is made again by dropping its versions (ALL_TILES_KEY)
            beside = Client(stack.enter_context(gunicorn(root=args.beside, DATABASE_URL=BENCH_URL,
                                                         CACHE_PREFIX=BESIDE_PREFIX))[0])
            beside.get("/tiles/reports/{}/{}/{}.pbf".format(*tiles[18][0]))
        collection = "/collections/public.bench_tiles_reports/tiles/WebMercatorQuad"
        server.get("/tiles/reports/{}/{}/{}.pbf".format(*tiles[18][0]))  # warms the worker
        if theirs:
            theirs.get(f"{collection}/{'/'.join(map(str, tiles[18][0]))}")
        cursor = db.cursor()
        for z in ZOOMS:
            chosen = [tiles[z][i % len(tiles[z])] for i in range(args.runs)]
            times = {"bare_sql": [], "uncached": [], "cached": [], "tipg": [], "beside": []}
            sizes, same = [], 0
            for tile in chosen:
                start = time.perf_counter()
                cursor.execute(tile_sql(z), tile_params(*tile))
                bare = bytes(cursor.fetchone()[0] or b"")
                times["bare_sql"].append(time.perf_counter() - start)
                # The tile kept under its z/x/y and filters: dropped, it is made again (tiles/views.py).
                store.delete(f"{prefix}:1:tiles:reports:{mvt.LAYOUT}:{z}/{tile[1]}/{tile[2]}:category=&status=")
                seconds, body = server.get(f"/tiles/reports/{z}/{tile[1]}/{tile[2]}.pbf")
                times["uncached"].append(seconds)
                sizes.append(len(body))
                same += body == bare
                times["cached"].append(server.get(f"/tiles/reports/{z}/{tile[1]}/{tile[2]}.pbf")[0])
                if beside and z in TIPG_ZOOMS:
                    store.delete(f"{BESIDE_PREFIX}:1:tiles:version:all")
                    times["beside"].append(beside.get(f"/tiles/reports/{z}/{tile[1]}/{tile[2]}.pbf")[0])
                if theirs and z in TIPG_ZOOMS:
                    times["tipg"].append(theirs.get(f"{collection}/{z}/{tile[1]}/{tile[2]}?properties="
                                                    "code,category,status,overdue,support_count")[0])
            ((_, x, y),) = grid.tiles_at(*CENTRE, [z])
            cursor.execute(tile_sql(z), tile_params(z, x, y))
            centre_bytes = len(cursor.fetchone()[0])
            cursor.execute(UNCLUSTERED_SQL, tile_params(z, x, y))
            covered, unclustered = cursor.fetchone()
            results["zooms"][z] = {
                "tiles": len(tiles[z]), "bytes_p50": sorted(sizes)[len(sizes) // 2], "bytes_max": max(sizes),
                "identical_to_bare": f"{same}/{len(chosen)}",
                **{kind: percentiles(seconds) for kind, seconds in times.items() if seconds},
                "centre": {"tile": f"{z}/{x}/{y}", "reports": covered, "bytes": centre_bytes,
                           "unclustered_bytes": unclustered}}
            print(f"  zoom {z}: {args.runs} tiles of {len(tiles[z])}, bare SQL, uncached, cached"
                  f"{', tipg' if times['tipg'] else ''}, interleaved", flush=True)
        z, x, y = tiles[18][0]
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + tile_sql(z), tile_params(z, x, y))
        results["plan_z18"] = [row[0] for row in cursor.fetchall()]
    results["load_after"] = os.getloadavg()

    print(f"\n{args.reports:,} reports ({public:,} public); times in ms (p50 / p95); load average "
          f"{results['load_before'][0]:.1f} before, {results['load_after'][0]:.1f} after")
    print(f"{'zoom':>4}{'bare SQL':>16}{'uncached':>16}{'x bare p50/p95':>16}{'cached':>15}{'tipg':>16}"
          f"{'x tipg p50/p95':>16}{'same bytes':>11}{'bytes p50':>10}{'max':>8}")
    for z, row in results["zooms"].items():
        line = (f"{z:>4}{row['bare_sql']['p50_ms']:8.1f} /{row['bare_sql']['p95_ms']:6.1f}"
                f"{row['uncached']['p50_ms']:8.1f} /{row['uncached']['p95_ms']:6.1f}"
                f"{row['uncached']['p50_ms'] / row['bare_sql']['p50_ms']:9.2f} /"
                f"{row['uncached']['p95_ms'] / row['bare_sql']['p95_ms']:5.2f}"
                f"{row['cached']['p50_ms']:7.1f} /{row['cached']['p95_ms']:6.1f}")
        if "tipg" in row:
            line += (f"{row['tipg']['p50_ms']:8.1f} /{row['tipg']['p95_ms']:6.1f}"
                     f"{row['uncached']['p50_ms'] / row['tipg']['p50_ms']:9.2f} /"
                     f"{row['uncached']['p95_ms'] / row['tipg']['p95_ms']:5.2f}")
        else:
            line += f"{'':32}"
        print(line + f"{row['identical_to_bare']:>11}{row['bytes_p50']:10,}{row['bytes_max']:8,}")
    for z, row in results["zooms"].items():
        if "beside" in row:
            ours, theirs = row["uncached"], row["beside"]
            print(f"zoom {z} uncached against --beside's ({theirs['p50_ms']:.1f} / {theirs['p95_ms']:.1f} ms): "
                  f"p50 {ours['p50_ms'] / theirs['p50_ms']:.2f}x, p95 {ours['p95_ms'] / theirs['p95_ms']:.2f}x")
    print("Centre tiles (reports, bytes, bytes with every report a point): " + "; ".join(
        f"z{z} {row['centre']['reports']:,}, {row['centre']['bytes']:,}, {row['centre']['unclustered_bytes']:,}"
        for z, row in results["zooms"].items()))
    print("Plan of the bare SQL at zoom 18:\n  " + "\n  ".join(results["plan_z18"]))
    out = ROOT / "bench" / "results" / "tiles.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
