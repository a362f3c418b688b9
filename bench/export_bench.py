"""Benchmark of the GeoJSON and CSV exports, with the report's content, against ogr2ogr -sql and COPY csv.

    .venv/bin/python bench/export_bench.py [--reports 100000] [--rounds 5] [--seed 11] [--beside CHECKOUT]

It works in a database of its own (DATABASE_URL's name + "_export_bench"), made, migrated and loaded with the
kelurahan on first use, then filled by PostGIS (bench/nearby_bench.py's generator) and given what a planner's
export now carries: descriptions and addresses of a resident's length, answers for a third of the reports, the
history of every status change (verified, fixed, closed), 2 % merged as duplicates and 10 % forwarded to LAPOR!;
then vacuumed and analysed, as autovacuum would leave it. A later run reuses the data.

Measured through gunicorn (1 worker of 2 threads, as `make run`), after an unmeasured download of each export by
each of the worker's threads at once (the worker warm: its imports, each thread's database connection and the
compiled representation made): the whole download of GET
/api/v1/reports.geojson, .csv and .csv?dialect=excel-id, against `ogr2ogr -f GeoJSON -sql` and a bare
`COPY (...) TO STDOUT (FORMAT csv)` of the same columns, joins and subqueries (its bytes to /dev/null as they
come, without decoding them), both without JIT as the app's connections are. The rounds are interleaved (each
round runs every one of them once), so a busy moment of the shared machine falls on all of them; min, median and
max of the rounds, the ratios from the medians. Beside the wall time, the CPU time each download or COPY cost in
all (the bench database's PostgreSQL backends, the gunicorn workers and the bench's own process, the client, from
/proc/<pid>/stat): what a loaded machine changes far less. The worker's memory: its resident size before the
first download, after the warm-up and after the last, and its peak (VmHWM). With --beside, another checkout of
the project (say, before a change) is served by a worker of its own on the same database, and its downloads are
measured in the same rounds (named "... beside"). Saved to bench/results/export.json.
"""

import argparse
import http.client
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Not from config.settings: the bench's own database is set before anything reads the settings.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_export_bench"
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX="export-bench")

from bench import common  # noqa: E402
from bench.common import gunicorn, prepare_city  # noqa: E402
from bench.nearby_bench import fill  # noqa: E402

# What a planner's export carries beyond the generated rows, written once (the history is the marker).
CONTENT_SQL = """
UPDATE reports_report SET
    description = 'Jalan berlubang sedalam ' || (id % 40) || ' cm di depan rumah nomor ' || id
        || ', berbahaya bagi pengendara motor pada malam hari; air menggenang setelah hujan.',
    address = 'Jl. Sudirman No. ' || (id % 300) || ', Padang Panjang',
    attributes = CASE WHEN id % 3 = 0 THEN '{"kedalaman": "dalam", "lebar_cm": 40}'::jsonb ELSE '{}'::jsonb END;
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
    SELECT id, 'baru', 'diverifikasi', '', true, created + interval '1 day' FROM reports_report WHERE status <> 'baru';
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
    SELECT id, 'diverifikasi', 'selesai', 'Sudah ditambal.', true, fixed_at FROM reports_report
    WHERE fixed_at IS NOT NULL;
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
    SELECT id, 'selesai', 'ditutup', '', true, fixed_at + interval '3 days' FROM reports_report
    WHERE status = 'ditutup';
UPDATE reports_report r SET status = 'duplikat', duplicate_of_id = r.id - 1 WHERE r.id % 50 = 1
    AND EXISTS (SELECT 1 FROM reports_report o WHERE o.id = r.id - 1);
INSERT INTO reports_statuschange (report_id, from_status, to_status, note, public, created)
    SELECT id, 'baru', 'duplikat', '', true, created + interval '2 days' FROM reports_report WHERE status = 'duplikat';
INSERT INTO forwarding_link (kind, name, url, api_key, jurisdiction_id, personal_data, pause_reason)
    VALUES ('lapor', 'LAPOR!-SP4N', '', '', '', 'none', '') ON CONFLICT DO NOTHING;
INSERT INTO forwarding_forwarding (report_id, link_id, code, inbound, external_id, token, check_category, created,
                                   partner_status, partner_updated)
    SELECT r.id, l.id, 'T-JALAN', false, 'LAPOR-' || r.id, '', false, r.created, '', ''
    FROM reports_report r, forwarding_link l WHERE l.kind = 'lapor' AND r.id % 10 = 0;
ANALYZE reports_report; ANALYZE reports_statuschange; ANALYZE forwarding_forwarding;
"""

