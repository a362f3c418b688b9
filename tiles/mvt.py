"""Mapbox Vector Tiles made by PostGIS (ST_AsMVT, ST_AsMVTGeom): public reports, and the kelurahan.

Report tiles carry only public fields: code, category, status, overdue (the rule in reports.representation),
support count.
Below POINTS_FROM_ZOOM the reports of each grid cell (CLUSTER_CELLS x CLUSTER_CELLS per
tile: 64 px on a 256 px tile, so that 40 px cluster bubbles do not overlap) become one
feature with their `count`, at their mean position; a cell holding one report shows
that report. So a tile holds at most 16 features however many reports it covers.
From POINTS_FROM_ZOOM on, every report is its own feature (count 1), as a marker map
shows them close up.

Up to zoom 14 the cells are zoom-16 tiles or groups of them, so the tile adds up
tiles.models.ReportCell (counts per zoom-16 tile, category and status, kept by triggers)
instead of reading every report it covers; only a cell holding a single report reads it.
"""

import datetime
import functools

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from reports import representation
from tiles import grid
from tiles.models import ReportCell

EXTENT = 4096
BUFFER = 64
CLUSTER_CELLS = 4  # cells of a tile at zoom z are the tiles at zoom z + 2
CELL_ZOOMS_BELOW = 2
POINTS_FROM_ZOOM = 18
SUMMED_UP_TO_ZOOM = ReportCell.ZOOM - CELL_ZOOMS_BELOW
# Part of every cached tile's key: a tile made with other settings is never served.
LAYOUT = f"{EXTENT}.{CLUSTER_CELLS}.{POINTS_FROM_ZOOM}"
REPORTS_LAYER = "reports"
KELURAHAN_LAYER = "kelurahan"
# Stands for the city's date in the overdue rule while its SQL is written (overdue_sql).
TODAY_SLOT = datetime.date(1, 1, 1)


# A report tile is one statement, its text written once per zoom band and run with parameters: the tile's version
# (tiles_tileversion, by its primary key; OFFSET 0 reads it once) and, unless the caller already holds that
# version's tile, the tile itself (an uncorrelated sub-select runs only when its branch is taken). Version and
# tile come from one snapshot.
# Filters are parameters too: a NULL array is no filter, and PostgreSQL folds the test away when it plans.
VERSIONED_SQL = """
SELECT version, CASE WHEN version IS NOT DISTINCT FROM %(held)s THEN NULL ELSE ({tile}) END
FROM (SELECT coalesce((SELECT version FROM tiles_tileversion WHERE z = %(z)s AND x = %(x)s AND y = %(y)s), 0)
      AS version OFFSET 0) tile_version
"""
FILTERS = """(%(categories)s::int[] IS NULL OR {table}.category_id = ANY(%(categories)s::int[]))
    AND (%(statuses)s::text[] IS NULL OR {table}.status = ANY(%(statuses)s::text[]))"""
# The public reports (neither hidden nor private) inside the tile: the index's boxes are rounded outwards, so the
# exact test keeps exactly the tile's points (west and north edges in, east and south out: a point on an edge is
# in one tile). `&&&` (n-D) reads the tiles' own index, tiles/migrations/0004, with every column a tile shows.
IN_TILE = """NOT reports_report.hidden AND NOT reports_report.private
    AND reports_report.location &&& ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
    AND ST_X(reports_report.location) >= %(west)s AND ST_X(reports_report.location) < %(east)s
    AND ST_Y(reports_report.location) > %(south)s AND ST_Y(reports_report.location) <= %(north)s
    AND """ + FILTERS.format(table="reports_report")
# Every field a tile shows of a single report, on reports_report. Its category's slug is looked up in the
# categories' {id: slug}, read once per tile (an InitPlan): a join looked each report's up in the categories' index
# (the planner expects one report in a tile): the zoom-18 statement took 1.1-1.3x as long (bench/tile_sql_bench.py).
REPORT_FIELDS = """reports_report.code,
           (SELECT jsonb_object_agg(id, slug) FROM reports_category) ->> reports_report.category_id::text AS category,
           reports_report.status, {overdue} AS overdue, reports_report.support_count"""
