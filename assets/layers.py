"""Reading a city's asset files into a generation of their kind, and the generated sample layer.

`import_assets` and `sample_assets` are thin wrappers over this module. A file is anything GDAL reads (GeoPackage,
Shapefile in any CRS, GeoJSON) or a CSV with coordinate columns; every feature is checked before anything is
stored, and the first bad one is refused by its number (a CSV's by its line). Storing makes a new generation of
the kind and activates it: the rows of older generations that reports name stay, so no report changes asset.
"""

import csv
import datetime
import decimal
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSException, GEOSGeometry, LineString, MultiPoint, Point
from django.db import transaction

from assets.models import Asset, AssetGeneration, AssetKind
from geo import places
from geo.boundaries import file_sha256, wgs84
from geo.models import Crew, Generation
from reports.models import Category

PROGRESS_EVERY = 1000
IDENTIFIER_MAX = Asset._meta.get_field("identifier").max_length
# Column names a CSV may give its coordinates under (easting/northing in its --srid when not degrees).
X_COLUMNS = ("lon", "longitude", "bujur", "x", "easting")
Y_COLUMNS = ("lat", "latitude", "lintang", "y", "northing")
GEOMETRY_TYPES = {AssetKind.Geometry.POINT: {"Point"}, AssetKind.Geometry.LINE: {"LineString", "MultiLineString"}}
# The kinds a city starts with, and the main categories whose reports name them.
DEFAULT_KINDS = [
    {"code": "lampu", "name_id": "Lampu penerangan jalan", "name_en": "Street light",
     "geometry": AssetKind.Geometry.POINT, "names_street": False, "category": "penerangan-jalan"},
    {"code": "saluran", "name_id": "Saluran drainase", "name_en": "Drain",
     "geometry": AssetKind.Geometry.LINE, "names_street": False, "category": "drainase"},
    {"code": "jalan", "name_id": "Ruas jalan", "name_en": "Road segment",
     "geometry": AssetKind.Geometry.LINE, "names_street": True, "category": "jalan"},
]
BULK = 2000


class AssetFileError(Exception):
    """A file that cannot be imported; one line naming the file, the feature (or CSV line) and what is wrong."""

    def __init__(self, path, message, where=None):
        super().__init__(f"{path}: " + (f"{where}: " if where else "") + message)


@dataclass
class AssetFeature:
    identifier: str
    geometry: GEOSGeometry
    attributes: dict
    crew: Crew = None


@dataclass
class AssetFile:
    path: Path
    sha256: str
    features: list


def ensure_default_kinds():
    """Create the default kinds that are missing and link each to its main category where that has no kind yet;
    never overwrite an administrator's edits. Returns the number of kinds created."""
    created = 0
    for spec in DEFAULT_KINDS:
        values = {key: value for key, value in spec.items() if key not in ("code", "category")}
        kind, made = AssetKind.objects.get_or_create(code=spec["code"], defaults=values)
        created += made
        Category.objects.filter(slug=spec["category"], asset_kind=None).update(asset_kind=kind)
    return created