# The references select what a visitor's export holds (representation.EXPORT), with the same joins and the same
# subqueries (the LAPOR! ID, the duplicate's code and the photos' addresses), each moment as the report keeps it,
# and the same condition (public: neither hidden nor private).
COLUMNS = """r.code, c.slug AS category, c.name_id AS category_name, r.status, r.description, r.address,
    r.attributes AS answers, r.created,
    r.verified_at AS verified, r.fixed_at AS fixed, r.closed_at AS closed,
    r.updated, round((extract(epoch FROM r.fixed_at - r.created) / 86400)::numeric, 1) AS days_to_fix, r.due_date,
    r.status IN ('baru', 'diverifikasi', 'dikerjakan') AND r.due_date < current_date AS overdue,
    (SELECT d.code FROM reports_report d WHERE d.id = r.duplicate_of_id) AS duplicate_of,
    (SELECT f.external_id FROM forwarding_forwarding f JOIN forwarding_link l ON l.id = f.link_id
     WHERE f.report_id = r.id AND l.kind = 'lapor' AND f.external_id <> '') AS lapor_tracking_id,
    r.asset_id, coalesce((SELECT a.identifier FROM assets_asset a WHERE a.id = r.asset_id), '') AS asset_identifier,
    k.code AS kelurahan_code, k.name AS kelurahan, kc.code AS kecamatan_code, kc.name AS kecamatan,
    coalesce(cr.name, '') AS crew, coalesce(o.name, '') AS office, r.support_count,
    (SELECT coalesce(string_agg('http://127.0.0.1/media/' || p.image, ' ' ORDER BY p.position), '')
     FROM reports_photo p WHERE p.report_id = r.id AND p.published) AS photos,
    'http://127.0.0.1/laporan/' || r.code || '/' AS url"""
TABLES = """reports_report r JOIN reports_category c ON c.id = r.category_id
    JOIN geo_kelurahan k ON k.id = r.kelurahan_id JOIN geo_kecamatan kc ON kc.id = k.kecamatan_id
    LEFT JOIN geo_crew cr ON cr.id = r.crew_id LEFT JOIN offices_office o ON o.id = r.office_id
    WHERE NOT r.hidden AND NOT r.private"""


# The worker's threads (bench.common.gunicorn's default, as `make run`'s workers are threaded).
THREADS = 2

# The references run as the app's connections do (config/settings.py): without JIT, which on 100,000 rows spent
# half of a bare COPY's time compiling.
NO_JIT = "-c jit=off"


def connect():
    return common.connect(BENCH_URL, NO_JIT)


def prepare(reports, seed):
    prepare_city(BENCH_URL, ENV)
    db = connect()
    fill(db, reports, seed)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_statuschange")
        if not cursor.fetchone()[0]:
            print("  writing descriptions, addresses, answers, histories, duplicates and LAPOR! IDs", flush=True)
            cursor.execute(CONTENT_SQL)
            # The moments the report keeps (verified_at, closed_at), from that history as the migration fills them.
            cursor.execute(importlib.import_module("reports.migrations.0021_moments_on_the_report").BACKFILL)
    db.commit()
    # As autovacuum leaves a table (it may be off on a bench's server: then the filling's 180,000 dead rows, read
    # through by the primary key's index, cost the exports' ordered reading twice the pages it needs).
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return db