# From POINTS_FROM_ZOOM: every report its own feature, in one pass over the reports the index finds, read from the
# index alone (tiles/migrations/0004). In the order they were filed: the index gives them in its own order, the
# table in its pages' (the same bytes as before on a table in filing order), and a tile's bytes are the same
# whichever way PostgreSQL reads them.
POINTS_SQL = """
SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(reports_report.location, 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s) AS geom,
           1::bigint AS count, {fields}
    FROM reports_report
    WHERE {in_tile}
    ORDER BY reports_report.id
) features
"""
# Below it, the tile's reports grouped by cell; a cell of one report shows that report, read by its primary key.
CLUSTERS_SQL = """
WITH cells AS (
    SELECT count(*) AS count, avg(ST_X(location)) AS lon, avg(ST_Y(location)) AS lat, min(id) AS id
    FROM reports_report WHERE {in_tile}
    GROUP BY {cell}
)
SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(cells.lon, cells.lat), 4326), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s) AS geom,
           cells.count, {fields}
    FROM cells
    LEFT JOIN reports_report ON reports_report.id = cells.id AND cells.count = 1
) features
"""
# Up to SUMMED_UP_TO_ZOOM: the cells of a tile from the zoom-16 counts; a cell of one report shows that report,
# found by the index.
SUMMED_SQL = """
WITH cells AS (
    SELECT x >> %(shift)s AS cx, y >> %(shift)s AS cy, sum(count) AS count,
           sum(sum_lon) / sum(count) AS lon, sum(sum_lat) / sum(count) AS lat
    FROM tiles_reportcell
    WHERE x BETWEEN %(x0)s AND %(x1)s AND y BETWEEN %(y0)s AND %(y1)s AND count > 0
      AND {cell_filters}
    GROUP BY 1, 2 HAVING sum(count) > 0
)
SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(cells.lon, cells.lat), 4326), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s) AS geom,
           cells.count, {fields}
    FROM cells
    LEFT JOIN LATERAL (
        SELECT * FROM reports_report WHERE cells.count = 1 AND NOT hidden AND NOT private AND {report_filters}
            AND location && ST_Transform(ST_TileEnvelope(%(cell_zoom)s, cells.cx, cells.cy), 4326)
        ORDER BY location <-> ST_SetSRID(ST_MakePoint(cells.lon, cells.lat), 4326) LIMIT 1
    ) reports_report ON true
) features
"""
# Cells in spherical Mercator by its formula (y in earth radii): ST_Transform on a million points costs seconds.
CLUSTER_CELL = ("floor((ST_X(location) - %(west)s) / %(cell_lon)s), "
                "floor((%(top)s - ln(tan(radians(45 + ST_Y(location) / 2)))) / %(cell_y)s)")

KELURAHAN_SQL = """
SELECT ST_AsMVT(features, %s, %s, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(b.boundary, 3857), ST_TileEnvelope(%s, %s, %s), %s, %s) AS geom,
           k.code, k.name, kc.name AS kecamatan
    FROM geo_kelurahanboundary b
    JOIN geo_generation g ON g.id = b.generation_id AND g.active
    JOIN geo_kelurahan k ON k.id = b.kelurahan_id
    JOIN geo_kecamatan kc ON kc.id = k.kecamatan_id
    WHERE b.boundary && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
) features WHERE geom IS NOT NULL
"""


# An asset layer (assets.Asset of one generation): each asset with its id (the feature id too, for picking),
# the city's identifier and its name (a road segment's street).
ASSETS_SQL = """
SELECT ST_AsMVT(features, %s, %s, 'geom', 'id') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(a.geometry, 3857), ST_TileEnvelope(%s, %s, %s), %s, %s) AS geom,
           a.id, a.identifier, coalesce(a.attributes->>'name', '') AS name
    FROM assets_asset a
    WHERE a.generation_id = %s AND a.geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
) features WHERE geom IS NOT NULL
"""
# Assets are drawn from street level: below it a layer of thousands of lamps is noise, and heavy.
ASSETS_FROM_ZOOM = 16


def band(z):
    """Which of the three report queries makes the tiles of zoom z."""
    return "summed" if z <= SUMMED_UP_TO_ZOOM else "points" if z >= POINTS_FROM_ZOOM else "clusters"


