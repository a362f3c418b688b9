"""The zoom-18 report tile's statement against the ways it was read before, in PostgreSQL alone, interleaved.

    .venv/bin/python bench/tile_sql_bench.py [--reports 1000000] [--zoom 18] [--tiles 20] [--rounds 15] [--seed 7]

Uses the database of bench/nearby_bench.py (DATABASE_URL's name + "_bench"), made and filled the same way when
missing. Over --tiles tiles holding reports, each round runs each variant of tiles.mvt's statement once per tile
(the variants' order shuffled per tile), through psycopg2 on one connection, JIT off as the server's:

- `statement`: tiles.mvt.report_sql as the server runs it (the reports from the tiles' index alone);
- `table_pages`: the same with index-only scans off (each report's row read from the table, as before
  tiles/migrations/0004);
- `category_join`: the category's slug by a join per report (as before), not the {id: slug} lookup;
- `prepared`: the statement PREPAREd once and EXECUTEd (no planning per tile);
- `tile_only` (zoom 18 on): the tile's own query, without tiles.mvt.VERSIONED_SQL's reading of its version.

Every variant's tile is first checked to be the statement's bytes. Per variant: p50 and the fastest run in ms,
and the ratio to `statement` of each round's median, min / median / max.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import dj_database_url  # noqa: E402
import django  # noqa: E402

from config import settings as project_settings  # noqa: E402

# tiles.mvt writes the overdue rule with Django's connection: to the bench's database, as the statement's runs.
project_settings.DATABASES["default"]["NAME"] = dj_database_url.parse(BENCH_URL)["NAME"]

django.setup()
from tiles import grid, mvt  # noqa: E402

SLUG_LOOKUP = "(SELECT jsonb_object_agg(id, slug) FROM reports_category) ->> reports_report.category_id::text"
TYPES = {"held": "bigint", "z": "int", "x": "int", "y": "int", "today": "date", "layer": "text", "extent": "int",
         "buffer": "int", "categories": "int[]", "statuses": "text[]", "west": "float8", "south": "float8",
         "east": "float8", "north": "float8"}


def plain(sql, settings="SET enable_indexonlyscan = on; ", column=1):
    def run(cursor, params):
        cursor.execute(settings + sql, params)
        return bytes(cursor.fetchone()[column] or b"")
    return run


def prepared(sql, cursor):
    names = []

    def numbered(match):
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    text = re.sub(r"%\((\w+)\)s", numbered, sql).replace("%%", "%")
    cursor.execute(f"PREPARE bench_tile ({', '.join(TYPES[name] for name in names)}) AS {text}")
    execute = f"SET enable_indexonlyscan = on; EXECUTE bench_tile ({', '.join(['%s'] * len(names))})"

    def run(cursor, params):
        cursor.execute(execute, [params[name] for name in names])
        return bytes(cursor.fetchone()[1] or b"")
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--zoom", type=int, default=18)
    parser.add_argument("--tiles", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    db = prepare(args.reports, args.seed)
    db.autocommit = True
    cursor = db.cursor()
    cursor.execute("SET jit = off")
    cursor.execute("SELECT ST_X(location), ST_Y(location) FROM reports_report TABLESAMPLE SYSTEM (1) REPEATABLE (7) "
                   "LIMIT 2000")
    rng = random.Random(args.seed)
    found = sorted({tile for lon, lat in cursor.fetchall() for tile in grid.tiles_at(lon, lat, [args.zoom])})
    tiles = rng.sample(found, min(args.tiles, len(found)))
    sql = mvt.report_sql(mvt.band(args.zoom))
    assert SLUG_LOOKUP in sql
    joined = sql.replace(SLUG_LOOKUP, "c.slug").replace(
        "    FROM reports_report\n", "    FROM reports_report\n"
        "    LEFT JOIN reports_category c ON c.id = reports_report.category_id\n")
    variants = {"statement": plain(sql), "table_pages": plain(sql, "SET enable_indexonlyscan = off; "),
                "category_join": plain(joined), "prepared": prepared(sql, cursor)}
    if mvt.band(args.zoom) == "points":
        tile_only = mvt.POINTS_SQL.format(fields=mvt.REPORT_FIELDS.format(overdue=mvt.overdue_sql()),
                                          in_tile=mvt.IN_TILE)
        variants["tile_only"] = plain(tile_only, column=0)
    for tile in tiles:
        made = variants["statement"](cursor, mvt.report_params(*tile))
        assert all(run(cursor, mvt.report_params(*tile)) == made for run in variants.values()), tile
    print(f"{len(tiles)} tiles at zoom {args.zoom}: every variant's tile the statement's bytes; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    times = {name: [] for name in variants}
    ratios = {name: [] for name in variants}
    for round_ in range(args.rounds):
        block = {name: [] for name in variants}
        order = list(variants)
        for tile in tiles:
            params = mvt.report_params(*tile)
            rng.shuffle(order)
            for name in order:
                started = time.perf_counter()
                variants[name](cursor, params)
                block[name].append(time.perf_counter() - started)
        for name, seconds in block.items():
            times[name] += seconds
            ratios[name].append(statistics.median(seconds) / statistics.median(block["statement"]))
        print(f"  round {round_ + 1}/{args.rounds}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}\n{'variant':>14}{'p50 ms':>9}{'fastest':>9}"
          f"{'x statement, min / median / max':>34}")
    for name, seconds in times.items():
        each = ratios[name]
        print(f"{name:>14}{statistics.median(seconds) * 1000:9.2f}{min(seconds) * 1000:9.2f}"
              f"{min(each):16.2f} / {statistics.median(each):.2f} / {max(each):.2f}")


if __name__ == "__main__":
    main()
