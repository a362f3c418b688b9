"""The moments a report was verified and closed, kept on the report (as fixed_at is) by reports.workflow.moved,
filled here from the history in one statement: the first move to verified, in progress or fixed, and the last move
to a final status of a report that is still in one."""

from django.db import migrations, models


BACKFILL = """
UPDATE reports_report r SET verified_at = h.verified,
    closed_at = CASE WHEN r.status IN ('ditutup', 'ditolak', 'duplikat') THEN h.closed END
FROM (SELECT report_id,
             min(created) FILTER (WHERE to_status IN ('diverifikasi', 'dikerjakan', 'selesai')) AS verified,
             max(created) FILTER (WHERE to_status IN ('ditutup', 'ditolak', 'duplikat')
                                  AND from_status IS DISTINCT FROM to_status) AS closed
      FROM reports_statuschange GROUP BY report_id) h
WHERE h.report_id = r.id AND (h.verified IS NOT NULL OR h.closed IS NOT NULL)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0020_report_asset'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='closed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='closed'),
        ),
        migrations.AddField(
            model_name='report',
            name='verified_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='verified'),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
