"""Benchmark of the hotspots and response-time pages and their API with a million reports, each against its bare
SQL in the same run.

    .venv/bin/python bench/insight_bench.py [--reports 1000000] [--rounds 30] [--seed 7] [--beside CHECKOUT]

Its own database, <name>_insight_bench (after DATABASE_URL's database, on its server), made, migrated and loaded
with the city on first use, then filled by PostGIS in chunks of 100,000: points spread over the city outline
(ST_GeneratePoints), each with the nearest kelurahan, a sub-category, a crew, a filing time over the four years to
December 2026, and a fate: 5 % still open, 90 % fixed (1 to 30 days later, most of them closed), the rest rejected
or duplicates; one in two hundred hidden; every report that left "new" has its verification in the history (0 to 3
days after filing). The triggers keep the response-time histogram as the rows go in. A later run reuses the data.

Measured in interleaved rounds (each round asks every case once, bare SQL then page): each page or endpoint through
gunicorn (1 worker, production settings) as a signed-in planner, and the SQL it runs, the same statements with the
same parameters, through psycopg2. Also the response times computed straight from the reports (percentile_cont
over the last 12 months, no histogram): what the kept histograms save; the whole city's recurrence over the default
3 months as the job insight.keep_recurrence computes it (the endpoint and the page of that view answer from what it
keeps: each is measured beside the statements it then runs, reading the kept row), timed once before the rounds
with its statement alone in the first --city-rounds rounds; and the plans (EXPLAIN ANALYZE) of the cluster and
recurrence queries. min / median / p95 / max per case; saved to
bench/results/insight.json.
"""

import argparse
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import gunicorn  # noqa: E402
from config.ensure_database import ensure_database  # noqa: E402
from config.settings import DATABASE_URL, KELURAHAN_FILE  # noqa: E402

BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_insight_bench"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")  # the app's own functions write the SQL below

FILL_SQL = """
WITH points AS (
    SELECT (ST_Dump(ST_GeneratePoints(g.outline, %(count)s, %(seed)s))).geom AS location
    FROM geo_generation g WHERE g.active
), numbered AS (
    SELECT location, %(start)s + row_number() OVER () AS n FROM points
), fated AS (
    SELECT *, n %% 100 AS fate,
           TIMESTAMPTZ '2022-12-01 00:00+07' + (n %% 1461) * INTERVAL '1 day'
           + (n * 7919 %% 86400) * INTERVAL '1 second' AS filed
    FROM numbered
)
INSERT INTO reports_report (code, client_uuid, private_token, category_id, location, kelurahan_id, crew_id,
    routing_problem, address, description, attributes, status, due_date, reporter_name, reporter_phone, reporter_email,
    show_name, support_count, hidden, created, updated, version, fixed_at, reporter_device)
SELECT 'B-' || n, gen_random_uuid(), md5(n::text), c.id, location, k.kelurahan_id, crew.id, '', '',
       'Laporan benchmark', '{}',
       CASE WHEN fate < 2 THEN 'baru' WHEN fate < 4 THEN 'diverifikasi' WHEN fate < 5 THEN 'dikerjakan'
            WHEN fate < 85 THEN 'ditutup' WHEN fate < 95 THEN 'selesai' WHEN fate < 98 THEN 'ditolak'
            ELSE 'duplikat' END,
       (filed AT TIME ZONE 'Asia/Jakarta')::date + 14, '', '', '', false, 0, n %% 200 = 7, filed, filed, 1,
       CASE WHEN fate BETWEEN 5 AND 94 THEN filed + (1 + n * 7919 %% 30) * INTERVAL '1 day'
                                               + (n * 104729 %% 24) * INTERVAL '1 hour' END, ''
FROM fated
CROSS JOIN LATERAL (SELECT id FROM reports_category WHERE parent_id IS NOT NULL
                    ORDER BY id OFFSET (fated.n %% 9) LIMIT 1) c
CROSS JOIN LATERAL (SELECT id FROM geo_crew ORDER BY id
                    OFFSET (fated.n %% (SELECT count(*) FROM geo_crew)) LIMIT 1) crew
CROSS JOIN LATERAL (SELECT b.kelurahan_id FROM geo_kelurahanboundary b JOIN geo_generation g2
                    ON g2.id = b.generation_id AND g2.active
                    ORDER BY b.boundary <-> fated.location LIMIT 1) k
"""
# Every report of the chunk that left "new" was verified first, 0 to 71 hours after filing.
HISTORY_SQL = """
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
SELECT id, 'baru', 'diverifikasi', '', true, created + (id * 104729 %% 72) * INTERVAL '1 hour'
FROM reports_report WHERE code = ANY(%(codes)s) AND status NOT IN ('baru', 'ditolak', 'duplikat')
"""

