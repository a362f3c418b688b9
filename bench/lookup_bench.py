"""Benchmark of the point-to-kelurahan lookup against the same queries in raw SQL, in one run.

    .venv/bin/python bench/lookup_bench.py [--points 2000] [--seed 7]

Runs against the database in DATABASE_URL with its active boundaries (`make setup`
loads them; set KELURAHAN_FILE to the published file to measure on real polygons).
It reads only. Points are drawn with a fixed seed from the city's bounding box
grown by 10 %, so most fall inside, some in gaps and some outside, as taps on a
map would. Figures are printed, and saved to bench/results/lookup.json.
"""

import argparse
import http.client
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.common import gunicorn, percentiles  # noqa: E402
from geo import lookup  # noqa: E402
from geo.models import Generation  # noqa: E402

# The two queries geo.lookup.locate makes, written by hand.
COVERS_SQL = """
SELECT k.code FROM geo_kelurahanboundary b
JOIN geo_generation g ON g.id = b.generation_id AND g.active
JOIN geo_kelurahan k ON k.id = b.kelurahan_id
WHERE ST_Covers(b.boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326))
ORDER BY k.code LIMIT 1
"""
NEAREST_SQL = """
SELECT k.code, ST_DistanceSpheroid(b.boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326),
                                   'SPHEROID["WGS 84",6378137,298.257223563]') AS d
FROM geo_kelurahanboundary b
JOIN geo_generation g ON g.id = b.generation_id AND g.active
JOIN geo_kelurahan k ON k.id = b.kelurahan_id
ORDER BY b.boundary <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 4
"""


def sample_points(count, seed):
    outline = Generation.objects.current().outline
    minx, miny, maxx, maxy = outline.extent
    growx, growy = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    rng = random.Random(seed)
    return [
        (rng.uniform(miny - growy, maxy + growy), rng.uniform(minx - growx, maxx + growx)) for _ in range(count)
    ]


def raw_sql_lookup(cursor, lat, lon):
    cursor.execute(COVERS_SQL, [lon, lat])
    row = cursor.fetchone()
    if row:
        return row[0]
    cursor.execute(NEAREST_SQL, [lon, lat, lon, lat])
    return min(cursor.fetchall(), key=lambda r: r[1])[0]


def orm_lookup(lat, lon):
    try:
        return lookup.locate(lookup.point(lat, lon)).kelurahan.code
    except lookup.OutsideCity:
        return None


def timed(label, points, function):
    """Run `function` over every point; return per-call seconds."""
    times = []
    for index, (lat, lon) in enumerate(points, start=1):
        start = time.perf_counter()
        function(lat, lon)
        times.append(time.perf_counter() - start)
        if index % max(1, len(points) // 4) == 0:
            print(f"  {label}: {index}/{len(points)}", flush=True)
    return times


def summary(times):
    return {"per_second": len(times) / sum(times), **percentiles(times)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    points = sample_points(args.points, args.seed)
    generation = Generation.objects.current()
    print(f"{len(points)} points (seed {args.seed}) against generation {generation.pk} ({generation.source})")

    with connection.cursor() as cursor:
        inside = 0
        for lat, lon in points:
            cursor.execute(COVERS_SQL, [lon, lat])
            inside += cursor.fetchone() is not None
        # Warm both paths once, so neither pays for the first connection or plan.
        raw_sql_lookup(cursor, *points[0])
        orm_lookup(*points[0])
        raw = timed("raw SQL", points, lambda lat, lon: raw_sql_lookup(cursor, lat, lon))
    orm = timed("geo.lookup.locate", points, orm_lookup)

    with gunicorn() as (port, _):
        client = http.client.HTTPConnection("127.0.0.1", port)

        def via_api(lat, lon):
            client.request("GET", f"/api/v1/locate?lat={lat}&lon={lon}")
            response = client.getresponse()
            response.read()
            assert response.status in (200, 422), response.status

        via_api(*points[0])
        api = timed("GET /api/v1/locate", points, via_api)

    results = {
        "points": len(points),
        "inside": inside,
        "seed": args.seed,
        "source": generation.source,
        "raw_sql": summary(raw),
        "locate": summary(orm),
        "api": summary(api),
    }
    print(f"\n{inside} of {len(points)} points inside a kelurahan; the rest in gaps or outside")
    print(f"{'':24}{'per second':>12}{'p50 ms':>10}{'p95 ms':>10}{'x raw SQL (p50)':>18}")
    for label, key in [("raw SQL (psycopg2)", "raw_sql"), ("geo.lookup.locate", "locate"),
                       ("GET /api/v1/locate", "api")]:
        row = results[key]
        ratio = row["p50_ms"] / results["raw_sql"]["p50_ms"]
        print(f"{label:24}{row['per_second']:12,.0f}{row['p50_ms']:10.2f}{row['p95_ms']:10.2f}{ratio:18.1f}")
    out = ROOT / "bench" / "results" / "lookup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
