"""The report cells (tiles.models.ReportCell), the triggers that keep them, and their first count."""

import django.db.models.deletion
from django.db import migrations, models

# A report's zoom-16 tile, as tiles/grid.py computes tiles (spherical Mercator, y from the top).
CELL = """
    least(65535, greatest(0, floor((ST_X(location) + 180) / 360 * 65536)))::int,
    least(65535, greatest(0, floor((0.5 - ln((1 + sin(radians(ST_Y(location)))) / (1 - sin(radians(ST_Y(location)))))
                                          / (4 * pi())) * 65536)))::int
"""


def add(rows, sign):
    """Add (or with sign '-', subtract) the public reports of the transition table `rows` to their cells."""
    return f"""
    INSERT INTO tiles_reportcell AS cell (x, y, category_id, status, count, sum_lon, sum_lat)
    SELECT {CELL}, category_id, status, {sign}count(*), {sign}sum(ST_X(location)), {sign}sum(ST_Y(location))
    FROM {rows} WHERE NOT hidden GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (x, y, category_id, status) DO UPDATE SET count = cell.count + EXCLUDED.count,
        sum_lon = cell.sum_lon + EXCLUDED.sum_lon, sum_lat = cell.sum_lat + EXCLUDED.sum_lat;
    """


# One statement trigger per event, each with its transition tables: a bulk update costs one pass, not one per row.
TRIGGERS = f"""
CREATE FUNCTION tiles_count_report_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN {add("old_rows", "-")} END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN {add("new_rows", "")} END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tiles_report_cells_insert AFTER INSERT ON reports_report REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_count_report_cells();
CREATE TRIGGER tiles_report_cells_update AFTER UPDATE ON reports_report
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tiles_count_report_cells();
CREATE TRIGGER tiles_report_cells_delete AFTER DELETE ON reports_report REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_count_report_cells();
{add("reports_report", "")}
"""
DROP_TRIGGERS = """
DROP TRIGGER tiles_report_cells_insert ON reports_report;
DROP TRIGGER tiles_report_cells_update ON reports_report;
DROP TRIGGER tiles_report_cells_delete ON reports_report;
DROP FUNCTION tiles_count_report_cells();
"""


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('reports', '0008_default_questions'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('x', models.IntegerField()),
                ('y', models.IntegerField()),
                ('status', models.CharField(max_length=12)),
                ('count', models.IntegerField(default=0)),
                ('sum_lon', models.FloatField(default=0)),
                ('sum_lat', models.FloatField(default=0)),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reports.category')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('x', 'y', 'category', 'status'), name='tiles_reportcell_once')],
            },
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