PLANNER_SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
user, _ = get_user_model().objects.get_or_create(username="bench-planner")
user.groups.add(Group.objects.get(name="planner"))
device, _ = TOTPDevice.objects.get_or_create(user=user, defaults={"name": "bench", "confirmed": True})
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
                HASH_SESSION_KEY: user.get_session_auth_hash(), DEVICE_ID_SESSION_KEY: device.persistent_id})
session.create()
print(session.session_key)
"""


def manage(*args, capture=False, root=ROOT):
    env = dict(os.environ, DATABASE_URL=BENCH_URL, KELURAHAN_FILE=os.environ.get("KELURAHAN_FILE", KELURAHAN_FILE),
               SECRET_KEY="bench-only")
    done = subprocess.run([str(Path(root) / ".venv/bin/python"), "manage.py", *args], cwd=root, env=env, check=True,
                          text=True, stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return done.stdout


def connect():
    """A connection with the session settings the app's own have (config/settings.py: no JIT)."""
    return common.connect(BENCH_URL, "-c jit=off -c datestyle=ISO")


def prepare(wanted, seed):
    """The bench's database, migrated, with the city and `wanted` reports: an open connection."""
    ensure_database(BENCH_URL)
    manage("migrate", "--noinput", "-v0")
    manage("setup_city", "-v0")
    db = connect()
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_report")
        have = cursor.fetchone()[0]
    if have >= wanted:
        print(f"Data: {have:,} reports already there", flush=True)
    started = time.perf_counter()
    while have < wanted:
        count = min(100_000, wanted - have)
        with db.cursor() as cursor:
            cursor.execute(FILL_SQL, {"count": count, "seed": seed + have, "start": have})
            cursor.execute(HISTORY_SQL, {"codes": [f"B-{n}" for n in range(have + 1, have + count + 1)]})
        db.commit()
        have += count
        print(f"  generated {have:,}/{wanted:,} reports ({time.perf_counter() - started:.0f} s)", flush=True)
    db.commit()
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) reports_report")
        cursor.execute("VACUUM (ANALYZE) reports_statuschange")
        cursor.execute("VACUUM (ANALYZE) insight_responsecount")
    db.autocommit = False
    return db


CITY, CITY_PAGE = "recurrence, the city (kept)", "hotspot page, the city"
# The same two as a browser asks for them, taking gzip: the kept answer's gzip is sent as it is, the page is
# compressed by GZipMiddleware.
CITY_GZIP, CITY_PAGE_GZIP = "  the same, gzip", "  the same page, gzip"
PACKED = (CITY_GZIP, CITY_PAGE_GZIP)
# The kept view's own statement (insight.kept.keep: both languages), timed on its own in the --city-rounds.
CITY_COMPUTED = "recurrence, the city, computed"
KEEP = """
import time
from insight import kept
start = time.perf_counter()
kept.keep()
print(time.perf_counter() - start)
"""


