"""Indexes for the hotspots and recurrence queries (insight.hotspots) on a table of millions of reports.

The hotspots read the open public reports of each category: a covering partial index (insight_open_public) gives
them in category order with their code and location, without a visit to the table.

The fixes of a window are read by their time (insight_fixed). For each, the reports filed near it after the fix
are found with one index scan on place and time together (insight_place_and_time: a GiST index over the location's
geography and the filing time, which btree_gist makes indexable there): alone, the location's index returns every
report ever filed on that spot, and the filing time's index every report of the city in those days.
btree_gist is one of PostgreSQL's trusted extensions: the database's owner may create it.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("insight", "0002_response_triggers"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RunSQL(
            "CREATE INDEX insight_place_and_time ON reports_report USING gist ((location::geography), created)",
            "DROP INDEX insight_place_and_time",
        ),
        migrations.RunSQL(
            "CREATE INDEX insight_open_public ON reports_report (category_id) INCLUDE (code, location) "
            "WHERE status IN ('baru', 'diverifikasi', 'dikerjakan') AND NOT hidden",
            "DROP INDEX insight_open_public",
        ),
        migrations.RunSQL(
            "CREATE INDEX insight_fixed ON reports_report (fixed_at) WHERE fixed_at IS NOT NULL",
            "DROP INDEX insight_fixed",
        ),
    ]
