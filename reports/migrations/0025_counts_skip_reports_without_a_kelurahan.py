"""The statistics' counts per kelurahan (reports/0012) leave out a report without a kelurahan (a service complaint
filed without a place): its row has no key there, and the counts' triggers refused to file it."""

from importlib import import_module

from django.db import migrations

counts = import_module("reports.migrations.0012_report_counts")


def function(placed):
    """reports_count_reports() as 0012 made it, its rows limited by `placed` (a filter of a row source)."""
    return f"""
CREATE OR REPLACE FUNCTION reports_count_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {counts.add(placed("SELECT *, 1 AS sign FROM new_rows"))}
    ELSIF TG_OP = 'UPDATE' THEN
        {counts.add(placed("SELECT *, -1 AS sign FROM old_rows UNION ALL SELECT *, 1 FROM new_rows"))}
    ELSE {counts.add(placed("SELECT *, -1 AS sign FROM old_rows"))}
    END IF;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0024_existing_work_belongs_to_public_works"),
    ]

    operations = [
        migrations.RunSQL(
            function(lambda rows: f"SELECT * FROM ({rows}) placed WHERE kelurahan_id IS NOT NULL"),
            function(lambda rows: rows),
        ),
    ]
