"""Benchmark of Open311 and OGC API - Features reads over a million reports, against bare SQL in the same run.

    .venv/bin/python bench/interop_bench.py [--reports 1000000] [--repeat 30] [--only Open311] [--beside CHECKOUT]

It works in a database of its own (DATABASE_URL's name + "_interop_bench"), filled as bench/nearby_bench.py fills
its own, then given what Open311 shows beside a report's columns: a history with public and internal notes
(several per report), and resident and completion photos. Each case is one request through gunicorn (1 worker)
and the SQL that fetches the same rows and fields by hand through psycopg2 (for OGC API, with the count of the
same rows, its numberMatched), interleaved: one of each per round, so both meet the same load. Median and spread
of both, and the ratio of the medians (goal <= 2x), with the load average before and after; with --beside,
another checkout's API (say, before a change) in the same rounds. Saved to bench/results/interop.json.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import gunicorn, prepare_city  # noqa: E402
from bench.nearby_bench import fill  # noqa: E402

# Not config.settings' own: the bench's database is set before anything reads the settings.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_interop_bench"
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX="interop-bench")

# What Open311 shows beside the report's own columns, written once (the history is the marker): a verification
# with its public note and an internal note after it on every report past new, the fix's public note, the
# closing; a resident's photo on three reports in four (two on one in ten), a completion photo on fixed ones.
CONTENT_SQL = """
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
    SELECT id, 'baru', 'diverifikasi', 'Diteruskan ke tim lapangan untuk diperiksa.', true, created + interval '1 day'
    FROM reports_report WHERE status <> 'baru';
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
    SELECT id, 'diverifikasi', 'diverifikasi', 'Catatan internal: tunggu material.', false, created + interval '2 days'
    FROM reports_report WHERE status <> 'baru';
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
    SELECT id, 'diverifikasi', 'selesai', 'Sudah ditambal.', true, fixed_at FROM reports_report
    WHERE fixed_at IS NOT NULL;
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
    SELECT id, 'selesai', 'ditutup', '', true, fixed_at + interval '3 days' FROM reports_report
    WHERE status = 'ditutup';
INSERT INTO reports_photo (report_id, kind, image, thumbnail, width, height, position, published)
    SELECT r.id, 'resident', 'laporan/2026/06/bench-' || r.id || '-' || n || '.jpg',
           'laporan/2026/06/bench-' || r.id || '-' || n || '-kecil.jpg', 1600, 1200, n, true
    FROM reports_report r, generate_series(0, 1) n WHERE r.id % 4 <> 0 AND (n = 0 OR r.id % 10 = 0);
INSERT INTO reports_photo (report_id, kind, image, thumbnail, width, height, position, published)
    SELECT id, 'completion', 'laporan/2026/06/bench-' || id || '-fix.jpg', 'laporan/2026/06/bench-' || id
           || '-fix-kecil.jpg', 1600, 1200, 5, true FROM reports_report WHERE fixed_at IS NOT NULL;
"""

# The rows Open311's GET requests shows (public, of a crew's category, with a place), newest first, with the same
# fields: the category's name, the crew, the times, the point, the latest public note and the first published
# resident's photo of each. No JSON: what the API adds to this is its reference's measure.
OPEN311_SQL = """
SELECT r.code, r.status, r.description, c.slug, c.name_id, r.created, r.updated, r.due_date, r.address,
       ST_X(r.location), ST_Y(r.location), crew.name,
       (SELECT s.note FROM reports_statuschange s WHERE s.report_id = r.id AND s.note <> '' AND s.public
        ORDER BY s.created DESC, s.id DESC LIMIT 1),
       (SELECT p.image FROM reports_photo p WHERE p.report_id = r.id AND p.kind = 'resident' AND p.published
        ORDER BY p.position LIMIT 1)
