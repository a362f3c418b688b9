"""PostGIS functions Django does not name: a point's longitude and latitude, read in the database, and the
winding GeoJSON asks of polygons."""

from django.contrib.gis.db.models.functions import GeoFunc
from django.db.models import FloatField, Func


class Lon(Func):
    function = "ST_X"
    output_field = FloatField()


class Lat(Func):
    function = "ST_Y"
    output_field = FloatField()


class ForcePolygonCCW(GeoFunc):
    """Outer rings counter-clockwise and holes clockwise, as RFC 7946 asks of GeoJSON (section 3.1.6):
    the boundaries are stored as their source drew them."""

    function = "ST_ForcePolygonCCW"
