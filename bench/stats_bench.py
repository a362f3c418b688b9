"""Benchmark of the statistics with a million reports: the page and its JSON cold, old and fresh, in the same run.

    .venv/bin/python bench/stats_bench.py [--runs 5]

Uses the database that bench/nearby_bench.py fills (run that first). Each path is asked
`runs` times cold (the kept figures removed from Redis before each request, so it counts),
old (STATS_CACHE_SECONDS=0: the kept figures are served while a thread counts again) and
fresh (kept, young). The reference is the heaviest single GROUP BY (reports per kelurahan)
as bare SQL. Saved to bench/results/stats.json.
"""

import argparse
import http.client
import json
import os
import sys
import time
from pathlib import Path

import dj_database_url
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, percentiles  # noqa: E402
from bench.nearby_bench import BENCH_URL, connect, manage  # noqa: E402
from config.settings import CACHES  # noqa: E402

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
    # The server's cache keys are prefixed with its database's name (config/settings.py); Django's version is 1.
    prefix = os.environ.get("CACHE_PREFIX") or dj_database_url.parse(BENCH_URL)["NAME"]
    store = redis.Redis.from_url(CACHES["default"]["LOCATION"])

    def drop_kept_figures():
        for key in store.scan_iter(f"{prefix}:1:reports:stats:*"):
            store.delete(key)

    timings = {}
    for kind, max_age in (("cold", "300"), ("old", "0"), ("fresh", "300")):
        drop_kept_figures()
        with gunicorn(DATABASE_URL=BENCH_URL, STATS_CACHE_SECONDS=max_age) as (port, _):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

            def get(path, client=client):
                start = time.perf_counter()
                client.request("GET", path)
                response = client.getresponse()
                response.read()
                assert response.status == 200, response.status
                return time.perf_counter() - start

            for path in ("/api/v1/stats.json", "/statistik/"):
                if kind != "cold":
                    get(path)  # counted once: from now on the figures are kept
                timings[f"{path} {kind}"] = []
                for _ in range(args.runs):
                    if kind == "cold":
                        drop_kept_figures()
                    timings[f"{path} {kind}"].append(get(path))
                print(f"  {path} {kind}: {args.runs} runs", flush=True)
    results = {"bare_sql_per_kelurahan": percentiles(sql), **{p: percentiles(t) for p, t in timings.items()}}
    for label, row in results.items():
        print(f"{label:32}{row['p50_ms']:10.1f} ms p50{row['p95_ms']:10.1f} ms p95")
    out = ROOT / "bench" / "results" / "stats.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
