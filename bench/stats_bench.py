"""Benchmark of the statistics with a million reports: the page and its JSON against a single GROUP BY, in the same run.

    .venv/bin/python bench/stats_bench.py [--runs 20]

Uses the database that bench/nearby_bench.py fills (run that first). Nothing is cached: each request reads the
counts the triggers keep (reports.stats). The reference is the heavier of two single GROUP BYs over the reports as
bare SQL, the ones the statistics ran before the counts were kept: reports per kelurahan, and the median days to
fix per kelurahan and main category. Also timed: one report's status change with and without the counting
triggers (each in a transaction rolled back), what keeping the counts costs a change. Saved to
bench/results/stats.json.
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
from bench.nearby_bench import BENCH_URL, connect, manage  # noqa: E402

GROUP_BYS = {
    "per_kelurahan": """
        SELECT k.code, count(r.id), count(r.id) FILTER (WHERE r.status IN ('baru', 'diverifikasi', 'dikerjakan'))
        FROM geo_kelurahan k LEFT JOIN reports_report r ON r.kelurahan_id = k.id AND NOT r.hidden
        GROUP BY k.code
    """,
    "median_days": """
        SELECT r.kelurahan_id, coalesce(c.parent_id, c.id),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.fixed_at - r.created) / 86400.0)
        FROM reports_report r JOIN reports_category c ON c.id = r.category_id
        WHERE NOT r.hidden AND r.fixed_at IS NOT NULL GROUP BY 1, 2
    """,
}
STATUS_CHANGE_SQL = "UPDATE reports_report SET status = 'dikerjakan' WHERE code = %s"


def timed(cursor, sql, params=None):
    start = time.perf_counter()
    cursor.execute(sql, params)
    if cursor.description:
        cursor.fetchall()
    return time.perf_counter() - start


def status_changes(db, runs, counted):
    """One report's status change, `runs` times (a different report each), rolled back; without the counting
    trigger when not `counted` (disabled inside the same rolled-back transaction)."""
    seconds = []
    with db.cursor() as cursor:
        for n in range(runs):
            if not counted:
                cursor.execute("ALTER TABLE reports_report DISABLE TRIGGER reports_count_update")
            seconds.append(timed(cursor, STATUS_CHANGE_SQL, (f"B-{1000 + 5 * n}",)))  # n % 5 == 0: 'baru'
            db.rollback()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    manage("migrate", "--noinput", "-v0")
    db = connect()
    results = {}
    with db.cursor() as cursor:
        for name, sql in GROUP_BYS.items():
            results[f"bare SQL {name}"] = percentiles([timed(cursor, sql) for _ in range(args.runs)])
    db.rollback()
    results["status change, counted"] = percentiles(status_changes(db, args.runs, counted=True))
    results["status change, not counted"] = percentiles(status_changes(db, args.runs, counted=False))

    with gunicorn(DATABASE_URL=BENCH_URL) as (port, _):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for path in ("/api/v1/stats.json", "/statistik/"):
            seconds = []
            for _ in range(args.runs + 1):  # the first warms the worker (imports, templates) and is not counted
                start = time.perf_counter()
                client.request("GET", path)
                response = client.getresponse()
                response.read()
                assert response.status == 200, response.status
                seconds.append(time.perf_counter() - start)
            results[path] = percentiles(seconds[1:])
    reference = max(results[f"bare SQL {name}"]["p50_ms"] for name in GROUP_BYS)
    for label, row in results.items():
        print(f"{label:32}{row['p50_ms']:10.1f} ms p50{row['p95_ms']:10.1f} ms p95")
    for path in ("/api/v1/stats.json", "/statistik/"):
        print(f"{path}: {results[path]['p50_ms'] / reference:.3f}x the heaviest GROUP BY (p50)")
    out = ROOT / "bench" / "results" / "stats.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
