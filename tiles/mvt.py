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

from django.contrib.gis.geos import Polygon
from django.db import connection

from geo.functions import Lat, Lon
from reports import representation
from reports.models import Report
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


REPORTS_SQL = """
WITH cells AS (
    SELECT count(*) AS count, avg(lon) AS lon, avg(lat) AS lat, min(id) AS id FROM ({picked}) picked GROUP BY {cell}
)
SELECT ST_AsMVT(features, %s, %s, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(cells.lon, cells.lat), 4326), 3857),
                        ST_TileEnvelope(%s, %s, %s), %s, %s) AS geom,
           cells.count, reports_report.code, c.slug AS category, reports_report.status,
           {overdue} AS overdue, reports_report.support_count
    FROM cells
    LEFT JOIN reports_report ON reports_report.id = cells.id AND cells.count = 1
    LEFT JOIN reports_category c ON c.id = reports_report.category_id
) features
"""
# The cells of a tile from the zoom-16 counts; a cell of one report shows that report, found by the index.
SUMMED_SQL = """
WITH cells AS (
    SELECT x >> %(shift)s AS cx, y >> %(shift)s AS cy, sum(count) AS count,
           sum(sum_lon) / sum(count) AS lon, sum(sum_lat) / sum(count) AS lat
    FROM tiles_reportcell
    WHERE x BETWEEN %(x0)s AND %(x1)s AND y BETWEEN %(y0)s AND %(y1)s AND count > 0 {filters}
    GROUP BY 1, 2 HAVING sum(count) > 0
)
SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(cells.lon, cells.lat), 4326), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s) AS geom,
           cells.count, reports_report.code, c.slug AS category, reports_report.status,
           {overdue} AS overdue, reports_report.support_count
    FROM cells
    LEFT JOIN LATERAL (
        SELECT * FROM reports_report WHERE cells.count = 1 AND NOT hidden AND NOT private {report_filters}
            AND location && ST_Transform(ST_TileEnvelope(%(cell_zoom)s, cells.cx, cells.cy), 4326)
        ORDER BY location <-> ST_SetSRID(ST_MakePoint(cells.lon, cells.lat), 4326) LIMIT 1
    ) reports_report ON true
    LEFT JOIN reports_category c ON c.id = reports_report.category_id
) features
"""
# Cells in spherical Mercator by its formula (y in earth radii): ST_Transform on a million points costs seconds.
CLUSTER_CELL = "floor((lon - %s) / %s), floor((%s - ln(tan(radians(45 + lat / 2)))) / %s)"

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


def report_tile(z, x, y, categories=None, statuses=None):
    """The tile z/x/y of the public reports (of these category ids and statuses, if given), as MVT bytes."""
    if z <= SUMMED_UP_TO_ZOOM:
        return summed_report_tile(z, x, y, categories, statuses)
    return read_report_tile(z, x, y, categories, statuses)


def read_report_tile(z, x, y, categories=None, statuses=None):
    """The tile made from every report it covers: up to a thousand or so, fast; a million take a second."""
    reports = Report.objects.public()
    if categories is not None:
        reports = reports.filter(category__in=categories)
    if statuses is not None:
        reports = reports.filter(status__in=statuses)
    west, south, east, north = grid.lonlat_bounds(z, x, y)
    picked = (
        reports.filter(location__bboverlaps=Polygon.from_bbox((west, south, east, north)))
        .annotate(lon=Lon("location"), lat=Lat("location"))
        # The index's boxes are rounded outwards: this keeps exactly the tile's points (west and north edges in).
        .filter(lon__gte=west, lon__lt=east, lat__gt=south, lat__lte=north)
        .order_by()
        .values_list("id", "lon", "lat")
    )
    picked_sql, picked_params = picked.query.sql_with_params()
    if z >= POINTS_FROM_ZOOM:
        cell, cell_params = "id", []
    else:
        left, _, right, top = grid.mercator_bounds(z, x, y)
        size = (right - left) / CLUSTER_CELLS
        cell, cell_params = CLUSTER_CELL, [west, (east - west) / CLUSTER_CELLS,
                                           top / grid.EARTH_RADIUS_M, size / grid.EARTH_RADIUS_M]
    params = [
        *picked_params, *cell_params,
        REPORTS_LAYER, EXTENT, z, x, y, EXTENT, BUFFER,
    ]
    return _tile(REPORTS_SQL.format(picked=picked_sql, cell=cell, overdue=overdue_sql()), params)


def summed_report_tile(z, x, y, categories=None, statuses=None):
    """The tile (up to zoom 14) added up from the zoom-16 report cells: as fast for a million reports as for ten."""
    span = 2 ** (ReportCell.ZOOM - z)  # zoom-16 tiles across this tile
    filters, report_filters = [], []
    params = {
        "shift": ReportCell.ZOOM - z - CELL_ZOOMS_BELOW, "cell_zoom": z + CELL_ZOOMS_BELOW,
        "x0": x * span, "x1": (x + 1) * span - 1, "y0": y * span, "y1": (y + 1) * span - 1,
        "layer": REPORTS_LAYER, "extent": EXTENT, "buffer": BUFFER, "z": z, "x": x, "y": y,
    }
    if categories is not None:
        params["categories"] = tuple(categories) or (0,)
        filters.append("AND category_id IN %(categories)s")
    if statuses is not None:
        params["statuses"] = tuple(str(status) for status in statuses) or ("",)
        filters.append("AND status IN %(statuses)s")
    report_filters = [f.replace("AND ", "AND reports_report.") for f in filters]
    return _tile(SUMMED_SQL.format(filters=" ".join(filters), report_filters=" ".join(report_filters),
                                   overdue=overdue_sql()), params)


def overdue_sql():
    """The one rule for "overdue" (reports.representation) as SQL on the row reports_report, for today."""
    return representation.literal_sql(representation.overdue()).replace("%", "%%")


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
    with connection.cursor() as cursor:  # without JIT, as every statement (config/settings.py)
        cursor.execute(sql, params)
        return bytes(cursor.fetchone()[0] or b"")