def worker(master_pid):
    """The process id of the gunicorn worker."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    for _ in range(300):  # the master listens before its worker is forked
        if children.read_text().split():
            break
        time.sleep(0.1)
    return int(children.read_text().split()[0])


def worker_memory(master_pid):
    """(resident MiB, peak resident MiB) of the gunicorn worker."""
    status = Path(f"/proc/{worker(master_pid)}/status").read_text()
    return tuple(int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024 for field in ("VmRSS", "VmHWM"))


def cpu_seconds(pid):
    """User and system CPU time a process has spent (0 for one that is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_spent(db, workers):
    """CPU seconds spent so far by each of the bench database's PostgreSQL backends (the bench's own too: the bare
    COPY's), the gunicorn workers and this process (the client, as 0), by process id."""
    with db.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        backends = [pid for pid, in cursor.fetchall()]
    return {pid: cpu_seconds(pid) for pid in [*backends, *workers]} | {0: time.process_time()}


def cpu_between(before, after):
    """What the processes of `after` spent since `before`: a backend that started meanwhile counts whole, one that
    ended meanwhile (ogr2ogr's, the round before) not at all."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def download(port, path):
    """(seconds, bytes) of one GET, read to the end."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    client.request("GET", path)
    response = client.getresponse()
    assert response.status == 200, (path, response.status)
    size = 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
    return time.perf_counter() - start, size


def ogr2ogr(folder):
    params = dj_database_url.parse(BENCH_URL)
    out = Path(folder) / "ogr.geojson"
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), f"PG:dbname={params['NAME']} host={params['HOST']}",
                    "-sql", f"SELECT {COLUMNS}, r.location FROM {TABLES}"], check=True, capture_output=True,
                   env=dict(os.environ, PGOPTIONS=NO_JIT))
    return time.perf_counter() - start, out.stat().st_size


def copy_csv(db):
    start = time.perf_counter()
    with db.cursor() as cursor, open("/dev/null", "wb") as sink:
        cursor.copy_expert(f"COPY (SELECT ST_X(r.location), ST_Y(r.location), {COLUMNS} FROM {TABLES}) "
                           "TO STDOUT (FORMAT csv, HEADER)", sink)
    return time.perf_counter() - start, None


