"""Benchmark of the statistics with a million reports: the page and its JSON uncached, in the same run.

    .venv/bin/python bench/stats_bench.py [--runs 5]

Uses the database that bench/nearby_bench.py fills (run that first), with the cache
switched off (STATS_CACHE_SECONDS=0) so every request counts again; the reference is
the heaviest single GROUP BY (reports per kelurahan) as bare SQL. Saved to
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

PER_KELURAHAN_SQL = """
SELECT k.code, count(r.id), count(r.id) FILTER (WHERE r.status IN ('baru', 'diverifikasi', 'dikerjakan'))
FROM geo_kelurahan k LEFT JOIN reports_report r ON r.kelurahan_id = k.id AND NOT r.hidden
GROUP BY k.code
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    manage("migrate", "--noinput", "-v0")
    db = connect()
    sql = []
    with db.cursor() as cursor:
        for _ in range(args.runs):
            start = time.perf_counter()
            cursor.execute(PER_KELURAHAN_SQL)
            cursor.fetchall()
            sql.append(time.perf_counter() - start)
    timings = {}
    with gunicorn(DATABASE_URL=BENCH_URL, STATS_CACHE_SECONDS="0") as (port, _):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for path in ("/api/v1/stats.json", "/statistik/"):
            timings[path] = []
            for _ in range(args.runs):
                start = time.perf_counter()
                client.request("GET", path)
                response = client.getresponse()
                response.read()
                assert response.status == 200, response.status
                timings[path].append(time.perf_counter() - start)
            print(f"  {path}: {args.runs} runs", flush=True)
    results = {"bare_sql_per_kelurahan": percentiles(sql), **{p: percentiles(t) for p, t in timings.items()}}
    for label, row in results.items():
        print(f"{label:28}{row['p50_ms']:10.0f} ms p50{row['p95_ms']:10.0f} ms p95")
    out = ROOT / "bench" / "results" / "stats.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
