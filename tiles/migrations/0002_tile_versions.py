"""Tile versions (tiles.models.TileVersion), kept by statement triggers on reports_report, and tiles_at() in SQL."""

from django.db import migrations, models

# tiles/grid.py's tiles_at in SQL (1e-6 is its EDGE): every tile (z, x, y) holding the point at zooms 0-22, two (or four) on an edge.
# tests/test_tiles.py checks that both give the same tiles.
TILES_AT = """
CREATE FUNCTION tiles_at(lon float8, lat float8) RETURNS TABLE (z smallint, x int, y int)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT zoom::smallint, tx, ty
    FROM (SELECT (lon + 180) / 360 AS fx,
                 0.5 - ln((1 + sin(radians(lat))) / (1 - sin(radians(lat)))) / (4 * pi()) AS fy) fraction,
         generate_series(0, 22) zoom, LATERAL (SELECT power(2::float8, zoom) AS n) size,
         LATERAL (SELECT least(n - 1, greatest(0, floor(fx * n - 1e-6)))::int AS x0,
                         least(n - 1, greatest(0, floor(fx * n + 1e-6)))::int AS x1,
                         least(n - 1, greatest(0, floor(fy * n - 1e-6)))::int AS y0,
                         least(n - 1, greatest(0, floor(fy * n + 1e-6)))::int AS y1) cell,
         unnest(CASE WHEN x0 = x1 THEN ARRAY[x0] ELSE ARRAY[x0, x1] END) tx,
         unnest(CASE WHEN y0 = y1 THEN ARRAY[y0] ELSE ARRAY[y0, y1] END) ty
$$;
"""

# What a report tile shows of a report: a change to anything else (address, version, updated) renews no tile.
SHOWN = ["location", "category_id", "status", "due_date", "support_count", "hidden", "code"]
OLD, NEW = (", ".join(f"{side}.{column}" for column in SHOWN) for side in "on")
# The old and new rows of the reports an update changed on some tile (none hidden before and after).
CHANGED = ("FROM old_rows o JOIN new_rows n USING (id)"
           f" WHERE NOT (o.hidden AND n.hidden) AND ({OLD}) IS DISTINCT FROM ({NEW})")


def renew(points):
    """Renew the version of every tile holding one of `points` (a query of public report locations).

    One upsert per statement, aggregated per tile: a bulk update of thousands of reports in one street
    costs one pass. In z/x/y order, so two concurrent statements lock the rows they share in the same order.
    JIT off: planned for a transition table of unknown size, compiling cost a one-report filing half a second.
    """
    return f"""
    INSERT INTO tiles_tileversion AS tile (z, x, y, version)
    SELECT DISTINCT t.z, t.x, t.y, 1 FROM ({points}) p (location), tiles_at(ST_X(p.location), ST_Y(p.location)) t
    ORDER BY 1, 2, 3
    ON CONFLICT (z, x, y) DO UPDATE SET version = tile.version + 1;
    """


TRIGGERS = f"""
{TILES_AT}
CREATE FUNCTION tiles_renew_report_tiles() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {renew("SELECT location FROM new_rows WHERE NOT hidden")}
    ELSIF TG_OP = 'DELETE' THEN {renew("SELECT location FROM old_rows WHERE NOT hidden")}
    ELSE {renew(f"SELECT o.location {CHANGED} UNION ALL SELECT n.location {CHANGED}")}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tiles_report_versions_insert AFTER INSERT ON reports_report REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_renew_report_tiles();
CREATE TRIGGER tiles_report_versions_update AFTER UPDATE ON reports_report
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tiles_renew_report_tiles();
CREATE TRIGGER tiles_report_versions_delete AFTER DELETE ON reports_report REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_renew_report_tiles();
"""
DROP_TRIGGERS = """
DROP TRIGGER tiles_report_versions_insert ON reports_report;
DROP TRIGGER tiles_report_versions_update ON reports_report;
DROP TRIGGER tiles_report_versions_delete ON reports_report;
DROP FUNCTION tiles_renew_report_tiles();
DROP FUNCTION tiles_at(float8, float8);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('tiles', '0001_report_cells'),
    ]

    operations = [
        migrations.CreateModel(
            name='TileVersion',
            fields=[
                ('pk', models.CompositePrimaryKey('z', 'x', 'y', blank=True, editable=False, primary_key=True, serialize=False)),
                ('z', models.SmallIntegerField()),
                ('x', models.IntegerField()),
                ('y', models.IntegerField()),
                ('version', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