FROM reports_report r JOIN reports_category c ON c.id = r.category_id LEFT JOIN geo_crew crew ON crew.id = r.crew_id
WHERE NOT r.hidden AND NOT r.private AND c.routing = 'crew' AND r.location IS NOT NULL AND {where}
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
    dates = "start_date=2026-05-01T00:00:00%2B07:00&end_date=2026-07-30T00:00:00%2B07:00"
    in_window = OPEN311_SQL.format(where="r.created >= %(start)s AND r.created <= %(end)s")
    every, boxed = [OGC_SQL.format(where=""), COUNT_SQL.format(where="")], [
        OGC_SQL.format(where="AND " + BOX), COUNT_SQL.format(where="AND " + BOX)]
    return [
        ("Open311 requests, a 90-day window (1,000)", f"/open311/v2/requests.json?{dates}", [in_window], window),
        ("Open311 requests.xml, the same window", f"/open311/v2/requests.xml?{dates}", [in_window], window),
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


def connect():
    return common.connect(BENCH_URL, "-c jit=off")  # as the app's connections run (config/settings.py)


def prepare(reports, seed):
    """The bench's database, filled with `reports` reports and their histories and photos: an open connection."""
    prepare_city(BENCH_URL, ENV)
    db = connect()
    fill(db, reports, seed)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_statuschange")
        if not cursor.fetchone()[0]:
            print("  writing histories with notes, and photos", flush=True)
            # Without triggers: the statistics' trigger on the history (insight/) recounts every report a
            # statement touches against all the rows it added, which for a million reports' histories at once ran
            # for over half an hour; the reads measured here do not use those counts. Rows of this bench only.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(CONTENT_SQL)
    db.commit()
    db.autocommit = True  # no snapshot kept open while the server reads
    with db.cursor() as cursor:
        # As autovacuum leaves a table in use: every table's statistics (the categories' too, which the plans
        # depend on) and its visibility map (what lets an index be read alone).
        cursor.execute("VACUUM ANALYZE")
    return db


def spread(seconds):
    """min, median and max of durations in seconds, in milliseconds."""
    return {"min_ms": min(seconds) * 1000, "median_ms": statistics.median(seconds) * 1000,
            "max_ms": max(seconds) * 1000}


def get(client, path):
    try:
        client.request("GET", path)
        response = client.getresponse()
    except (http.client.RemoteDisconnected, ConnectionError):  # the server let an idle connection go (2 s)
        client.close()
        client.request("GET", path)
        response = client.getresponse()
    body = response.read()
    assert response.status == 200, (path, response.status, body[:200])
    return body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", help="the cases whose label starts with this (say, Open311)")
    parser.add_argument("--beside", help="another checkout of the project (say, before a change): its API is "
                                         "measured too, in the same rounds")
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    with db.cursor() as cursor:
        # The cursor of the page at 90 %, and a public report from the middle of the table, whatever its size.
        cursor.execute("SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY id), "
                       "percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM reports_report")
        deep_cursor, middle = cursor.fetchone()
        cursor.execute("SELECT code FROM reports_report WHERE NOT hidden AND id >= %s ORDER BY id LIMIT 1", (middle,))
        (one_code,) = cursor.fetchone()
    chosen = [case for case in cases(deep_cursor, one_code) if not args.only or case[0].startswith(args.only)]

    results = []
    load_before = os.getloadavg()
    with ExitStack() as stack:
        port, _ = stack.enter_context(gunicorn(DATABASE_URL=BENCH_URL, CACHE_PREFIX="interop-bench"))
        beside_port = args.beside and stack.enter_context(gunicorn(
            root=Path(args.beside), DATABASE_URL=BENCH_URL, CACHE_PREFIX="interop-bench-beside"))[0]
        for label, path, statements, params in chosen:
            times, size, rows = {"bare_sql": [], "api": [], "beside": []}, 0, 0
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            beside = beside_port and http.client.HTTPConnection("127.0.0.1", beside_port, timeout=120)
            get(client, path)  # the first request warms the worker
            if beside:
                get(beside, path)
            with db.cursor() as cursor:
                for _ in range(args.repeat):  # one of each per round: all under the same load
                    start = time.perf_counter()
                    for sql in statements:
                        cursor.execute(sql, params)
                        rows = rows or len(cursor.fetchall())
                    times["bare_sql"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    size = len(get(client, path))
                    times["api"].append(time.perf_counter() - start)
                    if beside:
                        start = time.perf_counter()
                        get(beside, path)
                        times["beside"].append(time.perf_counter() - start)
            client.close()
            result = {"case": label, "path": path, "rows": rows, "bytes": size,
                      **{name: spread(seconds) for name, seconds in times.items() if seconds},
                      "ratio": statistics.median(times["api"]) / statistics.median(times["bare_sql"])}
            if beside:
                beside.close()
                result["beside_ratio"] = statistics.median(times["beside"]) / statistics.median(times["bare_sql"])
            results.append(result)
            print(f"  {label}: done", flush=True)
    load_after = os.getloadavg()

    print(f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f}; {args.repeat} interleaved rounds; "
          "ms: min / median / max")
    beside_header = f"{'beside':>22}{'ratio':>7}" if args.beside else ""
    print(f"{'':44}{'bare SQL':>22}{'API':>22}{'ratio':>7}{'KB':>6}{beside_header}")
    for r in results:
        line = f"{r['case']:44}"
        for name in ("bare_sql", "api"):
            line += f"{r[name]['min_ms']:7.1f}{r[name]['median_ms']:7.1f}{r[name]['max_ms']:8.1f}"
        line += f"{r['ratio']:7.2f}{r['bytes'] / 1024:6.0f}"
        if "beside" in r:
            line += f"{r['beside']['min_ms']:7.1f}{r['beside']['median_ms']:7.1f}{r['beside']['max_ms']:8.1f}"
            line += f"{r['beside_ratio']:7.2f}"
        print(line)
    out = ROOT / "bench" / "results" / "interop.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"reports": args.reports, "repeat": args.repeat, "beside": args.beside,
                               "load_before": load_before, "load_after": load_after, "cases": results},
                              indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)} (times in ms)")


if __name__ == "__main__":
    main()