@functools.cache
def report_sql(band):
    """The statement of a zoom band (see VERSIONED_SQL), written once per process: no ORM on a tile request."""
    fields = REPORT_FIELDS.format(overdue=overdue_sql())
    if band == "summed":
        tile = SUMMED_SQL.format(fields=fields, cell_filters=FILTERS.format(table="tiles_reportcell"),
                                 report_filters=FILTERS.format(table="reports_report"))
    elif band == "points":
        tile = POINTS_SQL.format(fields=fields, in_tile=IN_TILE)
    else:
        tile = CLUSTERS_SQL.format(fields=fields, in_tile=IN_TILE, cell=CLUSTER_CELL)
    return VERSIONED_SQL.format(tile=tile)


def report_params(z, x, y, categories=None, statuses=None, held=None, today=None):
    """The parameters of report_sql(band(z)) for tile z/x/y."""
    west, south, east, north = grid.lonlat_bounds(z, x, y)
    params = {
        "z": z, "x": x, "y": y, "held": held, "today": today or timezone.localdate(),
        "layer": REPORTS_LAYER, "extent": EXTENT, "buffer": BUFFER,
        "categories": None if categories is None else list(categories),
        "statuses": None if statuses is None else [str(status) for status in statuses],
        "west": west, "south": south, "east": east, "north": north,
    }
    if band(z) == "summed":
        span = 2 ** (ReportCell.ZOOM - z)  # zoom-16 tiles across this tile
        params.update(shift=ReportCell.ZOOM - z - CELL_ZOOMS_BELOW, cell_zoom=z + CELL_ZOOMS_BELOW,
                      x0=x * span, x1=(x + 1) * span - 1, y0=y * span, y1=(y + 1) * span - 1)
    elif band(z) == "clusters":
        left, _, right, top = grid.mercator_bounds(z, x, y)
        params.update(cell_lon=(east - west) / CLUSTER_CELLS, top=top / grid.EARTH_RADIUS_M,
                      cell_y=(right - left) / CLUSTER_CELLS / grid.EARTH_RADIUS_M)
    return params


def versioned_report_tile(z, x, y, categories=None, statuses=None, held=None):
    """(version, MVT bytes) of the report tile z/x/y (of these category ids and statuses, if given), in one
    statement; the bytes are None when the tile's version is `held` (the caller has that tile already)."""
    version, tile = fetch_one(report_sql(band(z)), report_params(z, x, y, categories, statuses, held))
    return version, None if tile is None else bytes(tile)


def report_tile(z, x, y, categories=None, statuses=None):
    """The tile z/x/y of the public reports (of these category ids and statuses, if given), as MVT bytes.

    Up to zoom 14 it adds up the zoom-16 report cells: as fast for a million reports as for ten; from zoom 15
    it reads every report it covers, through the GiST index."""
    return versioned_report_tile(z, x, y, categories, statuses)[1]


def overdue_sql():
    """The one rule for "overdue" (reports.representation) as SQL on the row reports_report, the city's date a
    parameter, %(today)s: the statement's text stays the same from one day to the next."""
    text = representation.literal_sql(representation.overdue(TODAY_SLOT)).replace("%", "%%")
    slot = f"'{TODAY_SLOT.isoformat()}'::date"
    if slot not in text:
        raise ImproperlyConfigured(f"The overdue rule no longer compares the date as {slot}: {text}")
    return text.replace(slot, "%(today)s")


def kelurahan_tile(z, x, y):
    """The tile z/x/y of the active generation's kelurahan boundaries, with code and name, as MVT bytes."""
    params = [KELURAHAN_LAYER, EXTENT, z, x, y, EXTENT, BUFFER, *grid.lonlat_bounds(z, x, y)]
    return _tile(KELURAHAN_SQL, params)


def asset_tile(layer, generation, z, x, y):
    """The tile z/x/y of one generation of an asset kind (layer named by the kind's code), as MVT bytes."""
    west, south, east, north = grid.lonlat_bounds(z, x, y)
    # The buffer's worth of the neighbouring tiles too: a line crossing the edge is drawn on both.
    margin = (east - west) * BUFFER / EXTENT
    params = [layer, EXTENT, z, x, y, EXTENT, BUFFER, generation,
              west - margin, south - margin, east + margin, north + margin]
    return _tile(ASSETS_SQL, params)


def _tile(sql, params):
    return bytes(fetch_one(sql, params)[0] or b"")


def fetch_one(sql, params):
    """The one row of a tile's statement (without JIT, as every statement: config/settings.py)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