def cases(db):
    """Each case: its URL, and the statements (SQL, parameters) the view runs for it, written by the app itself
    (no query of the app's database: the category's ids are read from the bench's)."""
    import django

    django.setup()
    from django.utils import timezone

    from insight import hotspots, times
    from reports.models import OPEN_STATUSES

    since, until = times.window()
    response_sql = [(times.sql(group), {"since": since, "until": until, "group": group}) for group in times.GROUPS]
    with db.cursor() as cursor:  # a category with its sub-categories, as tiles.invalidate.category_ids gives them
        cursor.execute("SELECT c.id FROM reports_category c LEFT JOIN reports_category p ON p.id = c.parent_id "
                       "WHERE 'jalan-berlubang' IN (c.slug, p.slug) ORDER BY c.id")
        road = [row[0] for row in cursor.fetchall()]
    url_start, url_end = hotspots.report_url_parts("http://127.0.0.1")

    def clusters(eps, minpoints, categories=None, page=False):
        """The API's statement, or with `page` the page's (its list's largest and its map's clusters)."""
        sql, params = hotspots.hotspots_sql(categories=categories,
                                            select=hotspots.PAGE_CLUSTERS if page else hotspots.ALL_CLUSTERS)
        return sql, {**params, "open": list(OPEN_STATUSES), "eps": eps, "minpoints": minpoints,
                     "url_start": url_start, "url_end": url_end, "listed": hotspots.PAGE_LIST}

    def kept_row(columns):
        """What the view reads of the kept answer (insight.kept.last)."""
        return (f"SELECT computed_at, {columns} FROM insight_keptrecurrence WHERE language = 'id' AND zone = %(zone)s "
                "AND site = %(site)s AND computed_at >= %(fresh)s ORDER BY language LIMIT 1",
                {"zone": timezone.get_current_timezone_name(), "site": os.environ["SITE_URL"],
                 "fresh": timezone.now() - timedelta(hours=1)})

    def recurrence(days, months, categories=None, page=False):
        """The API's statement, or with `page` the page's (its list's largest and its map's points)."""
        sql, params = hotspots.recurrence_sql(categories=categories,
                                              select=hotspots.PAGE_PLACES if page else hotspots.ALL_PLACES)
        return sql, {**params, "days": days, "since": timezone.now() - timedelta(days=round(months * 30.44)),
                     "url_start": url_start, "url_end": url_end, "zone": timezone.get_current_timezone_name(),
                     "listed": hotspots.PAGE_LIST}

    return {
        "response-time page": ("/statistik/waktu-tanggap/", response_sql),
        "response-times.json": ("/api/v1/response-times.json", response_sql),
        "hotspots, one category": ("/api/v1/hotspots.geojson?category=jalan-berlubang&eps=30&minpoints=5",
                                   [clusters(30, 5, road)]),
        "hotspots, the city": ("/api/v1/hotspots.geojson?eps=30&minpoints=5", [clusters(30, 5)]),
        "recurrence, one category": ("/api/v1/recurrence.geojson?category=jalan-berlubang&days=30&months=1",
                                     [recurrence(30, 1, road)]),
        # The defaults, 90 days after the fixes of 3 months, over the whole city: answered from the kept row.
        CITY: ("/api/v1/recurrence.geojson", [kept_row("geojson_gzip")]),
        CITY_GZIP: ("/api/v1/recurrence.geojson", [kept_row("geojson_gzip")]),
        CITY_PAGE: ("/statistik/titik-rawan/", [clusters(30, 3, page=True), kept_row("largest, drawn, count")]),
        CITY_PAGE_GZIP: ("/statistik/titik-rawan/", [clusters(30, 3, page=True),
                                                     kept_row("largest, drawn, count")]),
        CITY_COMPUTED: (None, [recurrence(hotspots.RECURRENCE_DAYS, 3)]),  # SQL alone, in --city-rounds
        "hotspot page, one category": (
            "/statistik/titik-rawan/?category=jalan-berlubang&eps=30&minpoints=5&days=30&months=1",
            [clusters(30, 5, road, page=True), recurrence(30, 1, road, page=True)]),
    }


