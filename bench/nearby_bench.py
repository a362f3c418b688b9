"""Benchmark of GET /api/v1/reports/nearby with a million reports, against the bare SQL in the same run.

    .venv/bin/python bench/nearby_bench.py [--reports 1000000] [--queries 300] [--seed 7] [--beside CHECKOUT]

It works in a database of its own (DATABASE_URL's name + "_bench"), made, migrated and
loaded with the kelurahan on first use, then filled by PostGIS itself: ST_GeneratePoints
spreads the reports over the city outline, each given the nearest kelurahan and
a random category, status, due date and filing time. A later run reuses the data.

Measured, at random points in the city, one point after another (interleaved): the bare SQL (KNN `<->` on the
GiST index, LIMIT 50, then the radius in metres on the spheroid) through psycopg2, GET /healthz and the API
through gunicorn (1 worker), p50 and p95; plus the query plan and the load average. Saved to bench/results/nearby.json.
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import gunicorn, percentiles  # noqa: E402
from config.ensure_database import ensure_database  # noqa: E402
from config.settings import DATABASE_URL, KELURAHAN_FILE  # noqa: E402

BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_bench"

# The query the API makes, by hand: KNN on the GiST index, then the radius in true metres.
NEARBY_SQL = """
SELECT * FROM (
    SELECT r.code, ST_DistanceSpheroid(r.location, p.g, 'SPHEROID["WGS 84",6378137,298.257223563]') AS metres
    FROM reports_report r, (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g) p
    WHERE NOT r.hidden
    ORDER BY r.location <-> p.g
    LIMIT 50
) nearest WHERE metres <= %(radius)s ORDER BY metres
"""

FILL_SQL = """
WITH points AS (
    SELECT (ST_Dump(ST_GeneratePoints(g.outline, %(count)s, %(seed)s))).geom AS location
    FROM geo_generation g WHERE g.active
), numbered AS (
    SELECT location, %(start)s + row_number() OVER () AS n FROM points
)
INSERT INTO reports_report (code, client_uuid, private_token, category_id, location, kelurahan_id, crew_id,
    routing_problem, address, description, attributes, status, due_date, reporter_name, reporter_phone, reporter_email,
    show_name, support_count, hidden, created, updated, version, fixed_at, reporter_device)
