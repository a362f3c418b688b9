"""Where our tiles are about: the city, from the active boundary generation's outline.

Report and kelurahan tiles outside it are empty without a query or a cache entry, and the
basemap proxy fetches only tiles near it: a script walking the world's tiles neither fills
Redis and the disk nor bulk-downloads the upstream's tiles through us.
"""

import time

from geo.models import Generation
from tiles import grid

# How far around the city the basemap is fetched, in degrees (about 55 km): the region a map is panned over.
BASEMAP_MARGIN_DEG = 0.5
# Each process reads the outline's box again at most this often (a new generation is rare).
REREAD_SECONDS = 60

_read = {"at": 0.0, "bounds": None}


def city_bounds():
    """(west, south, east, north) of the active generation's outline, or None before any import."""
    if time.monotonic() - _read["at"] > REREAD_SECONDS:
        outline = Generation.objects.filter(active=True).values_list("outline", flat=True).first()
        _read["bounds"], _read["at"] = (outline.extent if outline else None), time.monotonic()
    return _read["bounds"]


def touches_city(z, x, y, margin=0.0):
    """Whether tile z/x/y overlaps the city's box grown by `margin` degrees."""
    bounds = city_bounds()
    if bounds is None:
        return False
    west, south, east, north = grid.lonlat_bounds(z, x, y)
    city_west, city_south, city_east, city_north = bounds
    return (west <= city_east + margin and east >= city_west - margin
            and south <= city_north + margin and north >= city_south - margin)


def forget():
    """Read the outline again at the next tile (after a generation is activated, and in tests)."""
    _read["at"] = 0.0
