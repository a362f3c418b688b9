"""Benchmark of the staff desk: the queue page (/meja/antrean/) and the counts endpoint (/meja/jumlah/), each
against the bare SQL it stands on, in the same run.

    .venv/bin/python bench/desk_bench.py [--reports 100000] [--requests 200] [--seed 7] [--vacuum]

The data is nearby_bench's (its database, DATABASE_URL's name + "_bench", and its generator: reports spread by
PostGIS over the city, a fifth of them new, one in a hundred hidden); a later run reuses it. A dispatcher with
an authenticator app and a verified session is made there, and two gunicorns (1 worker each, production
settings) are asked with that session's cookie: one as deployed (the counts kept DESK_COUNTS_CACHE_S, 10 s, in
Redis), one counting at every request (DESK_COUNTS_CACHE_S=0). In each of `--requests` rounds, interleaved so
that a figure and its reference meet the same load: the queue's two queries by hand through psycopg2, the queue
page, what a signed-in request reads before its view (session, user, authenticator device, groups) by hand, the
counts' one statement by hand, then the counts from each server. Reported: min, p50, p95, max (the first request
of each worker warms it and is left out), the load average, and the counts' plan. Saved to
bench/results/desk.json.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, percentiles  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()  # for the counts' statement itself (no query goes through Django here)
from desk.counts import WAITING_SQL  # noqa: E402

# The queue's rows by hand: the 50 oldest new public reports with their category and kelurahan, then their photos.
QUEUE_SQL = """
SELECT r.id, r.code, r.description, r.due_date, r.created, ST_X(r.location), ST_Y(r.location), c.name_id, k.name
FROM reports_report r JOIN reports_category c ON c.id = r.category_id JOIN geo_kelurahan k ON k.id = r.kelurahan_id
WHERE r.status = 'baru' AND NOT r.hidden ORDER BY r.created, r.id LIMIT 50
"""
PHOTOS_SQL = "SELECT id, thumbnail FROM reports_photo WHERE kind = 'resident' AND report_id = ANY(%s)"
# What every signed-in request of a dispatcher reads before its view runs (the session; then the user with the
# role's groups and django-otp's confirmed devices, accounts.backends.StaffBackend): the floor under any desk page,
# by hand.
SIGNED_IN_SQL = [
    "SELECT session_key, session_data, expire_date FROM django_session WHERE expire_date > now() AND session_key = %s",
    "SELECT u.*, ARRAY(SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id "
    "WHERE ug.user_id = u.id), ARRAY(SELECT d.id FROM otp_totp_totpdevice d WHERE d.user_id = u.id AND d.confirmed) "
    "FROM auth_user u WHERE u.id = %s",
]

# A dispatcher past both sign-in steps, as accounts/ leaves a session: printed is the session's key.
SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
user, _ = get_user_model().objects.get_or_create(username="bench-dispatcher")
user.groups.add(Group.objects.get(name="dispatcher"))
device, _ = TOTPDevice.objects.get_or_create(user=user, defaults={"name": "bench", "confirmed": True})
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
                HASH_SESSION_KEY: user.get_session_auth_hash(), DEVICE_ID_SESSION_KEY: device.persistent_id})
session.create()
print(user.pk, session.session_key)
"""


def dispatcher_session():
    env = dict(os.environ, DATABASE_URL=BENCH_URL, SECRET_KEY="bench-only")  # bench.common.gunicorn's key
    done = subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-c", SESSION], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    user, key = done.stdout.strip().splitlines()[-1].split()
    return int(user), key


def summary(seconds):
    return {"min_ms": min(seconds) * 1000, **percentiles(seconds), "max_ms": max(seconds) * 1000}


