"""The one place that decides which kelurahan (and which crew) a point belongs to."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from geo import routing
from geo.models import Generation, KelurahanBoundary

INSIDE = "inside"
NEAREST = "nearest"
# The `<->` index order is in degrees; the true nearest in metres is among the first few.
NEAREST_CANDIDATES = 4


class OutsideCity(Exception):
    """The point is too far from every kelurahan to be a GPS error."""

    def __init__(self, distance_m):
        self.distance_m = distance_m
        super().__init__(
            _(
                "This point is outside Kota Padang Panjang, %(distance)s m from the city boundary. "
                "Choose a place inside the city."
            )
            % {"distance": number_format(distance_m, 0, force_grouping=True)}
        )


class NoBoundaries(Exception):
    """No boundary generation is active yet (run `manage.py setup_city`)."""


@dataclass
class Location:
    kelurahan: object
    match: str
    distance_m: float
    crew: object = None
    crew_problem: str = ""

    @property
    def kecamatan(self):
        return self.kelurahan.kecamatan


def point(lat, lon):
    return Point(float(lon), float(lat), srid=4326)


def locate(where, category=None):
    """Place a point (EPSG:4326) in exactly one kelurahan of the active generation.

    A point inside or on the border of a kelurahan matches it (`covers`); where the
    published polygons overlap, the lower code wins. A point in a gap of the data,
    or at most LOOKUP_TOLERANCE_M outside the city, goes to the nearest kelurahan.
    Anything farther out raises OutsideCity with the distance in metres.
    With a category, the crew is chosen too (geo.routing.crew_for).
    """
    # The polygons stay in the database: reading one into Python (GEOS) costs more than the whole query.
    boundaries = (KelurahanBoundary.objects.filter(generation__active=True).select_related("kelurahan__kecamatan")
                  .defer("boundary"))
    inside = boundaries.filter(boundary__covers=where).order_by("kelurahan__code").first()
    if inside is not None:
        location = Location(inside.kelurahan, INSIDE, 0.0)
    else:
        # On the spheroid: a sphere is 0.5 % off for north-south distances near the equator.
        nearest_first = boundaries.annotate(distance=Distance("boundary", where, spheroid=True))
        candidates = list(nearest_first.order_by(GeometryDistance("boundary", where))[:NEAREST_CANDIDATES])
        if not candidates:
            raise NoBoundaries("No kelurahan boundaries are loaded: run `python manage.py setup_city`.")
        nearest = min(candidates, key=lambda b: (b.distance.m, b.kelurahan.code))
        distance_m = nearest.distance.m
        if distance_m > settings.LOOKUP_TOLERANCE_M and not _in_outline(where):
            raise OutsideCity(distance_m)
        location = Location(nearest.kelurahan, NEAREST, distance_m)
    if category is not None:
        try:
            location.crew = routing.crew_for(location.kelurahan, category)
        except routing.CrewConflict as conflict:
            location.crew_problem = str(conflict)
        if location.crew is None and not location.crew_problem:
            location.crew_problem = _("No crew handles %(category)s in %(kelurahan)s.") % {
                "category": category,
                "kelurahan": location.kelurahan,
            }
    return location


def _in_outline(where):
    """True for a point in a hole between kelurahan polygons (a gap of the data, not outside the city)."""
    return Generation.objects.filter(active=True, outline__covers=where).exists()
