"""Tiles hold public reports with a place only: a report without a location (a service complaint that names no
place) renews no tile and has no cell, and a private complaint (reports.Report.private) is on no tile, like a
hidden one. The trigger functions of 0001 and 0002 replaced, and the cells counted again."""

from importlib import import_module

from django.db import migrations

CELLS = import_module("tiles.migrations.0001_report_cells")
VERSIONS = import_module("tiles.migrations.0002_tile_versions")
CELL = CELLS.CELL
SHOWN = ["location", "category_id", "status", "due_date", "support_count", "hidden", "private", "code"]
OLD, NEW = (", ".join(f"{side}.{column}" for column in SHOWN) for side in "on")
# The old and new rows of the reports an update changed on some tile (none off the tiles before and after).
CHANGED = ("FROM old_rows o JOIN new_rows n USING (id)"
           " WHERE NOT ((o.hidden OR o.private) AND (n.hidden OR n.private))"
           f" AND ({OLD}) IS DISTINCT FROM ({NEW})")
ON_TILES = "NOT hidden AND NOT private AND location IS NOT NULL"


def add(rows, sign):
    """0001's add: the public reports with a place of the transition table `rows` added to (or, with sign '-',
    taken from) their cells."""
    return f"""
    INSERT INTO tiles_reportcell AS cell (x, y, category_id, status, count, sum_lon, sum_lat)
    SELECT {CELL}, category_id, status, {sign}count(*), {sign}sum(ST_X(location)), {sign}sum(ST_Y(location))
    FROM {rows} WHERE {ON_TILES} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (x, y, category_id, status) DO UPDATE SET count = cell.count + EXCLUDED.count,
        sum_lon = cell.sum_lon + EXCLUDED.sum_lon, sum_lat = cell.sum_lat + EXCLUDED.sum_lat;
    """


def renew(points):
    """0002's renew, for the points that are not NULL of `points`."""
    return VERSIONS.renew(f"SELECT location FROM ({points}) q WHERE location IS NOT NULL")


def functions(add, renew, changed, on_tiles):
    """The two trigger functions, the cells counted again and every tile's version renewed."""
    return f"""
CREATE OR REPLACE FUNCTION tiles_count_report_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN {add("old_rows", "-")} END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN {add("new_rows", "")} END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION tiles_renew_report_tiles() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {renew(f"SELECT location FROM new_rows WHERE {on_tiles}")}
    ELSIF TG_OP = 'DELETE' THEN {renew(f"SELECT location FROM old_rows WHERE {on_tiles}")}
    ELSE {renew(f"SELECT o.location {changed} UNION ALL SELECT n.location {changed}")}
    END IF;
    RETURN NULL;
END $$;
DELETE FROM tiles_reportcell;
{add("reports_report", "")}
UPDATE tiles_tileversion SET version = version + 1;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0023_offices_and_service_complaints"),
        ("tiles", "0002_tile_versions"),
    ]

    # Back: 0001's and 0002's functions, the reports without a place left off the cells they cannot hold.
    operations = [migrations.RunSQL(functions(add, renew, CHANGED, ON_TILES),
                                    functions(lambda rows, sign: CELLS.add(f"(SELECT * FROM {rows} WHERE location IS NOT "
                                                                           "NULL) r", sign),
                                              VERSIONS.renew, VERSIONS.CHANGED, "NOT hidden"))]
