"""Benchmark of the job queue (jobs/): throughput of one worker, time from enqueue to start under a burst, and
a worker stopped while jobs keep coming, against bare SQL doing the same claims in the same run.

    .venv/bin/python bench/jobs_bench.py [--burst 1000] [--outage-seconds 600] [--outage-jobs 1000]

It works in a database of its own (DATABASE_URL's name + "_jobs_bench"). The reference is the claim loop by
hand through psycopg2: SELECT ... FOR UPDATE SKIP LOCKED, UPDATE, COMMIT per job, no Django. Saved to
bench/results/jobs.json.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from config.ensure_database import ensure_database  # noqa: E402
from config.settings import DATABASE_URL  # noqa: E402

BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_jobs_bench"
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX="jobs-bench", DEBUG="false",
           SECRET_KEY="bench-only-" + "x" * 50, LOG_LEVEL="WARNING")

ENQUEUE_SQL = """
INSERT INTO jobs_job (task, queue_name, args, state, run_at, attempts, key, last_error, created)
SELECT %s, 'default', jsonb_build_object('n', n), 'queued', now(), 0, '', '', now() FROM generate_series(1, %s) n
"""
# What the worker does per job, by hand: the reference.
CLAIM_SQL = """
SELECT id FROM jobs_job WHERE state = 'queued' AND run_at <= now() ORDER BY run_at, id LIMIT 1
FOR UPDATE SKIP LOCKED
"""
DONE_SQL = "UPDATE jobs_job SET state = 'done', attempts = attempts + 1, finished = now() WHERE id = %s"
LATENCY_SQL = """
SELECT count(*), min(finished), max(finished),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished - created)),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished - created)),
       count(*) FILTER (WHERE attempts <> 1)
FROM jobs_job WHERE task = %s AND state = 'done'
"""


def connect():
    db = common.connect(BENCH_URL)
    db.autocommit = True
    return db


def prepare():
    ensure_database(BENCH_URL)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)


def start_worker():
    """A worker process, returned once it is up (it says so on its first line)."""
    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--tasks", "bench.job_tasks"], cwd=ROOT,
                              env=ENV, stdout=subprocess.PIPE, text=True)
    worker.stdout.readline()
    return worker


def stop_worker(worker):
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)


def waiting(db, task):
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM jobs_job WHERE task = %s AND state = 'queued'", [task])
        return cursor.fetchone()[0]


def drain(db, task, label):
    """Until no job of `task` waits; seconds taken, with a progress line every 2 s."""
    started, shown = time.monotonic(), 0.0
    while (left := waiting(db, task)) > 0:
        if time.monotonic() - shown > 2:
            print(f"  {label}: {left} waiting, {time.monotonic() - started:.0f} s", flush=True)
            shown = time.monotonic()
        time.sleep(0.05)
    return time.monotonic() - started


def latency(db, task):
    with db.cursor() as cursor:
        cursor.execute(LATENCY_SQL, [task])
        count, first, last, p50, p95, repeated = cursor.fetchone()
    return {"done": count, "p50_s": round(p50, 3), "p95_s": round(p95, 3), "run_more_than_once": repeated,
            "seconds_first_to_last": round((last - first).total_seconds(), 3)}


def bare_sql(db, count):
    """The reference: the same claims through psycopg2 alone."""
    with db.cursor() as cursor:
        cursor.execute(ENQUEUE_SQL, ["bench.bare", count])
    db.autocommit = False
    started = time.monotonic()
    with db.cursor() as cursor:
        while True:
            cursor.execute(CLAIM_SQL)
            row = cursor.fetchone()
            if row is None:
                db.commit()
                break
            cursor.execute(DONE_SQL, row)
            db.commit()
    db.autocommit = True
    return count / (time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--outage-seconds", type=float, default=600)
    parser.add_argument("--outage-jobs", type=int, default=1000)
    args = parser.parse_args()
    prepare()
    db = connect()
    with db.cursor() as cursor:
        cursor.execute("TRUNCATE jobs_job")
    results = {"reference_jobs_per_s": round(bare_sql(db, args.burst), 1)}
    print(f"Bare SQL claims: {results['reference_jobs_per_s']} jobs/s")

    print(f"Burst: {args.burst} jobs enqueued at once to one waiting worker")
    worker = start_worker()
    with db.cursor() as cursor:
        cursor.execute(ENQUEUE_SQL, ["bench.noop", args.burst])
    drain(db, "bench.noop", "burst")
    stop_worker(worker)
    burst = latency(db, "bench.noop")
    burst["jobs_per_s"] = round(burst["done"] / burst["seconds_first_to_last"], 1)
    results["burst"] = burst
    print(f"  {burst['jobs_per_s']} jobs/s ({burst['jobs_per_s'] / results['reference_jobs_per_s']:.2f}x bare "
          f"SQL); enqueue to done p50 {burst['p50_s']} s, p95 {burst['p95_s']} s")

    print(f"Outage: no worker for {args.outage_seconds:.0f} s while {args.outage_jobs} jobs arrive one by one")
    gap, started = args.outage_seconds / args.outage_jobs, time.monotonic()
    with db.cursor() as cursor:
        for n in range(args.outage_jobs):
            cursor.execute(ENQUEUE_SQL, ["bench.late", 1])
            if n % 100 == 99:
                print(f"  {n + 1} enqueued, {time.monotonic() - started:.0f} s", flush=True)
            time.sleep(max(0.0, started + (n + 1) * gap - time.monotonic()))
    worker = start_worker()
    drained = drain(db, "bench.late", "after the outage")
    stop_worker(worker)
    outage = latency(db, "bench.late")
    outage.update(enqueued=args.outage_jobs, drained_in_s=round(drained, 2),
                  lost=args.outage_jobs - outage["done"])
    results["outage"] = outage
    print(f"  drained in {outage['drained_in_s']} s; {outage['done']} of {outage['enqueued']} done, "
          f"{outage['lost']} lost, {outage['run_more_than_once']} run more than once")
    out = ROOT / "bench" / "results" / "jobs.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
