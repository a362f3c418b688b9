"""The report cells (tiles/0001) leave out a report without a point (a service complaint filed without a place):
it has no cell, and the cells' trigger refused to file it."""

from importlib import import_module

from django.db import migrations

cells = import_module("tiles.migrations.0001_report_cells")


def function(placed):
    """tiles_count_report_cells() as 0001 made it, its transition tables limited by `placed`."""
    return f"""
CREATE OR REPLACE FUNCTION tiles_count_report_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN {cells.add(placed("old_rows"), "-")} END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN {cells.add(placed("new_rows"), "")} END IF;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0023_offices_and_service_complaints"),
        ("tiles", "0002_tile_versions"),
    ]

    operations = [
        migrations.RunSQL(
            function(lambda rows: f"(SELECT * FROM {rows} WHERE location IS NOT NULL) {rows}"),
            function(lambda rows: rows),
        ),
    ]