# The response times without the kept histogram: percentile_cont over the reports of the last 12 months, per crew.
DIRECT_SQL = """
SELECT r.crew_id, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY insight_working_days(
           (r.created AT TIME ZONE 'Asia/Jakarta')::date, (r.fixed_at AT TIME ZONE 'Asia/Jakarta')::date))
FROM reports_report r WHERE NOT r.hidden AND r.fixed_at >= %(since)s GROUP BY 1
"""


def summary(seconds):
    ordered = sorted(seconds)
    return {"min_ms": ordered[0] * 1000, "median_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[max(0, -(-len(ordered) * 95 // 100) - 1)] * 1000, "max_ms": ordered[-1] * 1000}


def ratio(page, bare):
    return statistics.median(page) / statistics.median(bare)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--city-rounds", type=int, default=3, help="the rounds that also run the whole city's "
                                                                     "recurrence statement (seconds at a million "
                                                                     "reports)")
    parser.add_argument("--beside", help="another checkout of the project (say, before a change): its pages are "
                                         "asked too, each right after this checkout's, on the same database")
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    cookie = f"sessionid={manage('shell', '-c', PLANNER_SESSION, capture=True).strip().splitlines()[-1]}"
    # The other checkout's own session: how a session names its sign-in backend may differ between the two.
    beside_cookie = args.beside and (
        f"sessionid={manage('shell', '-c', PLANNER_SESSION, capture=True, root=args.beside).strip().splitlines()[-1]}")
    # The kept answer's URLs start with SITE_URL, and the view serves it to requests on that site only.
    port = common.free_port()
    os.environ["SITE_URL"] = f"http://127.0.0.1:{port}"
    keep_seconds = float(manage("shell", "-c", KEEP, capture=True).strip().splitlines()[-1])
    print(f"insight.keep_recurrence (both languages): {keep_seconds:.2f} s", flush=True)
    todo = cases(db)
    computed = todo.pop(CITY_COMPUTED)[1][0]
    with db.cursor() as cursor:
        # The whole city's recurrence over the default 3 months: at this density nearly every fix has a report after
        # it within the radius, and its answer is tens of thousands of places. Its size, once (not timed).
        cursor.execute(*computed)
        city_places = len(json.loads(cursor.fetchone()[0]))
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE status IN ('baru', 'diverifikasi', 'dikerjakan')), "
                       "(SELECT count(*) FROM insight_responsecount) FROM reports_report")
        reports, open_reports, histogram_rows = cursor.fetchone()
        plans = {}
        for name in ("hotspots, the city", "recurrence, one category"):
            sql, params = todo[name][1][0]
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
            plans[name] = [row[0] for row in cursor.fetchall()]
    db.rollback()

    sql_times = {name: [] for name in todo}
    http_times = {name: [] for name in todo}
    beside_times = {name: [] for name in todo}
    direct, computed_times = [], []
    since = todo["response-time page"][1][0][1]["since"]
    with contextlib.ExitStack() as stack:
        # The kept answer stays fresh for the whole run (the job is not running here).
        stack.enter_context(gunicorn(port, DATABASE_URL=BENCH_URL, RECURRENCE_KEPT_MINUTES="600"))
        if args.beside:
            beside_port, _ = stack.enter_context(gunicorn(root=args.beside, DATABASE_URL=BENCH_URL,
                                                          CACHE_PREFIX="insight-bench-beside",
                                                          RECURRENCE_KEPT_MINUTES="600"))

        def get(path, beside=False, packed=False):
            """One request on a connection of its own: between two, the bare SQL may outlast gunicorn's keep-alive.
            `packed`: taking gzip, as a browser does."""
            client = http.client.HTTPConnection("127.0.0.1", beside_port if beside else port, timeout=600)
            start = time.perf_counter()
            client.request("GET", path, headers={"Cookie": beside_cookie if beside else cookie,
                                                 "Accept-Language": "id",
                                                 **({"Accept-Encoding": "gzip"} if packed else {})})
            response = client.getresponse()
            body = response.read()
            assert response.status == 200, (path, response.status, body[:300])
            client.close()
            return time.perf_counter() - start, len(body)

        sizes = {name: get(path, packed=name in PACKED)[1]  # warms the worker: not counted
                 for name, (path, _) in todo.items()}
        if args.beside:
            for path, _ in todo.values():
                get(path, beside=True)
        for round_number in range(args.rounds):
            with db.cursor() as cursor:
                if round_number < args.city_rounds:
                    start = time.perf_counter()
                    cursor.execute(*computed)
                    cursor.fetchall()
                    computed_times.append(time.perf_counter() - start)
                for name, (path, statements) in todo.items():
                    start = time.perf_counter()
                    for sql, params in statements:
                        cursor.execute(sql, params)
                        cursor.fetchall()
                    sql_times[name].append(time.perf_counter() - start)
                    http_times[name].append(get(path, packed=name in PACKED)[0])
                    if args.beside:
                        beside_times[name].append(get(path, beside=True)[0])
                if round_number < 5:
                    start = time.perf_counter()
                    cursor.execute(DIRECT_SQL, {"since": since})
                    cursor.fetchall()
                    direct.append(time.perf_counter() - start)
            db.rollback()
            print(f"  round {round_number + 1}/{args.rounds}", flush=True)

    results = {"reports": reports, "open": open_reports, "histogram_rows": histogram_rows, "rounds": args.rounds,
               "cases": {name: {"url": todo[name][0], "bytes": sizes[name], "sql": summary(sql_times[name]),
                                "http": summary(http_times[name]),
                                "ratio_median": ratio(http_times[name], sql_times[name])}
                         for name in todo},
               **({"beside": args.beside, "beside_cases": {
                   name: {"http": summary(beside_times[name]),
                          "ratio_median": ratio(beside_times[name], sql_times[name])}
                   for name in todo}} if args.beside else {}),
               "response times straight from the reports (no histogram)": summary(direct), "plans": plans,
               "city_rounds": args.city_rounds, "recurrence, the city: places": city_places,
               "insight.keep_recurrence (both languages) s": keep_seconds,
               CITY_COMPUTED + " (SQL, one language)": summary(computed_times)}
    print(f"\n{reports:,} reports, {open_reports:,} open; histogram {histogram_rows:,} rows; {args.rounds} rounds")
    print(f"{'':28}{'SQL min/med/p95/max ms':>30}{'HTTP min/med/p95/max ms':>34}{'ratio':>8}{'bytes':>12}")
    for name, row in results["cases"].items():
        s, h = row["sql"], row["http"]
        print(f"{name:28}{s['min_ms']:8.1f}{s['median_ms']:8.1f}{s['p95_ms']:8.1f}{s['max_ms']:8.1f}"
              f"{h['min_ms']:10.1f}{h['median_ms']:8.1f}{h['p95_ms']:8.1f}{h['max_ms']:8.1f}"
              f"{row['ratio_median']:8.2f}{row['bytes']:12,}")
        if args.beside:
            b = results["beside_cases"][name]
            print(f"{'  --beside':28}{'':32}{b['http']['min_ms']:10.1f}{b['http']['median_ms']:8.1f}"
                  f"{b['http']['p95_ms']:8.1f}{b['http']['max_ms']:8.1f}{b['ratio_median']:8.2f}")
    d = results["response times straight from the reports (no histogram)"]
    print(f"Response times straight from the reports: {d['min_ms']:.0f}/{d['median_ms']:.0f}/{d['max_ms']:.0f} ms")
    c = results[CITY_COMPUTED + " (SQL, one language)"]
    print(f"Recurrence of the whole city: {city_places:,} places; its statement ({args.city_rounds} rounds) "
          f"{c['min_ms']:.0f}/{c['median_ms']:.0f}/{c['max_ms']:.0f} ms; the job keeping it in both languages "
          f"{keep_seconds:.2f} s")
    for name, plan in plans.items():
        print(f"Plan of {name}:\n  " + "\n  ".join(plan))
    out = ROOT / "bench" / "results" / "insight.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
