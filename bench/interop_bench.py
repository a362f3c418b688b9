"""Benchmark of Open311 and OGC API - Features reads over a million reports, against bare SQL in the same run.

    .venv/bin/python bench/interop_bench.py [--reports 1000000] [--repeat 30]

Uses the database bench/nearby_bench.py makes (and fills it the same way if it is not filled yet).
Each case is one request through gunicorn (1 worker) and the SQL that fetches the same rows by
hand through psycopg2 (for OGC API, with the count of the same rows, its numberMatched), repeated; p50 and p95 of
both, and their ratio (goal <= 2x). Saved to bench/results/interop.json.
"""

import argparse
import http.client
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, percentiles  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402

# The rows Open311's GET requests shows, newest first, with the latest public note and the first photo of each.
OPEN311_SQL = """
SELECT r.code, r.status, r.description, c.slug, c.name_id, r.created, r.updated, r.due_date, r.address,
       ST_X(r.location), ST_Y(r.location), crew.name,
       (SELECT s.note FROM reports_statuschange s WHERE s.report_id = r.id AND s.note <> '' AND s.public
        ORDER BY s.created DESC, s.id DESC LIMIT 1),
       (SELECT p.image FROM reports_photo p WHERE p.report_id = r.id AND p.kind = 'resident' AND p.published
        ORDER BY p.position LIMIT 1)
FROM reports_report r JOIN reports_category c ON c.id = r.category_id LEFT JOIN geo_crew crew ON crew.id = r.crew_id
WHERE NOT r.hidden AND {where}
ORDER BY r.created DESC LIMIT 1000
"""
# The rows an OGC API items page shows, by primary key from a cursor.
OGC_SQL = """
SELECT r.id, r.code, c.slug, r.status, r.created, r.updated, r.due_date, r.support_count, k.code, k.name,
       kc.code, kc.name, crew.name, ST_AsGeoJSON(r.location, 6)
FROM reports_report r JOIN reports_category c ON c.id = r.category_id
JOIN geo_kelurahan k ON k.id = r.kelurahan_id JOIN geo_kecamatan kc ON kc.id = k.kecamatan_id
LEFT JOIN geo_crew crew ON crew.id = r.crew_id
WHERE NOT r.hidden AND r.id > %(after)s {where}
ORDER BY r.id LIMIT %(limit)s
"""
# numberMatched of an OGC API page: the count of the same rows (the API itself counts only filtered requests).
COUNT_SQL = "SELECT count(*) FROM reports_report r WHERE NOT r.hidden {where}"
BOX = "r.location && ST_MakeEnvelope(100.405, -0.468, 100.408, -0.465, 4326)"


def cases(deep_cursor, one_code):
    """(label, API path, the SQL statements that fetch the same rows, their parameters) of each case."""
    window = {"start": "2026-05-01T00:00:00+07:00", "end": "2026-07-30T00:00:00+07:00"}
    every, boxed = [OGC_SQL.format(where=""), COUNT_SQL.format(where="")], [
        OGC_SQL.format(where="AND " + BOX), COUNT_SQL.format(where="AND " + BOX)]
    return [
        ("Open311 requests, a 90-day window (1,000)",
         "/open311/v2/requests.json?start_date=2026-05-01T00:00:00%2B07:00&end_date=2026-07-30T00:00:00%2B07:00",
         [OPEN311_SQL.format(where="r.created >= %(start)s AND r.created <= %(end)s")], window),
        ("Open311 one request", f"/open311/v2/requests/{one_code}.json",
         [OPEN311_SQL.format(where="r.code = %(code)s")], {"code": one_code}),
        ("OGC items, first page (100)", "/ogcapi/collections/reports/items?limit=100", every,
         {"after": 0, "limit": 101}),
        ("OGC items, page at 90 % (100)", f"/ogcapi/collections/reports/items?limit=100&cursor={deep_cursor}", every,
         {"after": deep_cursor, "limit": 101}),
        ("OGC items, first page (1,000)", "/ogcapi/collections/reports/items?limit=1000", every,
         {"after": 0, "limit": 1001}),
        ("OGC items, 300 m box (100)", "/ogcapi/collections/reports/items?limit=100&bbox=100.405,-0.468,100.408,-0.465",
         boxed, {"after": 0, "limit": 101}),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    with db.cursor() as cursor:
        cursor.execute("SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY id), "
                       "(SELECT code FROM reports_report WHERE NOT hidden ORDER BY id OFFSET 500000 LIMIT 1) "
                       "FROM reports_report")
        deep_cursor, one_code = cursor.fetchone()

    results = []
    with gunicorn(DATABASE_URL=BENCH_URL) as (port, _):
        for label, path, statements, params in cases(deep_cursor, one_code):
            sql_times, api_times, size, rows = [], [], 0, 0
            with db.cursor() as cursor:
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    for sql in statements:
                        cursor.execute(sql, params)
                        rows = rows or len(cursor.fetchall())
                    sql_times.append(time.perf_counter() - start)
            # A connection of its own: gunicorn closes one left idle (keep-alive 2 s) while the SQL was timed.
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for attempt in range(args.repeat + 1):
                start = time.perf_counter()
                client.request("GET", path)
                response = client.getresponse()
                body = response.read()
                assert response.status == 200, (path, response.status, body[:200])
                if attempt:  # the first request warms the worker
                    api_times.append(time.perf_counter() - start)
                size = len(body)
            results.append({"case": label, "path": path, "rows": rows, "bytes": size,
                            "bare_sql": percentiles(sql_times), "api": percentiles(api_times)})
            print(f"  {label}: done", flush=True)

    print(f"\n{'':44}{'SQL p50':>9}{'API p50':>9}{'API p95':>9}{'ratio':>7}{'KB':>8}")
    for r in results:
        print(f"{r['case']:44}{r['bare_sql']['p50_ms']:9.1f}{r['api']['p50_ms']:9.1f}{r['api']['p95_ms']:9.1f}"
              f"{r['api']['p50_ms'] / r['bare_sql']['p50_ms']:7.1f}{r['bytes'] / 1024:8.0f}")
    out = ROOT / "bench" / "results" / "interop.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"reports": args.reports, "repeat": args.repeat, "cases": results}, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)} (times in ms)")


if __name__ == "__main__":
    main()
