"""Benchmark of the vector tiles with a million reports, uncached and cached, against the bare SQL in the same run.

    .venv/bin/python bench/tiles_bench.py [--reports 1000000] [--tiles 20] [--runs 20] [--port 8150]

Uses the database of bench/nearby_bench.py (DATABASE_URL's name + "_bench"), made and
filled here the same way when missing. At zooms 12, 14, 16 and 18 it takes up to
--tiles tiles holding reports (drawn from a sample of the reports) and measures:

- the bare SQL: the same ST_AsMVT query (64-pixel clusters below zoom 18, points from
  18 on) written by hand and run through psycopg2;
- GET /tiles/reports/z/x/y.pbf through gunicorn (1 worker) uncached: before each request
  the versions of all tiles are dropped from Redis, so the tile is made again;
- the same cached: the tile again, from Redis.

p50 and p95 of each and the tiles' sizes; for the tile at the city's centre, how many
reports it covers, its size, and its size with every report as its own point (what the
clusters save); and the bare query's plan at zoom 18. Saved to bench/results/tiles.json.
"""

import argparse
import http.client
import json
import os
import random
import sys
import time
from pathlib import Path

import dj_database_url
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, percentiles  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402
from config.settings import CACHES  # noqa: E402
from tiles import grid  # noqa: E402

ZOOMS = (12, 14, 16, 18)
CENTRE = (100.405, -0.4665)  # the maps' default centre (LEAFLET_CONFIG), in the densest part of the data
CELL_SIZE_PX = 64
POINTS_FROM_ZOOM = 18
OPEN = ("baru", "diverifikasi", "dikerjakan")

# The tile by hand: what /tiles/reports/ asks PostGIS, without Django.
TILE_SQL = """
WITH picked AS (
    SELECT id, ST_X(location) AS lon, ST_Y(location) AS lat FROM reports_report
    WHERE NOT hidden AND location && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
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
    return TILE_SQL.format(cell="id" if z >= POINTS_FROM_ZOOM else CLUSTER_CELL)


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
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    db.autocommit = True
    tiles = sample_tiles(db, args.tiles, args.seed)

    results = {"reports": args.reports, "zooms": {}}
    with db.cursor() as cursor:
        cursor.execute("SET jit = off")  # as the server does
        for z in ZOOMS:
            chosen = [tiles[z][i % len(tiles[z])] for i in range(args.runs)]
            times = []
            for tile in chosen:
                start = time.perf_counter()
                cursor.execute(tile_sql(z), tile_params(*tile))
                cursor.fetchone()
                times.append(time.perf_counter() - start)
            ((_, x, y),) = grid.tiles_at(*CENTRE, [z])
            cursor.execute(tile_sql(z), tile_params(z, x, y))
            centre_bytes = len(cursor.fetchone()[0])
            cursor.execute(UNCLUSTERED_SQL, tile_params(z, x, y))
            covered, unclustered = cursor.fetchone()
            results["zooms"][z] = {"tiles": len(tiles[z]), "bare_sql": percentiles(times),
                                   "centre": {"tile": f"{z}/{x}/{y}", "reports": covered, "bytes": centre_bytes,
                                              "unclustered_bytes": unclustered}}
            print(f"  zoom {z}: bare SQL over {len(tiles[z])} tiles, {args.runs} runs", flush=True)
        z, x, y = tiles[18][0]
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + tile_sql(z), tile_params(z, x, y))
        results["plan_z18"] = [row[0] for row in cursor.fetchall()]

    # The server's cache keys are prefixed with its database's name (config/settings.py); Django's version is 1.
    prefix = os.environ.get("CACHE_PREFIX") or dj_database_url.parse(BENCH_URL)["NAME"]
    versions_key = f"{prefix}:1:tiles:version:all"
    store = redis.Redis.from_url(CACHES["default"]["LOCATION"])
    with gunicorn(port=args.port, DATABASE_URL=BENCH_URL) as (port, _):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

        def fetch(z, x, y):
            start = time.perf_counter()
            client.request("GET", f"/tiles/reports/{z}/{x}/{y}.pbf")
            response = client.getresponse()
            body = response.read()
            assert response.status == 200, response.status
            return time.perf_counter() - start, len(body)

        fetch(*tiles[18][0])  # warms the worker
        for z in ZOOMS:
            chosen = [tiles[z][i % len(tiles[z])] for i in range(args.runs)]
            uncached, cached, sizes = [], [], []
            for tile in chosen:
                store.delete(versions_key)  # every tile gets a new version: made again
                seconds, size = fetch(*tile)
                uncached.append(seconds)
                sizes.append(size)
                cached.append(fetch(*tile)[0])
            row = results["zooms"][z]
            row.update({"uncached": percentiles(uncached), "cached": percentiles(cached),
                        "bytes_p50": sorted(sizes)[len(sizes) // 2], "bytes_max": max(sizes)})
            print(f"  zoom {z}: {args.runs} requests uncached and cached", flush=True)

    print(f"\n{args.reports:,} reports; times in ms (p50 / p95)")
    print(f"{'zoom':>4}{'bare SQL':>18}{'API uncached':>18}{'API cached':>16}{'x bare':>8}"
          f"{'bytes p50':>11}{'max':>9}  centre tile: reports, bytes, unclustered bytes")
    for z, row in results["zooms"].items():
        ratio = row["uncached"]["p50_ms"] / row["bare_sql"]["p50_ms"]
        print(f"{z:>4}{row['bare_sql']['p50_ms']:9.1f} /{row['bare_sql']['p95_ms']:7.1f}"
              f"{row['uncached']['p50_ms']:9.1f} /{row['uncached']['p95_ms']:7.1f}"
              f"{row['cached']['p50_ms']:7.1f} /{row['cached']['p95_ms']:7.1f}{ratio:8.2f}"
              f"{row['bytes_p50']:11,}{row['bytes_max']:9,}  {row['centre']['reports']:,}, "
              f"{row['centre']['bytes']:,}, {row['centre']['unclustered_bytes']:,}")
    print("Plan of the bare SQL at zoom 18:\n  " + "\n  ".join(results["plan_z18"]))
    out = ROOT / "bench" / "results" / "tiles.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
