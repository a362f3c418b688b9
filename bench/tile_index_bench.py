"""What the tiles' index (tiles/migrations/0004) costs at write time: filing a report, a support, a status change,
with the index and without it, in the same run.

    .venv/bin/python bench/tile_index_bench.py [--reports 1000000] [--writes 200] [--rounds 3] [--seed 7]

Uses the database of bench/nearby_bench.py (DATABASE_URL's name + "_bench"), made and filled the same way when
missing. Each round writes, one statement per transaction as the site does (the tiles' triggers included; the
commits not waiting for the disk):
`--writes` new reports (a copy of a random report's row under a new code), as many supports (`support_count + 1`
of a random public report) and status changes, once with the index and once without it (dropped, then built
again; a CHECKPOINT before each block), the order turning each round. p50 and p95 per kind, the ratio with /
without of each round's p50 (min / median / max), how many updates were HOT (no index entry written), and the
index's size against the table's and the 2-D location index's. The reports it filed are deleted at the end; the
index is left built.
"""

import argparse
import os
import random
import statistics
import sys
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentiles  # noqa: E402
from bench.nearby_bench import prepare  # noqa: E402

MIGRATION = import_module("tiles.migrations.0004_public_points_index")
INDEX = MIGRATION.INDEX
CREATE_INDEX = MIGRATION.Migration.operations[0].sql
COPIED = ("client_uuid, private_token, category_id, location, kelurahan_id, crew_id, routing_problem, address, "
          "description, attributes, status, due_date, reporter_name, reporter_phone, reporter_email, show_name, "
          "support_count, hidden, created, updated, version, fixed_at, reporter_device")
FILE = (f"INSERT INTO reports_report (code, {COPIED}) SELECT %(code)s, gen_random_uuid(), "
        f"{COPIED.split(', ', 1)[1]} FROM reports_report WHERE id = %(id)s")
SUPPORT = "UPDATE reports_report SET support_count = support_count + 1 WHERE id = %(id)s"
STATUS = ("UPDATE reports_report SET status = CASE status WHEN 'baru' THEN 'diverifikasi' ELSE 'baru' END, "
          "version = version + 1 WHERE id = %(id)s")
CODE_PREFIX = "IDXB-"


def hot_updates(cursor):
    cursor.execute("SELECT pg_stat_force_next_flush()")
    cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'reports_report'")
    return cursor.fetchone()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=200, help="writes of each kind per block")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    db.autocommit = True
    cursor = db.cursor()
    cursor.execute("SET jit = off")
    # Not the commit's flush to disk: the same with the index or without it, and on a shared disk it varied from 3
    # to 30 ms a write from one block to the next, hiding the index's own cost (its entries, their WAL).
    cursor.execute("SET synchronous_commit = off")
    cursor.execute("DELETE FROM reports_report WHERE code LIKE %s", [CODE_PREFIX + "%"])  # an interrupted run's
    cursor.execute("SELECT min(id), max(id) FROM reports_report WHERE NOT hidden AND NOT private")
    low, high = cursor.fetchone()
    rng = random.Random(args.seed)
    times = {(kind, indexed): [] for kind in ("file", "support", "status") for indexed in (True, False)}
    ratios = {kind: [] for kind in ("file", "support", "status")}
    hot = {True: [0, 0], False: [0, 0]}
    filed = 0
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    for round_ in range(args.rounds):
        for indexed in ((True, False) if round_ % 2 == 0 else (False, True)):
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
            if indexed:
                started = time.perf_counter()
                cursor.execute(CREATE_INDEX)
                print(f"  round {round_ + 1}: index built in {time.perf_counter() - started:.1f} s", flush=True)
            # Building the index writes its size in WAL: flushed before the block, or the block's commits wait
            # for it (each write's own commit is part of what is measured).
            cursor.execute("CHECKPOINT")
            block = {kind: [] for kind in ("file", "support", "status")}
            upd, hot_upd = hot_updates(cursor)
            for _ in range(args.writes):
                for kind, sql in (("file", FILE), ("support", SUPPORT), ("status", STATUS)):
                    params = {"id": rng.randint(low, high), "code": f"{CODE_PREFIX}{filed}"}
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    block[kind].append(time.perf_counter() - started)
                    filed += kind == "file"
            upd_after, hot_after = hot_updates(cursor)
            hot[indexed][0] += upd_after - upd
            hot[indexed][1] += hot_after - hot_upd
            for kind, seconds in block.items():
                times[kind, indexed] += seconds
            print(f"  round {round_ + 1}, {'with' if indexed else 'without'} the index: "
                  + ", ".join(f"{kind} p50 {statistics.median(s) * 1000:.2f} ms" for kind, s in block.items()),
                  flush=True)
            if indexed:
                kept = block
            else:
                dropped = block
        for kind in ratios:
            ratios[kind].append(statistics.median(kept[kind]) / statistics.median(dropped[kind]))
    cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    cursor.execute(CREATE_INDEX)
    cursor.execute("DELETE FROM reports_report WHERE code LIKE %s", [CODE_PREFIX + "%"])
    cursor.execute("SELECT pg_size_pretty(pg_relation_size(%s::regclass)), pg_size_pretty(pg_relation_size("
                   "'reports_report')), pg_size_pretty(pg_relation_size('reports_report_location_3e990299_id'))",
                   [INDEX])
    index_size, table_size, location_size = cursor.fetchone()
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"\n{args.reports:,} reports, {args.rounds} rounds of {args.writes} writes of each kind per block")
    print(f"{'write':>8}{'with p50 / p95 ms':>20}{'without p50 / p95 ms':>23}"
          f"{'with / without, min / median / max':>38}")
    for kind, each in ratios.items():
        with_, without = percentiles(times[kind, True]), percentiles(times[kind, False])
        print(f"{kind:>8}{with_['p50_ms']:11.2f} /{with_['p95_ms']:6.2f}{without['p50_ms']:14.2f} /"
              f"{without['p95_ms']:6.2f}{min(each):20.2f} / {statistics.median(each):.2f} / {max(each):.2f}")
    for indexed, (updates, hots) in hot.items():
        print(f"HOT updates {'with' if indexed else 'without'} the index: {hots} of {updates}")
    print(f"Sizes: {INDEX} {index_size}, the table {table_size}, the 2-D location index {location_size}")


if __name__ == "__main__":
    main()
