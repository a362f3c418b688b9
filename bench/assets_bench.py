"""Benchmark of the assets (issue 33) at 100,000 street lights and 100,000 road segments: the nearest-asset lookup
and the asset tiles, each against its bare SQL in the same run.

    .venv/bin/python bench/assets_bench.py [--assets 100000] [--rounds 5] [--queries 200] [--tiles 30] [--port 0]

Works in a database of its own, bench_assets (on DATABASE_URL's server), made, migrated and loaded with the
city on first use, then filled by `manage.py sample_assets` (deterministic, evenly spread over the city) when it
holds fewer assets than asked. A later run reuses the data.

Each round, interleaved query by query at the same random points and tiles:
- nearest: assets.picking.nearest (what /api/v1/assets/nearest and filing call) against the bare KNN query
  (`ORDER BY geometry <-> point LIMIT 1` with its distance on the spheroid) through psycopg2;
- tiles at zoom 16 and 18 of both layers: tiles.mvt.asset_tile (what /tiles/assets/ makes on a cache miss)
  against a bare `ST_AsMVT` of the same assets through psycopg2;
- the same through gunicorn (1 worker): /api/v1/assets/nearest, and /tiles/assets/… uncached (a new cache
  prefix each request) and cached.
p50 per round; the ratios' min / median / max over the rounds. Saved to bench/results/assets.json.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import mapbox_vector_tile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if not os.environ.get("DATABASE_URL", "").endswith("/bench_assets"):
    # The settings read DATABASE_URL once: the bench runs again with its own database's.
    from config.settings import DATABASE_URL

    os.environ["DATABASE_URL"] = DATABASE_URL.rsplit("/", 1)[0] + "/bench_assets"
    os.execv(sys.executable, [sys.executable, *sys.argv])
BENCH_URL = os.environ["DATABASE_URL"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402

from assets import picking  # noqa: E402
from assets.models import Asset, AssetKind  # noqa: E402
from bench.common import gunicorn, percentiles, prepare_city  # noqa: E402
from geo.models import Generation  # noqa: E402
from tiles import grid, mvt  # noqa: E402

BARE_NEAREST = """
SELECT id, ST_Distance(geometry::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography)
FROM assets_asset WHERE generation_id = %(generation)s
ORDER BY geometry <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) LIMIT 1
"""
BARE_TILE = """
SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom', 'id') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(geometry, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64) AS geom,
           id, identifier, coalesce(attributes->>'name', '') AS name
    FROM assets_asset
    WHERE generation_id = %(generation)s AND geometry && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
) t WHERE geom IS NOT NULL
"""
KINDS = ("lampu", "jalan")
ZOOMS = (16, 18)


def fill(count):
    """sample_assets for each kind holding fewer than `count` assets in its active generation."""
    env = dict(os.environ, DATABASE_URL=BENCH_URL)
    for code in KINDS:
        have = Asset.objects.filter(kind__code=code, generation__active=True).count()
        if have >= count:
            print(f"Data: {have:,} {code} assets already there")
            continue
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "sample_assets", code, "--count", str(count)], cwd=ROOT,
                       env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"  generated {count:,} {code} assets ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assets_asset")


def bare_connection():
    params = dj_database_url.parse(BENCH_URL)
    db = psycopg2.connect(dbname=params["NAME"], host=params["HOST"] or None, port=params["PORT"] or None,
                          user=params["USER"] or None, password=params["PASSWORD"] or None,
                          options="-c jit=off")
    db.autocommit = True
    return db


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def tile_of(lat, lon, z):
    (_, x, y), = grid.tiles_at(lon, lat, [z])
    return x, y


def interleaved(i, ours, theirs, our_call, bare_call):
    """Time our call and the bare one, appending to `ours` and `theirs`; who goes first alternates with `i`."""
    pairs = [(ours, our_call), (theirs, bare_call)]
    for times, call in (pairs if i % 2 else pairs[::-1]):
        times.append(timed(*call))


def summary(rounds, key):
    values = [row[key] for row in rounds]
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000, help="per kind")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queries", type=int, default=200, help="nearest lookups per round")
    parser.add_argument("--tiles", type=int, default=30, help="tiles per zoom and kind per round")
    parser.add_argument("--seed", type=int, default=33)
    args = parser.parse_args()

    prepare_city(BENCH_URL, dict(os.environ, DATABASE_URL=BENCH_URL))
    fill(args.assets)
    kinds = {code: AssetKind.objects.get(code=code) for code in KINDS}
    generations = {code: kind.active_generation().pk for code, kind in kinds.items()}
    west, south, east, north = Generation.objects.current().outline.extent
    rng = random.Random(args.seed)
    # Tiles are taken where assets are (the map asks for tiles where people look: in the city).
    asset_points = {code: [(shape.centroid.y, shape.centroid.x) for shape in Asset.objects.filter(
        generation_id=generations[code]).values_list("geometry", flat=True)] for code in KINDS}
    bare = bare_connection().cursor()
    connection.ensure_connection()

    def bare_nearest(code, lat, lon):
        bare.execute(BARE_NEAREST, {"lat": lat, "lon": lon, "generation": generations[code]})
        return bare.fetchall()

    def bare_tile(code, z, x, y):
        west, south, east, north = grid.lonlat_bounds(z, x, y)
        margin = (east - west) * 64 / 4096  # the tile's buffer, as tiles.mvt takes it
        bare.execute(BARE_TILE, {"layer": code, "z": z, "x": x, "y": y, "generation": generations[code],
                                 "west": west - margin, "south": south - margin, "east": east + margin,
                                 "north": north + margin})
        return bare.fetchone()[0]

    def same_tile(code, z, x, y):
        ours = mvt.asset_tile(code, generations[code], z, x, y)
        theirs = bytes(bare_tile(code, z, x, y) or b"")
        # The same features, whatever their order (the scan's order is the plan's).
        features = [sorted(map(str, mapbox_vector_tile.decode(tile).get(code, {"features": []})["features"]))
                    for tile in (ours, theirs)]
        assert features[0] == features[1] and features[0], (code, z, x, y)

    rounds = []
    for number in range(args.rounds):
        row = {}
        points = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(args.queries)]
        for code in KINDS:
            ours, theirs, found = [], [], 0
            for i, (lat, lon) in enumerate(points):
                interleaved(i, ours, theirs, (picking.nearest, kinds[code], lat, lon), (bare_nearest, code, lat, lon))
                found += bool(picking.nearest(kinds[code], lat, lon))
            row[f"nearest_{code}_ours_p50_ms"] = percentiles(ours)["p50_ms"]
            row[f"nearest_{code}_bare_p50_ms"] = percentiles(theirs)["p50_ms"]
            row[f"nearest_{code}_ratio"] = row[f"nearest_{code}_ours_p50_ms"] / row[f"nearest_{code}_bare_p50_ms"]
            row[f"nearest_{code}_found_share"] = found / len(points)
            for z in ZOOMS:
                tiles = [tile_of(lat, lon, z) for lat, lon in rng.sample(asset_points[code], args.tiles)]
                ours, theirs = [], []
                for i, (x, y) in enumerate(tiles):
                    if number == 0 and i < 3:
                        same_tile(code, z, x, y)
                    interleaved(i, ours, theirs, (mvt.asset_tile, code, generations[code], z, x, y),
                                (bare_tile, code, z, x, y))
                key = f"tile_{code}_z{z}"
                row[f"{key}_ours_p50_ms"] = percentiles(ours)["p50_ms"]
                row[f"{key}_bare_p50_ms"] = percentiles(theirs)["p50_ms"]
                row[f"{key}_ratio"] = row[f"{key}_ours_p50_ms"] / row[f"{key}_bare_p50_ms"]
        rounds.append(row)
        print(f"  round {number + 1}/{args.rounds}: " + ", ".join(
            f"{key} {value:.2f}" for key, value in row.items() if key.endswith("ratio")), flush=True)

    # Through HTTP: what a phone waits for, beside the same bare queries.
    http_rows = []
    with gunicorn(DATABASE_URL=BENCH_URL) as (port, _):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def get(path):
            start = time.perf_counter()
            client.request("GET", path)
            response = client.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
            return time.perf_counter() - start

        get("/api/v1/assets/nearest?kind=lampu&lat=-0.4665&lon=100.405")  # warms the worker
        for number in range(args.rounds):
            row = {}
            points = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(args.queries // 2)]
            api, theirs = [], []
            for lat, lon in points:
                api.append(get(f"/api/v1/assets/nearest?kind=lampu&lat={lat:.6f}&lon={lon:.6f}"))
                theirs.append(timed(bare_nearest, "lampu", lat, lon))
            row["api_nearest_p50_ms"] = percentiles(api)["p50_ms"]
            row["api_nearest_ratio"] = row["api_nearest_p50_ms"] / percentiles(theirs)["p50_ms"]
            for z in ZOOMS:
                uncached, cached, theirs = [], [], []
                for lat, lon in rng.sample(asset_points["lampu"], args.tiles):
                    x, y = tile_of(lat, lon, z)
                    cache.delete(f"tiles:assets:lampu:{generations['lampu']}:{z}/{x}/{y}")
                    uncached.append(get(f"/tiles/assets/lampu/{z}/{x}/{y}.pbf"))
                    cached.append(get(f"/tiles/assets/lampu/{z}/{x}/{y}.pbf"))
                    theirs.append(timed(bare_tile, "lampu", z, x, y))
                row[f"http_tile_z{z}_uncached_p50_ms"] = percentiles(uncached)["p50_ms"]
                row[f"http_tile_z{z}_cached_p50_ms"] = percentiles(cached)["p50_ms"]
                row[f"http_tile_z{z}_bare_p50_ms"] = percentiles(theirs)["p50_ms"]
            http_rows.append(row)
            print(f"  HTTP round {number + 1}/{args.rounds}", flush=True)

    results = {"assets_per_kind": args.assets, "rounds": rounds, "http_rounds": http_rows,
               "summary": {key: summary(rounds, key) for key in rounds[0]},
               "http_summary": {key: summary(http_rows, key) for key in http_rows[0]}}
    print(f"\n{args.assets:,} assets per kind, {args.rounds} rounds; min / median / max over the rounds")
    for key, values in {**results["summary"], **results["http_summary"]}.items():
        print(f"  {key:40} {values['min']:8.3f} {values['median']:8.3f} {values['max']:8.3f}")
    out = ROOT / "bench" / "results" / "assets.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
