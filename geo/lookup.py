"""The one place that decides which kelurahan (and which crew) a point belongs to."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from geo import routing
from geo.models import Generation, Kecamatan, Kelurahan

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
    With a category routed to crews, the crew is chosen too (geo.routing.crew_for).
    """
    with connection.cursor() as cursor:
        cursor.execute(COVERS_SQL, {"lon": where.x, "lat": where.y})
        inside = cursor.fetchone()
        if inside is not None:
            location = Location(_kelurahan(inside), INSIDE, 0.0)
        else:
            cursor.execute(NEAREST_SQL, {"lon": where.x, "lat": where.y, "candidates": NEAREST_CANDIDATES})
            candidates = cursor.fetchall()
            if not candidates:
                raise NoBoundaries("No kelurahan boundaries are loaded: run `python manage.py setup_city`.")
            nearest = min(candidates, key=lambda row: (row[-1], row[1]))  # metres, then the lower code
            distance_m = nearest[-1]
            if distance_m > settings.LOOKUP_TOLERANCE_M and not _in_outline(where):
                raise OutsideCity(distance_m)
            location = Location(_kelurahan(nearest), NEAREST, distance_m)
    if category is not None and category.by_crew:
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


# The lookup's two queries, written out: it runs on every tap on the map and every filing, and the ORM's
# building of them cost twice what PostgreSQL takes to answer (bench/lookup_bench.py). The polygons stay in the
# database; each row is the kelurahan and its kecamatan.
KELURAHAN_ROW = """
SELECT k.id, k.code, k.name, k.population, kc.id, kc.code, kc.name{extra}
FROM geo_kelurahanboundary b
JOIN geo_generation g ON g.id = b.generation_id AND g.active
JOIN geo_kelurahan k ON k.id = b.kelurahan_id
JOIN geo_kecamatan kc ON kc.id = k.kecamatan_id
"""
HERE = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
COVERS_SQL = KELURAHAN_ROW.format(extra="") + f"WHERE ST_Covers(b.boundary, {HERE}) ORDER BY k.code LIMIT 1"
# On the spheroid: a sphere is 0.5 % off for north-south distances near the equator.
NEAREST_SQL = KELURAHAN_ROW.format(
    extra=f", ST_DistanceSpheroid(b.boundary, {HERE}, 'SPHEROID[\"WGS 84\",6378137,298.257223563]')"
) + f"ORDER BY b.boundary <-> {HERE} LIMIT %(candidates)s"


def _kelurahan(row):
    kecamatan = Kecamatan.from_db(connection.alias, ["id", "code", "name"], row[4:7])
    kelurahan = Kelurahan.from_db(connection.alias, ["id", "code", "name", "population", "kecamatan_id"],
                                  [*row[0:4], kecamatan.pk])
    kelurahan.kecamatan = kecamatan
    return kelurahan


def _in_outline(where):
    """True for a point in a hole between kelurahan polygons (a gap of the data, not outside the city)."""
    return Generation.objects.filter(active=True, outline__covers=where).exists()
