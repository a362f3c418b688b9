"""Benchmark of the staff desk: the queue page (/meja/antrean/) and the counts endpoint (/meja/jumlah/), each
against the bare SQL it stands on, in the same run.

    .venv/bin/python bench/desk_bench.py [--reports 100000] [--requests 200] [--seed 7] [--vacuum]

The data is nearby_bench's (its database, DATABASE_URL's name + "_bench", and its generator: reports spread by
PostGIS over the city, a fifth of them new, one in a hundred hidden); a later run reuses it. A dispatcher with
an authenticator app and a verified session is made there, and gunicorn (1 worker, production settings) is
asked with that session's cookie. Measured: the server's time for each page and count (p50, p95; the first
request warms the worker and is left out), the same queries by hand through psycopg2, and the counts' plans.
Saved to bench/results/desk.json.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, percentiles  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402

# The queue's rows by hand: the 50 oldest new public reports with their category and kelurahan, then their photos.
QUEUE_SQL = """
SELECT r.id, r.code, r.description, r.due_date, r.created, ST_X(r.location), ST_Y(r.location), c.name_id, k.name
FROM reports_report r JOIN reports_category c ON c.id = r.category_id JOIN geo_kelurahan k ON k.id = r.kelurahan_id
WHERE r.status = 'baru' AND NOT r.hidden ORDER BY r.created, r.id LIMIT 50
"""
PHOTOS_SQL = "SELECT id, thumbnail FROM reports_photo WHERE kind = 'resident' AND report_id = ANY(%s)"
# Each count of the desk's home by hand (desk.counts): the kept counts, the partial indexes.
COUNTS_SQL = {
    "baru": "SELECT sum(count) FROM reports_reportcount WHERE status = 'baru'",
    "dibuka_lagi": """SELECT count(*) FROM reports_report WHERE id IN (
        SELECT c.report_id FROM reports_statuschange c JOIN reports_report r ON r.id = c.report_id
        WHERE c.by_id IS NULL AND c.to_status = 'diverifikasi' AND c.from_status IN ('selesai', 'ditutup')
        AND r.status = 'diverifikasi' AND NOT EXISTS (
            SELECT 1 FROM reports_statuschange l WHERE l.report_id = c.report_id AND l.id > c.id))""",
    "terlambat": "SELECT sum(count) FROM reports_openduecount WHERE due_date < current_date",
    "jatuh_tempo": "SELECT sum(count) FROM reports_openduecount WHERE due_date BETWEEN current_date AND "
                   "current_date + 3",
    "foto": "SELECT count(*) FROM reports_photo WHERE NOT published",
    "lokasi": "SELECT count(*) FROM forwarding_disposition WHERE state = 'location'",
    "dijeda": "SELECT count(*) FROM forwarding_link WHERE paused_since IS NOT NULL",
    "gagal_kirim": "SELECT count(*) FROM jobs_job WHERE state = 'queued' AND task = 'forwarding.deliver' "
                   "AND attempts > 0",
}

# A dispatcher past both sign-in steps, as accounts/ leaves a session: printed is the session's key.
SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
user, _ = get_user_model().objects.get_or_create(username="bench-dispatcher")
user.groups.add(Group.objects.get(name="dispatcher"))
device, _ = TOTPDevice.objects.get_or_create(user=user, defaults={"name": "bench", "confirmed": True})
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(), DEVICE_ID_SESSION_KEY: device.persistent_id})
session.create()
print(session.session_key)
"""


def dispatcher_session():
    env = dict(os.environ, DATABASE_URL=BENCH_URL, SECRET_KEY="bench-only")  # bench.common.gunicorn's key
    done = subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-c", SESSION], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def timed_sql(db, runs):
    """Seconds of the queue's two queries, and of the eight counts together, `runs` times each."""
    queue, counts = [], []
    with db.cursor() as cursor:
        for _ in range(runs):
            start = time.perf_counter()
            cursor.execute(QUEUE_SQL)
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(PHOTOS_SQL, [ids])
            cursor.fetchall()
            queue.append(time.perf_counter() - start)
            start = time.perf_counter()
            for sql in COUNTS_SQL.values():
                cursor.execute(sql)
                cursor.fetchone()
            counts.append(time.perf_counter() - start)
        plans = {}
        for name, sql in COUNTS_SQL.items():
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
            plans[name] = [row[0] for row in cursor.fetchall()]
    db.commit()
    return queue, counts, plans


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--vacuum", action="store_true", help="VACUUM the reports first, as autovacuum would")
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_report")
        reports = cursor.fetchone()[0]
    db.commit()
    if args.vacuum:
        # As autovacuum leaves a table at rest: the visibility map set, so a count reads its partial index only.
        db.autocommit = True
        with db.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) reports_report")
        db.autocommit = False
    cookie = f"sessionid={dispatcher_session()}"
    sql_queue, sql_counts, plans = timed_sql(db, args.requests)

    with gunicorn(DATABASE_URL=BENCH_URL) as (port, _):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def timed(path):
            times = []
            for index in range(args.requests + 1):
                start = time.perf_counter()
                client.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "id"})
                response = client.getresponse()
                response.read()
                assert response.status == 200, (path, response.status)
                if index:
                    times.append(time.perf_counter() - start)
            return times

        page_times, count_times = timed("/meja/antrean/"), timed("/meja/jumlah/")

    results = {"reports": reports, "requests": args.requests, "vacuumed": args.vacuum,
               "queue_sql": percentiles(sql_queue), "queue_page": percentiles(page_times),
               "counts_sql": percentiles(sql_counts), "counts_endpoint": percentiles(count_times), "plans": plans}
    print(f"\n{reports:,} reports{', vacuumed' if args.vacuum else ''}\n{'':34}{'p50 ms':>10}{'p95 ms':>10}")
    for label, key in [("queue: bare SQL (2 queries)", "queue_sql"), ("GET /meja/antrean/", "queue_page"),
                       ("counts: bare SQL (8 queries)", "counts_sql"), ("GET /meja/jumlah/", "counts_endpoint")]:
        print(f"{label:34}{results[key]['p50_ms']:10.2f}{results[key]['p95_ms']:10.2f}")
    print(f"Queue page p95 {results['queue_page']['p95_ms']:.1f} ms (goal <= 300), "
          f"{results['queue_page']['p95_ms'] / results['queue_sql']['p95_ms']:.1f}x its bare SQL; "
          f"counts p95 {results['counts_endpoint']['p95_ms']:.1f} ms (goal <= 50), "
          f"{results['counts_endpoint']['p95_ms'] / results['counts_sql']['p95_ms']:.1f}x its bare SQL")
    for name, plan in plans.items():
        print(f"Plan of {name}:\n  " + "\n  ".join(plan))
    out = ROOT / "bench" / "results" / "desk.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
