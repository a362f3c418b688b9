"""What the CSV export's cells cost PostgreSQL: ways of writing the same cell, by the CPU time of the backend.

    .venv/bin/python bench/export_cells_bench.py [--rounds 9]

In bench/export_bench.py's database (run that first: it makes and fills it). Each case is a COPY (FORMAT csv) of
the public reports' columns written one way, to nowhere; the rounds are interleaved. Measured by the CPU time the
PostgreSQL backend spent (/proc/<pid>/stat: the server on this machine), which a loaded machine changes far less
than the wall time; min / median / max in ms, and each case's median over its group's first (the bare columns).
Then what the primary-key order the exports promise costs, the export's columns written as the bare COPY has them.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export_bench import COLUMNS, TABLES, connect  # noqa: E402

TIMES = ["created", "verified_at", "fixed_at", "closed_at", "updated"]
LOCAL = "({} AT TIME ZONE INTERVAL '+07:00')"
TEXTS = ["description", "address", "code", "status", "code", "status"]
STARTS = "61, 43, 45, 64, 9, 13"  # = + - @ tab CR
ASSET = "coalesce((SELECT a.identifier FROM assets_asset a WHERE a.id = reports_report.asset_id), '')"
# excel-id's COPY writes dates and times day first (reports.representation.CsvDialect.date_style).
DAY_FIRST = "SET LOCAL DateStyle = 'SQL, DMY';"


def times(cell, day="due_date::text"):
    """The five moments written by `cell` (a format of the local time), and the due date."""
    return ", ".join([*(cell.format(LOCAL.format(column)) for column in TIMES), day])


# Each case: its columns, or (statements before the COPY, columns).
GROUPS = {
    "times on the city's clock, standar (5 columns and the due date)": {
        "bare columns": ", ".join([*TIMES, "due_date"]),
        "to_char (before)": times("""to_char({}, 'YYYY-MM-DD"T"HH24:MI:SS"+07:00"')"""),
        "replace() of date_trunc's text (tried)": times(
            "replace(date_trunc('second', {})::text, ' ', 'T') || '+07:00'"),
        "the date, T, the time (tried)": times(
            "{0}::date::text || 'T' || date_trunc('second', {0})::time::text || '+07:00'"),
        "the text cut by varchar(19), replace() (now)": times("replace({}::text::varchar(19), ' ', 'T') || '+07:00'"),
        "the text cut by left(), replace() (tried)": times("replace(left({}::text, 19), ' ', 'T') || '+07:00'"),
    },
    "times on the city's clock, excel-id (5 columns and the due date)": {
        "bare columns": ", ".join([*TIMES, "due_date"]),
        "to_char (before)": times("to_char({}, 'DD/MM/YYYY HH24:MI')", "to_char(due_date, 'DD/MM/YYYY')"),
        "DateStyle SQL, DMY, the text cut by varchar(16) (now)": (DAY_FIRST, times("{}::text::varchar(16)")),
        "DateStyle SQL, DMY, the text cut by left() (tried)": (DAY_FIRST, times("left({}::text, 16)")),
    },
    "formula guard (6 text columns and the asset's identifier)": {
        "bare columns": ", ".join([*TEXTS, ASSET]),
        "ascii() IN (before)": ", ".join(
            f"CASE WHEN ascii({c}) IN ({STARTS}) THEN '''' || {c} ELSE {c} END" for c in [*TEXTS, ASSET]),
        ">= 'A' first, the subquery once (now)": ", ".join(
            [*(f"CASE WHEN {c} >= 'A' COLLATE \"C\" THEN {c} WHEN ascii({c}) IN ({STARTS}) THEN '''' || {c} "
               f"ELSE {c} END" for c in TEXTS), rf"regexp_replace({ASSET}, '^([=+@\t\r-])', '''\1')"]),
    },
    "coordinates (lon, lat)": {
        "bare columns": "ST_X(location), ST_Y(location)",
        "six decimals (now)": "round(ST_X(location) * 1000000) / 1000000, round(ST_Y(location) * 1000000) / 1000000",
        "six decimals, decimal commas (now, excel-id)": ", ".join(
            f"replace((round({f}(location) * 1000000) / 1000000)::text, '.', ',')" for f in ("ST_X", "ST_Y")),
    },
}


# The order the exports promise (primary key), on the export's columns, joins and subqueries as the bare COPY
# reference has them (bench/export_bench.py), each case a list of statements, one process each (as
# reports.representation.COPY_PLAN).
PLAN = "SET LOCAL max_parallel_workers_per_gather = 0;"
EXPORT = f"SELECT ST_X(r.location), ST_Y(r.location), {COLUMNS} FROM {TABLES}"


def orders(first, last):
    """The cases, for reports' ids from `first` to `last`."""
    return {
        "no order": [f"{PLAN} COPY ({EXPORT}) TO STDOUT (FORMAT csv)"],
        "one COPY, ORDER BY id, the planner's choice": [
            f"{PLAN} COPY ({EXPORT} ORDER BY r.id) TO STDOUT (FORMAT csv)"],
        "one COPY, ORDER BY id, enable_sort off (now)": [
            f"{PLAN} SET LOCAL enable_sort = off; COPY ({EXPORT} ORDER BY r.id) TO STDOUT (FORMAT csv)"],
        "one COPY, ORDER BY id, hash joins then a sort": [
            f"{PLAN} SET LOCAL enable_nestloop = off; COPY ({EXPORT} ORDER BY r.id) TO STDOUT (FORMAT csv)"],
        "ranges of 15,000 ids, ORDER BY id (before)": [
            f"{PLAN} SET LOCAL work_mem = '64MB'; COPY ({EXPORT} AND r.id >= {start} AND r.id < {start + 15_000} "
            "ORDER BY r.id) TO STDOUT (FORMAT csv)" for start in range(first, last + 1, 15_000)],
    }


class Nowhere:
    def write(self, data):
        pass


def report(title, spent):
    print(f"\n{title}:")
    bare = statistics.median(next(iter(spent.values())))
    for name, values in spent.items():
        median = statistics.median(values)
        print(f"  {name:>48}: {min(values):.0f} / {median:.0f} / {max(values):.0f}  (+{median - bare:.0f}, "
              f"{median / bare:.2f}x)")


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
            for name, case in cases.items():
                settings, columns = case if isinstance(case, tuple) else ("", case)
                with db.cursor() as cursor:
                    start = cpu()
                    cursor.copy_expert(f"{settings} COPY (SELECT {columns} FROM reports_report WHERE NOT hidden) "
                                       "TO STDOUT (FORMAT csv)", Nowhere())
                    if number:
                        spent[name].append((cpu() - start) * 1000)
        report(f"{group}, PostgreSQL's CPU, ms (min / median / max; median over the bare columns)", spent)
    with db.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM reports_report")
        cases = orders(*cursor.fetchone())
    spent = {name: [] for name in cases}
    for number in range(args.rounds + 1):
        for name, statements in cases.items():
            start = cpu()
            for statement in statements:
                with db.cursor() as cursor:
                    cursor.copy_expert(statement, Nowhere())
            if number:
                spent[name].append((cpu() - start) * 1000)
    report("The export's columns in primary-key order (100,000 reports' ids), PostgreSQL's CPU, ms "
           "(min / median / max; median over no order)", spent)
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
