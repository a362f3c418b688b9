"""The public reports' points with every column a report tile reads (tiles.mvt), in one GiST index: a tile from
zoom 15 on reads the reports it covers from the index alone (an index-only scan, the table's pages all-visible
after VACUUM), not one table page per report, since reports lie in the table in filing order, not by place.

The point is the index's key and one of its INCLUDEd columns too: the key holds only a box (PostGIS's operator
classes return no geometry), so the point the tile draws comes from the INCLUDEd copy. Partial, as the tiles'
filter: hidden and private reports are on no tile.

Its key is in PostGIS's n-D operator class, which the tiles' statements ask with `&&&` (tiles.mvt.IN_TILE), not the
2-D one of `&&` and `<->`: no other query picks this index. With the 2-D class a nearest-first query (`ORDER BY
location <-> point`, the tiles' own summed band among them) read from it index-only and failed ("lossy distance
functions are not supported in index-only scans": the 2-D distance is on float boxes, rechecked on the row).

Built CONCURRENTLY (outside a transaction): a city's table stays open to new reports while it is built. What it
costs at 1,000,000 reports (bench/tile_index_bench.py; docs/figures.md, "Report tiles from the index alone (issue
30)"): 185 MB (the table 226 MB, the 2-D location index 40 MB), built in 8-31 s on a shared machine; filing a
report, a support or a status change took no measurably longer with it (with / without, 4 interleaved rounds:
medians 0.83-0.89, rounds 0.73-1.39, a write's 30-70 ms being mostly the tiles' version trigger). A support is no
longer a HOT update (supports are now indexed). What it saves: the zoom-18 tile's statement 1.8-2.0x faster, zoom 16's
about 4x.
"""

from django.db import migrations

INDEX = "tiles_public_points"
COLUMNS = ["location", "id", "code", "category_id", "status", "due_date", "support_count"]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0028_open311_list_indexes"),
        ("tiles", "0003_only_public_reports_with_a_place"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON reports_report USING gist (location gist_geometry_ops_nd)"
            f" INCLUDE ({', '.join(COLUMNS)}) WHERE NOT hidden AND NOT private",
            f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}",
        ),
    ]