def read_asset_file(path, kind, id_field="id", srid=None, progress=None):
    """Read and check every feature of an asset file for `kind`; raise AssetFileError at the first bad one.

    `srid` is the CRS of a CSV's coordinates (4326 when not given) or of a file that declares none.
    `progress(n)` is called every PROGRESS_EVERY features read.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise AssetFileError(path, "no such file")
    outline = _city_outline()
    checker = _Checker(path, kind, outline)
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(path, id_field, srid)
    else:
        rows = _gdal_rows(path, id_field, srid)
    features = []
    for number, (where, identifier, geometry, attributes) in enumerate(rows, start=1):
        features.append(checker.feature(where, identifier, geometry, attributes))
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)
    if not features:
        raise AssetFileError(path, "holds no features")
    return AssetFile(path=path, sha256=file_sha256(path), features=features)


def _city_outline():
    generation = Generation.objects.current()
    if generation is None:
        raise AssetFileError("-", "no kelurahan boundaries are loaded: run setup_city or import_kelurahan first")
    # LOOKUP_TOLERANCE_M around the outline, in degrees of latitude (the city is at the equator: near enough east).
    return generation.outline.buffer(settings.LOOKUP_TOLERANCE_M / 111_320).prepared


class _Checker:
    def __init__(self, path, kind, outline):
        self.path, self.kind, self.outline = path, kind, outline
        self.seen = {}
        self.crews = {crew.name.casefold(): crew for crew in Crew.objects.all()}

    def feature(self, where, identifier, geometry, attributes):
        identifier = " ".join(str(identifier if identifier is not None else "").split())
        if not identifier:
            raise AssetFileError(self.path, "no identifier", where)
        if len(identifier) > IDENTIFIER_MAX:
            raise AssetFileError(self.path, f"identifier longer than {IDENTIFIER_MAX} characters", where)
        if identifier in self.seen:
            raise AssetFileError(self.path, f"identifier {identifier} repeats {self.seen[identifier]}", where)
        self.seen[identifier] = where
        if geometry is None or geometry.empty:
            raise AssetFileError(self.path, f"asset {identifier} has no geometry", where)
        wanted = GEOMETRY_TYPES[self.kind.geometry]
        if geometry.geom_type not in wanted:
            raise AssetFileError(self.path, f"asset {identifier} is a {geometry.geom_type}; {self.kind.code} "
                                            f"needs {' or '.join(sorted(wanted))}", where)
        if not geometry.valid or any(not math.isfinite(value) for value in geometry.extent):
            raise AssetFileError(self.path, f"asset {identifier} has a bad geometry ({geometry.valid_reason})", where)
        if geometry.geom_type == "MultiLineString" and geometry.merged.geom_type == "LineString":
            geometry = geometry.merged  # a segment drawn in pieces is one line
        if not self.outline.covers(geometry):
            raise AssetFileError(self.path, f"asset {identifier} lies outside the city", where)
        crew = None
        if name := str(attributes.get("crew") or "").strip():
            crew = self.crews.get(name.casefold())
            if crew is None:
                raise AssetFileError(self.path, f"no crew is named '{name}'", where)
        return AssetFeature(identifier, geometry, attributes, crew)


def _gdal_rows(path, id_field, srid):
    try:
        source = DataSource(str(path))
    except GDALException:
        raise AssetFileError(path, "not a file GDAL can read as vector data (GeoPackage, Shapefile, GeoJSON, CSV)")
    if source.layer_count != 1:
        raise AssetFileError(path, f"holds {source.layer_count} layers; export the asset layer alone")
    layer = source[0]
    if id_field not in layer.fields:
        raise AssetFileError(path, f"has no field '{id_field}' (it has: {', '.join(layer.fields) or 'none'})")
    srs = layer.srs or (SpatialReference(srid) if srid else None)
    if srs is None:
        raise AssetFileError(path, "declares no coordinate reference system (a Shapefile needs its .prj); give --srid")
    to_wgs84 = CoordTransform(srs, wgs84())
    for number, feature in enumerate(layer, start=1):
        where = f"feature {number}"
        geometry = None
        if feature.geom is not None:
            try:
                ogr = feature.geom.clone()
                ogr.transform(to_wgs84)
                geometry = GEOSGeometry(ogr.wkb, srid=4326)
            except (GDALException, GEOSException) as error:
                raise AssetFileError(path, f"geometry cannot be read ({error})", where)
        attributes = {name: _json_value(feature.get(name)) for name in layer.fields}
        yield where, feature.get(id_field), geometry, attributes


def _csv_rows(path, id_field, srid):
    to_wgs84 = CoordTransform(SpatialReference(srid), wgs84()) if srid and srid != 4326 else None
    with open(path, newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        columns = {name.strip().lower(): name for name in reader.fieldnames or []}
        x = next((columns[name] for name in X_COLUMNS if name in columns), None)
        y = next((columns[name] for name in Y_COLUMNS if name in columns), None)
        if id_field.lower() not in columns or x is None or y is None:
            raise AssetFileError(path, f"needs the columns '{id_field}', lon and lat (or x and y); it has: "
                                       f"{', '.join(reader.fieldnames or [])}")
        for row in reader:
            where = f"line {reader.line_num}"
            try:
                point = Point(float(row[x].replace(",", ".")), float(row[y].replace(",", ".")), srid=srid or 4326)
            except (TypeError, ValueError, AttributeError):
                raise AssetFileError(path, f"coordinates {x} {row.get(x)!r}, {y} {row.get(y)!r} are not numbers", where)
            if to_wgs84:
                point.transform(to_wgs84)
            attributes = {name: value for name, value in row.items() if name not in (x, y) and name is not None}
            yield where, row.get(columns[id_field.lower()]), point, attributes


def _json_value(value):
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def save_assets(kind, found, sample=False, progress=None):
    """Store a read AssetFile as a new generation of `kind` and activate it (one transaction). Rows of older
    generations that a report names stay; the others go. A kind that names streets gives its street names to the
    map's search (geo.places), unless the layer is a generated `sample`. Returns (generation, counts)."""
    with transaction.atomic():
        AssetKind.objects.select_for_update().get(pk=kind.pk)  # one import of a kind at a time
        generation = AssetGeneration.objects.create(kind=kind, source=str(found.path)[:500],
                                                    source_sha256=found.sha256, sample=sample)
        for start in range(0, len(found.features), BULK):
            Asset.objects.bulk_create(
                Asset(kind=kind, generation=generation, identifier=feature.identifier, geometry=feature.geometry,
                      attributes=feature.attributes, crew=feature.crew)
                for feature in found.features[start:start + BULK])
            if progress:
                progress(min(start + BULK, len(found.features)))
        older = AssetGeneration.objects.filter(kind=kind).exclude(pk=generation.pk)
        older.filter(active=True).update(active=False)
        AssetGeneration.objects.filter(pk=generation.pk).update(active=True)
        generation.active = True
        removed, _ = Asset.objects.filter(generation__in=older, reports__isnull=True).delete()
        older.filter(assets__isnull=True).delete()
        added = updated = 0
        if kind.names_street and not sample:  # made-up streets stay out of the search
            added, updated = places.save_places(street_places(found.features))
    return generation, {"assets": len(found.features), "removed": removed, "places_added": added,
                        "places_updated": updated}


