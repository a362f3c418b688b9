"""What the CSV export's cells cost PostgreSQL: ways of writing the same cell, by the CPU time of the backend.

    .venv/bin/python bench/export_cells_bench.py [--rounds 9]

In bench/export_bench.py's database (run that first: it makes and fills it). Each case is a COPY (FORMAT csv) of
the public reports' columns written one way, to nowhere; the rounds are interleaved. Measured by the CPU time the
PostgreSQL backend spent (/proc/<pid>/stat: the server on this machine), which a loaded machine changes far less
than the wall time; min / median / max in ms, and each case's median over its group's first (the bare columns).
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export_bench import connect  # noqa: E402

TIMES = ["created", "verified_at", "fixed_at", "closed_at", "updated"]
LOCAL = "({} AT TIME ZONE INTERVAL '+07:00')"
TEXTS = ["description", "address", "code", "status", "code", "status"]
STARTS = "61, 43, 45, 64, 9, 13"  # = + - @ tab CR
ASSET = "coalesce((SELECT a.identifier FROM assets_asset a WHERE a.id = reports_report.asset_id), '')"

GROUPS = {
    "times on the city's clock (5 columns)": {
        "bare columns": ", ".join(TIMES),
        "replace() of the text (kept)": ", ".join(
            f"replace(date_trunc('second', {LOCAL.format(c)})::text, ' ', 'T') || '+07:00'" for c in TIMES),
        "date, T, time (tried)": ", ".join(
            f"{LOCAL.format(c)}::date::text || 'T' || date_trunc('second', {LOCAL.format(c)})::time::text || '+07:00'"
            for c in TIMES),
        "to_char": ", ".join(
            f"""to_char({LOCAL.format(c)}, 'YYYY-MM-DD"T"HH24:MI:SS"+07:00"')""" for c in TIMES),
    },
    "formula guard (6 text columns and the asset's identifier)": {
        "bare columns": ", ".join([*TEXTS, ASSET]),
        "ascii() IN (before)": ", ".join(
            f"CASE WHEN ascii({c}) IN ({STARTS}) THEN '''' || {c} ELSE {c} END" for c in [*TEXTS, ASSET]),
        ">= 'A' first, the subquery once (now)": ", ".join(
            [*(f"CASE WHEN {c} >= 'A' COLLATE \"C\" THEN {c} WHEN ascii({c}) IN ({STARTS}) THEN '''' || {c} "
               f"ELSE {c} END" for c in TEXTS), rf"regexp_replace({ASSET}, '^([=+@\t\r-])', '''\1')"]),
    },
}


class Nowhere:
    def write(self, data):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    db = connect()
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute("SET datestyle = ISO; SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def cpu():
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    print(f"load average before: {os.getloadavg()}", flush=True)
    for group, cases in GROUPS.items():
        spent = {name: [] for name in cases}
        for number in range(args.rounds + 1):  # the first round warms the caches, unmeasured
            for name, columns in cases.items():
                with db.cursor() as cursor:
                    start = cpu()
                    cursor.copy_expert(f"COPY (SELECT {columns} FROM reports_report WHERE NOT hidden) "
                                       "TO STDOUT (FORMAT csv)", Nowhere())
                    if number:
                        spent[name].append((cpu() - start) * 1000)
        print(f"\n{group}, PostgreSQL's CPU, ms (min / median / max; median over the bare columns):")
        bare = statistics.median(next(iter(spent.values())))
        for name, values in spent.items():
            median = statistics.median(values)
            print(f"  {name:>40}: {min(values):.0f} / {median:.0f} / {max(values):.0f}  (+{median - bare:.0f})")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
