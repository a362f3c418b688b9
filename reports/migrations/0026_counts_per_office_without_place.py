"""The statistics' counts for complaints without a place and per office: ReportCount keyed by office and by
whether the report is private too (the public figures per kelurahan leave private complaints out; the counts per
office and category keep them), a report without a kelurahan counted under none; FixTime's histogram leaves
private complaints out. The trigger function of 0012 replaced, and everything counted again."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

# The city's time zone, written out as in 0012 (a trigger cannot read settings.TIME_ZONE).
ZONE = "'Asia/Jakarta'"
KEY = "kelurahan_id, category_id, status, month, office_id, private"


def add(rows):
    """Add the reports of `rows` (with their `sign`: +1 added, -1 taken away) to the counts, as 0012's add: one
    statement per table, keys whose sums are all zero write nothing, in key order."""
    return f"""
    INSERT INTO reports_reportcount AS kept ({KEY}, count, fixed, fixed_on_time)
    SELECT * FROM (
        SELECT kelurahan_id, category_id, status, date_trunc('month', created AT TIME ZONE {ZONE})::date AS month,
               office_id, private, sum(sign) AS count,
               coalesce(sum(sign) FILTER (WHERE fixed_at IS NOT NULL), 0) AS fixed,
               coalesce(sum(sign) FILTER (WHERE (fixed_at AT TIME ZONE {ZONE})::date <= due_date), 0) AS on_time
        FROM ({rows}) r WHERE NOT hidden GROUP BY 1, 2, 3, 4, 5, 6
    ) changed WHERE (count, fixed, on_time) <> (0, 0, 0) ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ({KEY}) DO UPDATE SET count = kept.count + EXCLUDED.count,
        fixed = kept.fixed + EXCLUDED.fixed, fixed_on_time = kept.fixed_on_time + EXCLUDED.fixed_on_time;
    INSERT INTO reports_fixtime AS kept (kelurahan_id, category_id, tenths, count)
    SELECT kelurahan_id, category_id, round(extract(epoch FROM fixed_at - created) / 8640)::int, sum(sign)
    FROM ({rows}) r WHERE NOT hidden AND NOT private AND fixed_at IS NOT NULL
    GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (kelurahan_id, category_id, tenths) DO UPDATE SET count = kept.count + EXCLUDED.count;
    """


def function(add):
    """The trigger function counting with `add`, and the counts emptied."""
    return f"""
CREATE OR REPLACE FUNCTION reports_count_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {add("SELECT *, 1 AS sign FROM new_rows")}
    ELSIF TG_OP = 'UPDATE' THEN
        {add("SELECT *, -1 AS sign FROM old_rows UNION ALL SELECT *, 1 FROM new_rows")}
    ELSE {add("SELECT *, -1 AS sign FROM old_rows")}
    END IF;
    RETURN NULL;
END $$;
DELETE FROM reports_reportcount;
DELETE FROM reports_fixtime;
"""


# Back: 0012's function, and its counts once 0012's constraints are back (a report without a place left out: 0012
# has nowhere to count it).
BEFORE = import_module("reports.migrations.0012_report_counts").add


class Migration(migrations.Migration):

    dependencies = [
        ('geo', '0010_crew_office'),
        ('offices', '0001_initial'),
        ('reports', '0025_open_reports_by_office'),
    ]

    operations = [
        # The tables' keys change on empty tables (counted again at the end).
        migrations.RunSQL("DELETE FROM reports_reportcount; DELETE FROM reports_fixtime;",
                          BEFORE("SELECT *, 1 AS sign FROM reports_report WHERE kelurahan_id IS NOT NULL")),
        migrations.RemoveConstraint(
            model_name='fixtime',
            name='reports_fixtime_once',
        ),
        migrations.RemoveConstraint(
            model_name='reportcount',
            name='reports_count_once',
        ),
        migrations.AddField(
            model_name='reportcount',
            name='office',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='offices.office'),
        ),
        migrations.AddField(
            model_name='reportcount',
            name='private',
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name='fixtime',
            name='kelurahan',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='geo.kelurahan'),
        ),
        migrations.AlterField(
            model_name='reportcount',
            name='kelurahan',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='report_counts', to='geo.kelurahan'),
        ),
        migrations.AddConstraint(
            model_name='fixtime',
            constraint=models.UniqueConstraint(fields=('kelurahan', 'category', 'tenths'), name='reports_fixtime_once', nulls_distinct=False),
        ),
        migrations.AddConstraint(
            model_name='reportcount',
            constraint=models.UniqueConstraint(fields=('kelurahan', 'category', 'status', 'month', 'office', 'private'), name='reports_count_once', nulls_distinct=False),
        ),
        # The counts' foreign keys checked now, before Django creates the index of `office` at the end.
        migrations.RunSQL(function(add) + add("SELECT *, 1 AS sign FROM reports_report")
                          + "SET CONSTRAINTS ALL IMMEDIATE;", function(BEFORE)),
    ]