def street_places(features):
    """{street name: MultiPoint} of the road segments' `name` attribute, each segment at its middle, as
    geo.places.read_places gives them (save_places then keeps each street at its segment nearest their centre)."""
    found = defaultdict(list)
    for feature in features:
        name = " ".join(str(feature.attributes.get("name") or "").split())[:places.NAME_MAX_LENGTH]
        if name:
            found[name].append(places._representative(feature.geometry))
    return {name: MultiPoint(points, srid=4326) for name, points in found.items()}


def sample_layer(kind, count):
    """A generated layer of `count` assets of `kind` inside the city, marked as a sample (attribute `sample: true`,
    name "CONTOH ..."): for tests and demonstrations, never the city's data. Deterministic (a Halton sequence over
    the city's box): the same count gives the same assets. Returns an AssetFile (path "sample")."""
    generation = Generation.objects.current()
    if generation is None:
        raise AssetFileError("sample", "no kelurahan boundaries are loaded: run setup_city first")
    west, south, east, north = generation.outline.extent
    inside = generation.outline.prepared
    # A line segment: about 80 m east-west, as a drain or a road between two junctions.
    half = 0.00036
    features, n = [], 0
    while len(features) < count and n < count * 50:
        n += 1
        x, y = west + (east - west) * _halton(n, 2), south + (north - south) * _halton(n, 3)
        geometry = Point(x, y, srid=4326)
        if kind.geometry == AssetKind.Geometry.LINE:
            geometry = LineString((x - half, y), (x + half, y + half / 3), srid=4326)
        if not inside.covers(geometry):
            continue
        number = len(features) + 1
        identifier = f"CONTOH-{kind.code.upper()}-{number:06d}"
        name = f"CONTOH Jalan {number}" if kind.names_street else f"CONTOH {kind.name_id} {number}"
        features.append(AssetFeature(identifier, geometry, {"name": name, "sample": True}))
    return AssetFile(path=Path("sample"), sha256="sample", features=features)


def _halton(index, base):
    """The index-th number of the Halton sequence in `base`: points spread evenly, without randomness."""
    result, fraction = 0.0, 1.0
    while index:
        fraction /= base
        result += fraction * (index % base)
        index //= base
    return result