def plans_of(db, today):
    with db.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + WAITING_SQL, {"today": today, "next": today + timedelta(3)})
        plan = [row[0] for row in cursor.fetchall()]
    db.commit()
    return plan


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--vacuum", action="store_true",
                        help="VACUUM the reports and the kept counts first, as autovacuum would (the development "
                        "server runs without it)")
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_report")
        reports = cursor.fetchone()[0]
    db.commit()
    if args.vacuum:
        # As autovacuum leaves a table at rest: the visibility map set, so a count reads its partial index only;
        # the kept counts without the dead rows their triggers' updates left (one per report filled).
        db.autocommit = True
        with db.cursor() as cursor:
            for table in ("reports_report", "reports_reportcount", "reports_openduecount"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        db.autocommit = False
    user, key = dispatcher_session()
    cookie = f"sessionid={key}"
    today = date.today()
    plan = plans_of(db, today)
    times = {name: [] for name in ("queue_sql", "queue_page", "signed_in_sql", "counts_sql", "counts_cached",
                                   "counts_uncached")}

    def by_hand(name, statements):
        """The statements through psycopg2, timed as one; a statement may be a function of the rows before."""
        start = time.perf_counter()
        rows = None
        with db.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params(rows) if callable(params) else params)
                rows = cursor.fetchall()
        db.commit()
        times[name].append(time.perf_counter() - start)

    # Two servers: as deployed (the counts kept DESK_COUNTS_CACHE_S, 10 s), and counting at every request.
    with gunicorn(DATABASE_URL=BENCH_URL) as (port, _), \
            gunicorn(DATABASE_URL=BENCH_URL, DESK_COUNTS_CACHE_S="0") as (uncached_port, _):
        clients = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=60),
                   uncached_port: http.client.HTTPConnection("127.0.0.1", uncached_port, timeout=60)}

        def get(name, server, path):
            """One GET, timed; a kept-alive connection the server closed meanwhile (2 s idle) is opened again
            first, outside the time."""
            for attempt in range(2):
                start = time.perf_counter()
                try:
                    clients[server].request("GET", path, headers={"Cookie": cookie, "Accept-Language": "id"})
                    response = clients[server].getresponse()
                    break
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    clients[server].close()
                    if attempt:
                        raise
            response.read()
            assert response.status == 200, (path, response.status)
            if name:
                times[name].append(time.perf_counter() - start)

        for server in clients:  # the first request of each worker warms it: left out
            get(None, server, "/meja/antrean/")
            get(None, server, "/meja/jumlah/")
        # Interleaved rounds: each figure and its reference measured under the same moment's load.
        for index in range(args.requests):
            by_hand("queue_sql", [(QUEUE_SQL, None), (PHOTOS_SQL, lambda rows: [[row[0] for row in rows]])])
            get("queue_page", port, "/meja/antrean/")
            by_hand("signed_in_sql", [(SIGNED_IN_SQL[0], [key]), *((q, [user]) for q in SIGNED_IN_SQL[1:])])
            by_hand("counts_sql", [(WAITING_SQL, {"today": today, "next": today + timedelta(3)})])
            get("counts_cached", port, "/meja/jumlah/")
            get("counts_uncached", uncached_port, "/meja/jumlah/")
            if (index + 1) % 50 == 0:
                print(f"  {index + 1}/{args.requests} rounds", flush=True)

    results = {"reports": reports, "requests": args.requests, "vacuumed": args.vacuum,
               "load_average": os.getloadavg(), **{name: summary(values) for name, values in times.items()},
               "plan": plan}
    rows = [("queue: bare SQL (2 queries)", "queue_sql"), ("GET /meja/antrean/", "queue_page"),
            ("signed-in request: bare SQL (2)", "signed_in_sql"), ("counts: bare SQL (1 statement)", "counts_sql"),
            ("GET /meja/jumlah/ (kept 10 s)", "counts_cached"), ("GET /meja/jumlah/ (counted)", "counts_uncached")]
    print(f"\n{reports:,} reports{', vacuumed' if args.vacuum else ''}, load average "
          f"{results['load_average'][0]:.1f}\n{'':34}{'min ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, name in rows:
        figures = results[name]
        print(f"{label:34}{figures['min_ms']:9.2f}{figures['p50_ms']:9.2f}{figures['p95_ms']:9.2f}"
              f"{figures['max_ms']:9.2f}")
    print(f"Queue page p95 {results['queue_page']['p95_ms']:.1f} ms (goal <= 300), "
          f"{results['queue_page']['p95_ms'] / results['queue_sql']['p95_ms']:.1f}x its bare SQL; "
          f"counts p95 {results['counts_cached']['p95_ms']:.1f} ms kept, "
          f"{results['counts_uncached']['p95_ms']:.1f} ms counted (goal <= 50), "
          f"{results['counts_uncached']['p95_ms'] / results['counts_sql']['p95_ms']:.1f}x its bare SQL")
    print("Plan of the counts:\n  " + "\n  ".join(plan))
    out = ROOT / "bench" / "results" / "desk.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
