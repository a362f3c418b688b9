"""The city's own gazetteer: kelurahan names and the Place table, searched before any outside geocoder.

A default installation has no geocoder (GEOCODER_URL empty), and a resident who types "Ganting" or a street
name must still find it. The Place table is read from the city's files with GDAL (any CRS, any format GDAL
reads), edited in the admin, and learns from reports (remember_address): the addresses the geocoder gave them, the
addresses typed when filing, and those of verified reports. The one module that writes places.
"""

from collections import defaultdict

from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPoint
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import transaction
from django.db.models import Q

from geo.boundaries import wgs84
from geo.models import Generation, KelurahanBoundary, Place, search_form

NAME_MAX_LENGTH = Place._meta.get_field("name").max_length
PROGRESS_EVERY = 1000


class PlaceFileError(Exception):
    """A file that cannot be read as places; the message names the file and what is wrong."""


# Words every other street has: typed alone they find no place (a kelurahan still).
GENERIC = {"jalan", "gang"}


def search(text, limit=5):
    """Kelurahan whose names hold every word of `text`, then places whose names are like it, as [(name, lat, lon)],
    kelurahan first, places most alike first.

    Places are matched loosely: both sides in search_form (no diacritics, "jl"/"jln"/"jalan" alike), and pg_trgm's
    word similarity (a name holding something like the text) above the connection's threshold
    (config/settings.py), served by the GIN trigram index on search_name.
    """
    words, wanted = text.split(), search_form(text)
    if not words or not wanted:
        return []
    found = []
    generation = Generation.objects.current()
    if generation is not None:
        boundaries = (KelurahanBoundary.objects.filter(generation=generation)
                      .filter(_all_words("kelurahan__name", words))
                      .annotate(point=PointOnSurface("boundary")).select_related("kelurahan__kecamatan")
                      .order_by("kelurahan__name")[:limit])
        found += [(f"Kelurahan {b.kelurahan.name}, Kecamatan {b.kelurahan.kecamatan.name}", b.point.y, b.point.x)
                  for b in boundaries]
    if set(wanted.split()) <= GENERIC:
        return found
    places = (Place.objects.filter(search_name__trigram_word_similar=wanted)
              .annotate(alike=TrigramWordSimilarity(wanted, "search_name"))
              .order_by("-alike", "name")[: limit - len(found)])
    return found + [(place.name, place.location.y, place.location.x) for place in places]


def _all_words(field, words):
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field}__icontains": word})
    return condition


def remember_address(address, point, source=Place.Source.GEOCODER):
    """Learn an address for the search: one the geocoder gave for `point`, one typed when filing, or a verified
    report's (`source`). An imported, hand-made or already learnt place of that name stays as it is."""
    name = " ".join(address.split())[:NAME_MAX_LENGTH]
    if search_form(name):
        Place.objects.get_or_create(name=name, defaults={"location": point, "source": source})


def read_places(path, name_field="name", progress=None, every=PROGRESS_EVERY):
    """{name: MultiPoint of where the file has it} from any file GDAL reads, in WGS 84; unnamed features skipped.

    A street drawn as many segments becomes one place, at the middle of its segment nearest their centre.
    Returns (places, counts) with counts of features read, unnamed and without geometry; `progress` is called
    with the count read so far every `every` features.
    """
    try:
        source = DataSource(str(path))
    except GDALException as error:
        raise PlaceFileError(f"{path}: GDAL cannot read it ({error})")
    found, counts = defaultdict(list), {"features": 0, "unnamed": 0, "no_geometry": 0}
    for layer in source:
        if name_field not in layer.fields:
            raise PlaceFileError(f"{path}: layer {layer.name} has no field '{name_field}' (it has: "
                                 f"{', '.join(layer.fields)})")
        to_wgs84 = CoordTransform(layer.srs, wgs84()) if layer.srs else None
        for feature in layer:
            counts["features"] += 1
            if progress and counts["features"] % every == 0:
                progress(counts["features"])
            name = " ".join(str(feature.get(name_field) or "").split())[:NAME_MAX_LENGTH]
            if not name:
                counts["unnamed"] += 1
                continue
            if feature.geom is None:
                counts["no_geometry"] += 1
                continue
            geom = feature.geom.clone()
            if to_wgs84:
                geom.transform(to_wgs84)
            found[name].append(_representative(GEOSGeometry(geom.wkb, srid=4326)))
    return {name: MultiPoint(points, srid=4326) for name, points in found.items()}, counts


def _representative(geom):
    """A point of a feature for the map to centre on: a line's middle, a polygon's inside, a point itself."""
    if geom.geom_type == "MultiLineString":
        geom = max(geom, key=lambda line: line.length)
    if geom.geom_type == "LineString":
        return geom.interpolate_normalized(0.5)
    return geom.point_on_surface


def save_places(places):
    """Store what read_places found: new names added, imported ones moved; returns (added, updated)."""
    added = updated = 0
    with transaction.atomic():
        existing = {p.name: p for p in Place.objects.filter(name__in=list(places))}
        for name, points in places.items():
            location = _middle(points)
            if name in existing:
                place = existing[name]
                place.location, place.source = location, Place.Source.IMPORT
                place.save(update_fields=["location", "source", "updated"])
                updated += 1
            else:
                Place.objects.create(name=name, location=location, source=Place.Source.IMPORT)
                added += 1
    return added, updated


def _middle(points):
    """The point of a place's features nearest their centre: on the street, not in a block beside it."""
    centre = points.centroid
    return min(points, key=lambda point: point.distance(centre))
