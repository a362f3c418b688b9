"""Benchmark of the GeoJSON and CSV exports of a million reports against ogr2ogr -sql and COPY csv, in the same run.

    .venv/bin/python bench/export_bench.py

Uses the database that bench/nearby_bench.py fills (run that first). Measures the
whole download of GET /api/v1/reports.geojson and .csv through gunicorn (1 worker): time
to the first byte, total time, bytes, and the worker's peak memory; against
`ogr2ogr -f GeoJSON -sql` and `COPY ... TO STDOUT (FORMAT csv)` of the same columns and joins.
Saved to bench/results/export.json.
"""

import http.client
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn  # noqa: E402
from bench.nearby_bench import BENCH_URL, connect  # noqa: E402


def peak_mib(master_pid):
    child = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()[0]
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{child}/status").read_text()).group(1)) / 1024


# The references select what the export holds (representation.EXPORT), with the same joins and the same
# subquery for the photos' addresses.
COLUMNS = """r.code, c.slug AS category, c.name_id AS category_name, r.status, r.created, r.updated, r.due_date,
    r.status IN ('baru', 'diverifikasi', 'dikerjakan') AND r.due_date < current_date AS overdue,
    k.code AS kelurahan_code, k.name AS kelurahan, kc.code AS kecamatan_code, kc.name AS kecamatan,
    coalesce(cr.name, '') AS crew, r.support_count,
    (SELECT coalesce(string_agg('http://127.0.0.1/media/' || p.image, ' ' ORDER BY p.position), '')
     FROM reports_photo p WHERE p.report_id = r.id) AS photos"""
TABLES = """reports_report r JOIN reports_category c ON c.id = r.category_id
    JOIN geo_kelurahan k ON k.id = r.kelurahan_id JOIN geo_kecamatan kc ON kc.id = k.kecamatan_id
    LEFT JOIN geo_crew cr ON cr.id = r.crew_id WHERE NOT r.hidden"""


def download(port, path):
    """(seconds, seconds to the first byte, bytes) of one GET, read to the end."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    client.request("GET", path)
    response = client.getresponse()
    size = len(response.read(1))
    first_byte = time.perf_counter() - start
    while chunk := response.read(1 << 20):
        size += len(chunk)
    return time.perf_counter() - start, first_byte, size


def main():
    db = connect()
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_report WHERE NOT hidden")
        count = cursor.fetchone()[0]
    print(f"{count:,} public reports in {dj_database_url.parse(BENCH_URL)['NAME']}")

    with gunicorn(DATABASE_URL=BENCH_URL) as (port, server):
        api_seconds, first_byte, size = download(port, "/api/v1/reports.geojson")
        csv_seconds, _, csv_size = download(port, "/api/v1/reports.csv")
        api_peak = peak_mib(server.pid)
    print(f"  API GeoJSON: {size / 1e6:.0f} MB in {api_seconds:.1f} s")
    print(f"  API CSV: {csv_size / 1e6:.0f} MB in {csv_seconds:.1f} s")

    params = dj_database_url.parse(BENCH_URL)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "ogr.geojson"
        start = time.perf_counter()
        subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), f"PG:dbname={params['NAME']} host={params['HOST']}",
                        "-sql", f"SELECT {COLUMNS}, r.location FROM {TABLES}"], check=True, capture_output=True)
        ogr_seconds = time.perf_counter() - start
        ogr_size = out.stat().st_size
    print(f"  ogr2ogr -sql: {ogr_size / 1e6:.0f} MB in {ogr_seconds:.1f} s")

    start = time.perf_counter()
    with db.cursor() as cursor, open("/dev/null", "w") as sink:
        cursor.copy_expert(f"COPY (SELECT ST_X(r.location), ST_Y(r.location), {COLUMNS} FROM {TABLES}) "
                           "TO STDOUT (FORMAT csv, HEADER)", sink)
    copy_seconds = time.perf_counter() - start
    print(f"  COPY (FORMAT csv): {copy_seconds:.1f} s")

    results = {"reports": count, "api": {"seconds": api_seconds, "first_byte_s": first_byte, "bytes": size,
                                         "worker_peak_mib": api_peak},
               "api_csv": {"seconds": csv_seconds, "bytes": csv_size},
               "ogr2ogr_sql": {"seconds": ogr_seconds, "bytes": ogr_size}, "copy_csv": {"seconds": copy_seconds}}
    print(f"\nGeoJSON {api_seconds:.1f} s (first byte after {first_byte * 1000:.0f} ms, worker peak {api_peak:.0f} MiB)"
          f" = {api_seconds / ogr_seconds:.2f}x ogr2ogr -sql (goal <= 0.7x); "
          f"CSV {csv_seconds:.1f} s = {csv_seconds / copy_seconds:.2f}x COPY csv (goal <= 1.5x)")
    out = ROOT / "bench" / "results" / "export.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