def spread(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--beside", help="another checkout of the project (say, before a change): its exports are "
                                         "downloaded in the same rounds from a worker of its own")
    args = parser.parse_args()
    db = prepare(args.reports, args.seed)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_report WHERE NOT hidden")
        count = cursor.fetchone()[0]
    print(f"{count:,} public reports in {dj_database_url.parse(BENCH_URL)['NAME']}; {args.rounds} rounds; "
          f"load average {os.getloadavg()}")

    paths = {"geojson": "/api/v1/reports.geojson", "csv": "/api/v1/reports.csv",
             "csv_excel_id": "/api/v1/reports.csv?dialect=excel-id"}
    servers = {"": None, **({" beside": args.beside} if args.beside else {})}  # name's suffix: checkout
    times = {name + suffix: [] for name in paths for suffix in servers} | {"ogr2ogr_sql": [], "copy_csv": []}
    sizes = {}
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        ports, masters = {}, {}
        for suffix, root in servers.items():
            ports[suffix], masters[suffix] = stack.enter_context(gunicorn(
                threads=THREADS, **({"root": root} if root else {}), DATABASE_URL=BENCH_URL,
                CACHE_PREFIX="export-bench" + suffix.replace(" ", "-")))
        cold = {suffix: worker_memory(master.pid) for suffix, master in masters.items()}
        # Warm-up, unmeasured: each of the worker's threads downloads each export once, at the same time as the
        # other, so that every thread has paid its imports, its own database connection (a new PostgreSQL backend
        # reads its catalogues) and the compiled representation before the rounds: one download at a time can warm
        # one thread only (issue 30 saw a first byte of 0.6-0.8 s in the rounds; not measured again here).
        started = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            for port in ports.values():
                for path in paths.values():
                    list(pool.map(download, [port] * THREADS, [path] * THREADS))
        warm = {suffix: worker_memory(master.pid) for suffix, master in masters.items()}
        print(f"  warm-up: each export downloaded by each of the worker's {THREADS} threads, unmeasured "
              f"({time.perf_counter() - started:.1f} s)", flush=True)
        references = {"ogr2ogr_sql": lambda: ogr2ogr(folder), "copy_csv": lambda: copy_csv(db)}
        workers = [worker(master.pid) for master in masters.values()]
        cpu = {name: [] for name in times if name != "ogr2ogr_sql"}  # ogr2ogr's backend is gone once it is done

        def measured(name, run):
            before = cpu_spent(db, workers)
            seconds, size = run()
            if name in cpu:
                cpu[name].append(cpu_between(before, cpu_spent(db, workers)))
            times[name].append(seconds)
            if size:
                sizes[name] = size

        for number in range(1, args.rounds + 1):
            for name, path in paths.items():
                for suffix, port in ports.items():
                    measured(name + suffix, lambda: download(port, path))  # noqa: B023 (run at once)
            for name, run in references.items():
                measured(name, run)
            print(f"  round {number}/{args.rounds}: " + ", ".join(f"{name} {values[-1]:.2f} s"
                                                                  for name, values in times.items()), flush=True)
        after = {suffix: worker_memory(master.pid) for suffix, master in masters.items()}

    results = {"reports": count, "rounds": args.rounds, "load_average_after": os.getloadavg(),
               "seconds": {name: spread(v) for name, v in times.items()}, "bytes": sizes,
               "cpu_seconds": {name: spread(v) for name, v in cpu.items()},
               "worker_mib": {f"worker{suffix}": {"idle": cold[suffix][0], "after_warm_up": warm[suffix][0],
                                                  "after_rounds": after[suffix][0], "peak": after[suffix][1]}
                              for suffix in servers},
               **({"beside": args.beside} if args.beside else {})}
    median = {name: statistics.median(values) for name, values in times.items()}
    results["ratios"] = {}
    for suffix in servers:
        results["ratios"] |= {
            f"geojson{suffix}_vs_ogr2ogr": median["geojson" + suffix] / median["ogr2ogr_sql"],
            f"csv{suffix}_vs_copy": median["csv" + suffix] / median["copy_csv"],
            f"csv_excel_id{suffix}_vs_copy": median["csv_excel_id" + suffix] / median["copy_csv"],
        }
    cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
    results["cpu_ratios"] = {f"{name}_vs_copy": cpu_median[name] / cpu_median["copy_csv"]
                             for name in cpu if name.startswith("csv")}
    print()
    for name, values in times.items():
        print(f"  {name:>19}: min {min(values):.2f} s, median {median[name]:.2f} s, max {max(values):.2f} s"
              + (f", {sizes[name] / 1e6:.0f} MB" if name in sizes else ""))
    print("\nCPU (PostgreSQL's backends, the gunicorn workers and the client), seconds:")
    for name, values in cpu.items():
        print(f"  {name:>19}: min {min(values):.2f} s, median {cpu_median[name]:.2f} s, max {max(values):.2f} s"
              + (f", {cpu_median[name] / cpu_median['copy_csv']:.2f}x the bare COPY's" if name.startswith("csv")
                 else ""))
    ratios = results["ratios"]
    for suffix in servers:
        memory = results["worker_mib"][f"worker{suffix}"]
        print(f"\n{'Beside: ' if suffix else ''}GeoJSON {ratios[f'geojson{suffix}_vs_ogr2ogr']:.2f}x ogr2ogr -sql "
              f"(goal <= 1.0x); CSV {ratios[f'csv{suffix}_vs_copy']:.2f}x, excel-id "
              f"{ratios[f'csv_excel_id{suffix}_vs_copy']:.2f}x COPY csv (goal <= 1.1x); worker "
              f"{memory['after_warm_up']:.0f} MiB after the warm-up, {memory['after_rounds']:.0f} MiB after the "
              f"rounds, peak {memory['peak']:.0f} MiB")
    print(f"load average after: {os.getloadavg()}")
    out = ROOT / "bench" / "results" / "export.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
