"""PostGIS functions Django does not name: a point's longitude and latitude, read in the database."""

from django.db.models import FloatField, Func


class Lon(Func):
    function = "ST_X"
    output_field = FloatField()


class Lat(Func):
    function = "ST_Y"
    output_field = FloatField()
