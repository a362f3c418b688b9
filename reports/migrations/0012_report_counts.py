"""The statistics' counts (reports.models.ReportCount, FixTime), the triggers that keep them, and their first count."""

import django.db.models.deletion
from django.db import migrations, models

# The city's time zone, written out: a trigger cannot read settings.TIME_ZONE. Months and due dates are the city's
# (Asia/Jakarta, UTC+7 all year); a city elsewhere changes it here in a new migration, with a recount.
ZONE = "'Asia/Jakarta'"


def add(rows):
    """Add the public reports of `rows` (with their `sign`: +1 added, -1 taken away) to the counts. One statement
    per table whatever the number of rows; keys whose sums are all zero (an update that changed nothing counted,
    such as a support) write nothing. In key order, so concurrent changes take the rows' locks in the same order."""
    return f"""
    INSERT INTO reports_reportcount AS kept (kelurahan_id, category_id, status, month, count, fixed, fixed_on_time)
    SELECT * FROM (
        SELECT kelurahan_id, category_id, status, date_trunc('month', created AT TIME ZONE {ZONE})::date AS month,
               sum(sign) AS count, coalesce(sum(sign) FILTER (WHERE fixed_at IS NOT NULL), 0) AS fixed,
               coalesce(sum(sign) FILTER (WHERE (fixed_at AT TIME ZONE {ZONE})::date <= due_date), 0) AS on_time
        FROM ({rows}) r WHERE NOT hidden GROUP BY 1, 2, 3, 4
    ) changed WHERE (count, fixed, on_time) <> (0, 0, 0) ORDER BY 1, 2, 3, 4
    ON CONFLICT (kelurahan_id, category_id, status, month) DO UPDATE SET count = kept.count + EXCLUDED.count,
        fixed = kept.fixed + EXCLUDED.fixed, fixed_on_time = kept.fixed_on_time + EXCLUDED.fixed_on_time;
    INSERT INTO reports_fixtime AS kept (kelurahan_id, category_id, tenths, count)
    SELECT kelurahan_id, category_id, round(extract(epoch FROM fixed_at - created) / 8640)::int, sum(sign)
    FROM ({rows}) r WHERE NOT hidden AND fixed_at IS NOT NULL GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (kelurahan_id, category_id, tenths) DO UPDATE SET count = kept.count + EXCLUDED.count;
    """


# One statement trigger per event, each with its transition tables: a bulk update costs one pass, not one per row.
TRIGGERS = f"""
CREATE FUNCTION reports_count_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {add("SELECT *, 1 AS sign FROM new_rows")}
    ELSIF TG_OP = 'UPDATE' THEN
        {add("SELECT *, -1 AS sign FROM old_rows UNION ALL SELECT *, 1 FROM new_rows")}
    ELSE {add("SELECT *, -1 AS sign FROM old_rows")}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reports_count_insert AFTER INSERT ON reports_report REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_count_reports();
CREATE TRIGGER reports_count_update AFTER UPDATE ON reports_report
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_count_reports();
CREATE TRIGGER reports_count_delete AFTER DELETE ON reports_report REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_count_reports();
{add("SELECT *, 1 AS sign FROM reports_report")}
"""
DROP_TRIGGERS = """
DROP TRIGGER reports_count_insert ON reports_report;
DROP TRIGGER reports_count_update ON reports_report;
DROP TRIGGER reports_count_delete ON reports_report;
DROP FUNCTION reports_count_reports();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('geo', '0005_throttle'),
        ('reports', '0011_apicall_created_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='FixTime',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tenths', models.IntegerField()),
                ('count', models.IntegerField(default=0)),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reports.category')),
                ('kelurahan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='geo.kelurahan')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('kelurahan', 'category', 'tenths'), name='reports_fixtime_once')],
            },
        ),
        migrations.CreateModel(
            name='ReportCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('baru', 'new'), ('diverifikasi', 'verified'), ('dikerjakan', 'in progress'), ('selesai', 'fixed'), ('ditutup', 'closed'), ('ditolak', 'rejected'), ('duplikat', 'duplicate')], max_length=12)),
                ('month', models.DateField()),
                ('count', models.IntegerField(default=0)),
                ('fixed', models.IntegerField(default=0)),
                ('fixed_on_time', models.IntegerField(default=0)),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reports.category')),
                ('kelurahan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_counts', to='geo.kelurahan')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('kelurahan', 'category', 'status', 'month'), name='reports_count_once')],
            },
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