SELECT 'B-' || n, gen_random_uuid(), md5(n::text), c.id, location, k.kelurahan_id, NULL, '', '',
       'Laporan benchmark', '{}', (ARRAY['baru','diverifikasi','dikerjakan','selesai','ditutup'])[1 + n %% 5],
       DATE '2026-01-01' + (n %% 400)::int, '', '', '', false, 0, n %% 100 = 0,
       TIMESTAMPTZ '2025-01-01' + (n %% 600) * INTERVAL '1 day', now(), 1,
       -- Fixed ('selesai', 'ditutup'): within 60 days, spread over the hours (the statistics' medians).
       CASE WHEN n %% 5 >= 3 THEN TIMESTAMPTZ '2025-01-01' + (n %% 600) * INTERVAL '1 day'
                                  + (n * 7919 %% 1440) * INTERVAL '1 hour' END, ''
FROM numbered
CROSS JOIN LATERAL (SELECT id FROM reports_category WHERE parent_id IS NOT NULL
                    ORDER BY id OFFSET (numbered.n %% 9) LIMIT 1) c
CROSS JOIN LATERAL (SELECT b.kelurahan_id FROM geo_kelurahanboundary b JOIN geo_generation g2
                    ON g2.id = b.generation_id AND g2.active
                    ORDER BY b.boundary <-> numbered.location LIMIT 1) k
"""


def manage(*args):
    env = dict(os.environ, DATABASE_URL=BENCH_URL, KELURAHAN_FILE=os.environ.get("KELURAHAN_FILE", KELURAHAN_FILE))
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def connect():
    return common.connect(BENCH_URL)


def fill(db, wanted, seed):
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_report")
        have = cursor.fetchone()[0]
    if have >= wanted:
        print(f"Data: {have:,} reports already there")
        return
    chunk = 100_000
    started = time.perf_counter()
    while have < wanted:
        count = min(chunk, wanted - have)
        with db.cursor() as cursor:
            cursor.execute(FILL_SQL, {"count": count, "seed": seed + have, "start": have})
        db.commit()
        have += count
        print(f"  generated {have:,}/{wanted:,} reports ({time.perf_counter() - started:.0f} s)", flush=True)
    # As autovacuum leaves a table soon after: statistics, hint bits set, pages marked all-visible (an index-only
    # scan reads no table page for them). Fresh from the generator, a zoom-18 tile's statement took 20 ms, 4.7 ms
    # after (docs/figures.md, "Report tiles from the index alone").
    db.commit()
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) reports_report")
    db.autocommit = False


def prepare(reports, seed):
    """The benchmark database, made, migrated, loaded and filled with `reports` reports: an open connection."""
    ensure_database(BENCH_URL)
    manage("migrate", "--noinput", "-v0")
    manage("setup_city")
    db = connect()
    fill(db, reports, seed)
    db.commit()  # no transaction left open: a caller may switch to autocommit
    return db


def random_points(db, count, seed):
    with db.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(outline), ST_YMin(outline), ST_XMax(outline), ST_YMax(outline), outline "
                       "FROM geo_generation WHERE active")
        west, south, east, north, _ = cursor.fetchone()
    rng = random.Random(seed)
    return [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(count)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--radius", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--beside", help="another checkout of the project (say, before a change): its API is "
                                         "measured too, interleaved with this one's")
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    db.autocommit = True  # no snapshot held open while the server reads
    points = random_points(db, args.queries, args.seed)

    with db.cursor() as cursor:
        lat, lon = points[0]
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + NEARBY_SQL, {"lat": lat, "lon": lon, "radius": args.radius})
        plan = [row[0] for row in cursor.fetchall()]

    load_before = os.getloadavg()
    with ExitStack() as stack:
        port, _ = stack.enter_context(gunicorn(DATABASE_URL=BENCH_URL))
        cursor = stack.enter_context(db.cursor())
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        beside = None
        if args.beside:
            beside_port, _ = stack.enter_context(gunicorn(root=args.beside, DATABASE_URL=BENCH_URL,
                                                          CACHE_PREFIX="nearby-bench-beside"))
            beside = http.client.HTTPConnection("127.0.0.1", beside_port, timeout=60)

        def timed(path, client=client):
            try:
                return _timed(path, client)
            except (http.client.RemoteDisconnected, ConnectionError):  # the server let an idle connection go
                client.close()
                return _timed(path, client)

        def _timed(path, client):
            start = time.perf_counter()
            client.request("GET", path)
            response = client.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
            return time.perf_counter() - start

        def bare(lat, lon):
            start = time.perf_counter()
            cursor.execute(NEARBY_SQL, {"lat": lat, "lon": lon, "radius": args.radius})
            found = len(cursor.fetchall())
            return time.perf_counter() - start, found

        def nearby(lat, lon):
            return f"/api/v1/reports/nearby?lat={lat}&lon={lon}&radius_m={args.radius}"

        timed("/healthz"), timed(nearby(*points[0]))  # warm the worker
        if beside:
            timed(nearby(*points[0]), beside)
        # One point after another, interleaved: the bare SQL, then the round trip of a request that does one query
        # (what any answer of the server costs at least), then the API; a busy moment weighs on the three alike.
        sql_times, health_times, api_times, beside_times, found = [], [], [], [], 0
        for lat, lon in points:
            seconds, count = bare(lat, lon)
            sql_times.append(seconds)
            found += count
            health_times.append(timed("/healthz"))
            api_times.append(timed(nearby(lat, lon)))
            if beside:
                beside_times.append(timed(nearby(lat, lon), beside))
    print(f"  {len(points)} points, interleaved: bare SQL, /healthz, API; {found / len(points):.1f} reports each "
          "on average")

    results = {"reports": args.reports, "queries": args.queries, "radius_m": args.radius,
               "bare_sql": percentiles(sql_times), "healthz": percentiles(health_times),
               "api": percentiles(api_times), "plan": plan, "load_before": load_before,
               "load_after": os.getloadavg()}
    if beside_times:
        results.update(beside=args.beside, beside_api=percentiles(beside_times))
    print(f"\nLoad average {load_before[0]:.1f} before, {results['load_after'][0]:.1f} after")
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}")
    rows = [("bare SQL (psycopg2)", "bare_sql"), ("GET /healthz", "healthz"), ("GET /api/v1/reports/nearby", "api"),
            ("the same, --beside", "beside_api")]
    for label, key in rows if args.beside else rows[:3]:
        print(f"{label:28}{results[key]['p50_ms']:10.2f}{results[key]['p95_ms']:10.2f}")
    reference = results["bare_sql"]["p50_ms"] + results["healthz"]["p50_ms"]
    print(f"The API's p50 is {results['api']['p50_ms'] / reference:.2f}x the bare SQL plus /healthz's round trip "
          f"(goal <= 3x); its p95 {results['api']['p95_ms']:.1f} ms (goal <= 10 ms), "
          f"{results['api']['p95_ms'] / results['healthz']['p95_ms']:.2f}x /healthz's p95")
    if args.beside:
        ours, theirs = results["api"], results["beside_api"]
        print(f"This checkout's API against --beside's: p50 {ours['p50_ms'] / theirs['p50_ms']:.2f}x, "
              f"p95 {ours['p95_ms'] / theirs['p95_ms']:.2f}x")
    print("Plan:\n  " + "\n  ".join(plan))
    out = ROOT / "bench" / "results" / "nearby.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
