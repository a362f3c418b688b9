"""Benchmark of the GeoJSON export of a million reports against ogr2ogr and a bare COPY, in the same run.

    .venv/bin/python bench/export_bench.py

Uses the database that bench/nearby_bench.py fills (run that first). Measures the
whole download of GET /api/v1/reports.geojson through gunicorn (1 worker): time to
the first byte, total time, bytes, and the worker's peak memory; against
`ogr2ogr -f GeoJSON` from the same table and `COPY (SELECT ST_AsGeoJSON(...))`.
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


def main():
    db = connect()
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_report WHERE NOT hidden")
        count = cursor.fetchone()[0]
    print(f"{count:,} public reports in {dj_database_url.parse(BENCH_URL)['NAME']}")

    with gunicorn(DATABASE_URL=BENCH_URL) as (port, server):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        start = time.perf_counter()
        client.request("GET", "/api/v1/reports.geojson")
        response = client.getresponse()
        first = response.read(1)
        first_byte = time.perf_counter() - start
        size = len(first)
        while chunk := response.read(1 << 20):
            size += len(chunk)
        api_seconds = time.perf_counter() - start
        api_peak = peak_mib(server.pid)
    print(f"  API: {size / 1e6:.0f} MB in {api_seconds:.1f} s")

    params = dj_database_url.parse(BENCH_URL)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "ogr.geojson"
        start = time.perf_counter()
        subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), f"PG:dbname={params['NAME']} host={params['HOST']}",
                        "-sql", "SELECT code, status, location FROM reports_report WHERE NOT hidden"],
                       check=True, capture_output=True)
        ogr_seconds = time.perf_counter() - start
        ogr_size = out.stat().st_size
    print(f"  ogr2ogr: {ogr_size / 1e6:.0f} MB in {ogr_seconds:.1f} s")

    start = time.perf_counter()
    with db.cursor() as cursor, open("/dev/null", "w") as sink:
        cursor.copy_expert("COPY (SELECT ST_AsGeoJSON(r.*) FROM (SELECT code, status, location FROM reports_report "
                           "WHERE NOT hidden) r) TO STDOUT", sink)
    copy_seconds = time.perf_counter() - start
    print(f"  COPY ST_AsGeoJSON: {copy_seconds:.1f} s")

    results = {"reports": count, "api": {"seconds": api_seconds, "first_byte_s": first_byte, "bytes": size,
                                         "worker_peak_mib": api_peak},
               "ogr2ogr": {"seconds": ogr_seconds, "bytes": ogr_size}, "copy_st_asgeojson": {"seconds": copy_seconds}}
    print(f"\nAPI {api_seconds:.1f} s (first byte after {first_byte * 1000:.0f} ms, worker peak {api_peak:.0f} MiB) = "
          f"{api_seconds / ogr_seconds:.1f}x ogr2ogr ({ogr_seconds:.1f} s), "
          f"{api_seconds / copy_seconds:.1f}x COPY ({copy_seconds:.1f} s)")
    out = ROOT / "bench" / "results" / "export.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
