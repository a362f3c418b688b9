"""Mapbox Vector Tiles made by PostGIS (ST_AsMVT, ST_AsMVTGeom): public reports, and the kelurahan.

Report tiles carry only public fields: code, category, status, overdue, support count.
Below POINTS_FROM_ZOOM the reports of each grid cell (CLUSTER_CELLS x CLUSTER_CELLS per
tile: 64 px on a 256 px tile, so that 40 px cluster bubbles do not overlap) become one
feature with their `count`, at their mean position; a cell holding one report shows
that report. So a tile holds at most 16 features however many reports it covers.
From POINTS_FROM_ZOOM on, every report is its own feature (count 1), as a marker map
shows them close up.
"""

from django.contrib.gis.geos import Polygon
from django.db import connection, transaction
from django.utils import timezone

from geo.functions import Lat, Lon
from reports.models import OPEN_STATUSES
from tiles import grid

EXTENT = 4096
BUFFER = 64
CLUSTER_CELLS = 4
POINTS_FROM_ZOOM = 18
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
           cells.count, r.code, c.slug AS category, r.status,
           r.status IN %s AND r.due_date < %s AS overdue, r.support_count
    FROM cells
    LEFT JOIN reports_report r ON r.id = cells.id AND cells.count = 1
    LEFT JOIN reports_category c ON c.id = r.category_id
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


def report_tile(z, x, y, reports):
    """The tile z/x/y of `reports` (a queryset of public reports, filtered as wanted), as MVT bytes."""
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
        REPORTS_LAYER, EXTENT, z, x, y, EXTENT, BUFFER, tuple(str(status) for status in OPEN_STATUSES),
        timezone.localdate(),
    ]
    return _tile(REPORTS_SQL.format(picked=picked_sql, cell=cell), params)


def kelurahan_tile(z, x, y):
    """The tile z/x/y of the active generation's kelurahan boundaries, with code and name, as MVT bytes."""
    params = [KELURAHAN_LAYER, EXTENT, z, x, y, EXTENT, BUFFER, *grid.lonlat_bounds(z, x, y)]
    return _tile(KELURAHAN_SQL, params)


def _tile(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        # A tile is one quick pass over its rows: compiling it first (JIT) would cost more than it saves.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return bytes(cursor.fetchone()[0] or b"")
