from django.db import migrations


class Migration(migrations.Migration):
    """A GiST index on the location as geography, for ST_DWithin in true metres (ReportQuerySet.within)."""

    dependencies = [("reports", "0002_reports")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX reports_location_geography ON reports_report USING gist ((location::geography))",
            "DROP INDEX reports_location_geography",
        ),
    ]
