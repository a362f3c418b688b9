"""The web-map tile grid (XYZ, spherical Mercator, EPSG:3857): which tiles exist and what they cover."""

import math

from django.http import Http404

MAX_ZOOM = 22
# Half the width of the Mercator world in metres (EPSG:3857).
HALF_WORLD_M = 20037508.342789244
EARTH_RADIUS_M = 6378137.0
# A point this close to a tile edge (in tile widths) counts as in both tiles: float rounding decides nothing.
EDGE = 1e-6


def check(z, x, y, max_zoom=MAX_ZOOM):
    """Http404 unless z/x/y names a tile of the grid."""
    if not (0 <= z <= max_zoom and 0 <= x < 2**z and 0 <= y < 2**z):
        raise Http404("No such tile.")


def mercator_bounds(z, x, y):
    """(left, bottom, right, top) of a tile in EPSG:3857 metres, as ST_TileEnvelope gives them."""
    size = 2 * HALF_WORLD_M / 2**z
    left, top = -HALF_WORLD_M + x * size, HALF_WORLD_M - y * size
    return left, top - size, left + size, top


def lonlat_bounds(z, x, y):
    """(west, south, east, north) of a tile in degrees."""
    left, bottom, right, top = mercator_bounds(z, x, y)
    return (left / HALF_WORLD_M * 180, _latitude(bottom), right / HALF_WORLD_M * 180, _latitude(top))


def _latitude(northing):
    return math.degrees(2 * math.atan(math.exp(northing / EARTH_RADIUS_M)) - math.pi / 2)


def _fraction(lon, lat):
    """Where a point lies in the world, from (0, 0) at the top left to (1, 1) at the bottom right."""
    sin_lat = math.sin(math.radians(lat))
    return (lon + 180) / 360, 0.5 - math.log((1 + sin_lat) / (1 - sin_lat)) / (4 * math.pi)


def tiles_at(lon, lat, zooms=range(MAX_ZOOM + 1)):
    """Every tile (z, x, y) holding the point at each zoom; two (or four) where it lies on an edge."""
    fx, fy = _fraction(lon, lat)
    found = set()
    for z in zooms:
        n = 2**z
        xs = {min(n - 1, max(0, math.floor(fx * n + d))) for d in (-EDGE, EDGE)}
        ys = {min(n - 1, max(0, math.floor(fy * n + d))) for d in (-EDGE, EDGE)}
        found.update((z, x, y) for x in xs for y in ys)
    return found


def tiles_covering(west, south, east, north, z):
    """The tiles (x, y) at zoom z that the box touches."""
    left, top = _fraction(west, north)
    right, bottom = _fraction(east, south)
    n = 2**z
    for x in range(math.floor(left * n), min(n - 1, math.floor(right * n)) + 1):
        for y in range(math.floor(top * n), min(n - 1, math.floor(bottom * n)) + 1):
            yield x, y
