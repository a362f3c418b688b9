"""Reading kelurahan boundary files and turning them into a generation.

`import_kelurahan` and `setup_city` are thin wrappers over this module: read a
file (GeoJSON, Shapefile, GeoPackage: anything GDAL reads, in any CRS), survey
its overlaps and gaps, and save it as a new generation.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from audit.models import Action, record
from geo.models import Generation, Kecamatan, Kelurahan, KelurahanBoundary

CODE_RE = re.compile(r"^(\d{2})\.?(\d{2})\.?(\d{2})\.?(\d{4})$")
POLYGON_TYPES = {"Polygon", "MultiPolygon"}
NAME_MAX_LENGTH = Kelurahan._meta.get_field("name").max_length
# A gap's neighbours are the kelurahan within this many degrees (about 1 cm) of it.
NEIGHBOUR_TOLERANCE_DEG = 1e-7


class BoundaryFileError(Exception):
    """A boundary file that cannot be imported; the message is one line naming the file, feature and field."""

    def __init__(self, path, message, feature=None, field_name=None):
        where = [str(path)]
        if feature is not None:
            where.append(f"feature {feature}")
        if field_name is not None:
            where.append(f"field '{field_name}'")
        super().__init__(": ".join(where) + ": " + message)


@dataclass
class BoundaryFeature:
    code: str
    name: str
    kecamatan_code: str
    kecamatan_name: str
    boundary: MultiPolygon
    repaired: str = ""


@dataclass
class Overlap:
    code_a: str
    code_b: str
    area_m2: float


@dataclass
class Gap:
    area_m2: float
    lat: float
    lon: float
    neighbours: list = field(default_factory=list)


@dataclass
class BoundaryFile:
    path: Path
    sha256: str
    srs_name: str
    features: list
    outline: MultiPolygon = None
    overlaps: list = field(default_factory=list)
    gaps: list = field(default_factory=list)

    @property
    def repairs(self):
        return [f for f in self.features if f.repaired]


def normalise_code(value):
    """'1374021002' or '13.74.02.1002' -> '13.74.02.1002'; None if it is no kelurahan code."""
    match = CODE_RE.match(str(value or "").strip())
    return ".".join(match.groups()) if match else None


def file_sha256(path):
    """The file's digest; for a Shapefile, with its attributes (.dbf), projection (.prj) and encoding (.cpg)."""
    path = Path(path)
    parts = [path] + [path.with_suffix(s) for s in (".dbf", ".prj", ".cpg") if path.suffix.lower() == ".shp"]
    digest = hashlib.sha256()
    for part in parts:
        if part == path or part.exists():
            with open(part, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


def read_boundary_file(path, name_field="name", code_field="code", kecamatan_field="kecamatan"):
    """Read and check every feature of a boundary file; raise BoundaryFileError on the first problem."""
    path = Path(path).resolve()
    if not path.is_file():
        raise BoundaryFileError(path, "no such file")
    try:
        source = DataSource(str(path))
    except GDALException:
        raise BoundaryFileError(path, "not a file GDAL can read as vector data (GeoJSON, Shapefile, GeoPackage)")
    if source.layer_count != 1:
        raise BoundaryFileError(path, f"holds {source.layer_count} layers; export the kelurahan layer alone")
    layer = source[0]
    if layer.srs is None:
        raise BoundaryFileError(path, "declares no coordinate reference system (a Shapefile needs its .prj)")
    if len(layer) == 0:
        raise BoundaryFileError(path, "holds no features")
    for wanted in (name_field, code_field, kecamatan_field):
        if wanted not in layer.fields:
            raise BoundaryFileError(
                path, f"missing (the file has: {', '.join(layer.fields) or 'no fields'})", field_name=wanted
            )
    to_wgs84 = CoordTransform(layer.srs, wgs84())

    features, seen, kecamatan_names = [], {}, {}
    for index, feature in enumerate(layer):
        code = normalise_code(feature.get(code_field))
        if code is None:
            raise BoundaryFileError(
                path, f"{feature.get(code_field)!r} is not a kelurahan code like 13.74.02.1002", index, code_field
            )
        if code in seen:
            raise BoundaryFileError(path, f"code {code} repeats feature {seen[code]}", index, code_field)
        seen[code] = index
        name = _name(path, index, feature, name_field)
        kecamatan_name = _name(path, index, feature, kecamatan_field)
        kecamatan_code = code[:8]
        if kecamatan_names.setdefault(kecamatan_code, kecamatan_name) != kecamatan_name:
            raise BoundaryFileError(
                path,
                f"'{kecamatan_name}' differs from '{kecamatan_names[kecamatan_code]}' for kecamatan {kecamatan_code}",
                index,
                kecamatan_field,
            )
        boundary, repaired = _feature_boundary(path, index, feature, to_wgs84)
        features.append(BoundaryFeature(code, name, kecamatan_code, kecamatan_name, boundary, repaired))

    return BoundaryFile(path=path, sha256=file_sha256(path), srs_name=layer.srs.name, features=features)


def _name(path, index, feature, field_name):
    """A kelurahan or kecamatan name: present, and short enough to store."""
    name = str(feature.get(field_name) or "").strip()
    if not name:
        raise BoundaryFileError(path, "is empty", index, field_name)
    if len(name) > NAME_MAX_LENGTH:
        raise BoundaryFileError(path, f"is longer than {NAME_MAX_LENGTH} characters", index, field_name)
    return name


def _feature_boundary(path, index, feature, to_wgs84):
    """The feature's geometry as a valid 2D MultiPolygon in EPSG:4326, and what was repaired."""
    try:
        geom = feature.geom
    except GDALException:
        geom = None
    if geom is None or geom.empty:
        raise BoundaryFileError(path, "has no geometry", index)
    geom.set_3d(False)
    geom.set_measured(False)
    if geom.geom_type.name not in POLYGON_TYPES:
        raise BoundaryFileError(path, f"is a {geom.geom_type.name}; a boundary file holds polygons", index)
    geom.transform(to_wgs84)
    boundary = GEOSGeometry(geom.wkb, srid=4326)
    repaired = ""
    if not boundary.valid:
        repaired = boundary.valid_reason
        boundary = _polygons_only(boundary.make_valid())
        if boundary.empty:
            raise BoundaryFileError(path, f"geometry is beyond repair ({repaired})", index)
    if boundary.geom_type == "Polygon":
        boundary = MultiPolygon(boundary, srid=4326)
    return boundary, repaired


def _polygons_only(geom):
    """make_valid() may return a collection with lines or points left from spikes; keep the area."""
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=geom.srid)
    parts = [p for g in geom for p in (g if g.geom_type == "MultiPolygon" else [g]) if p.geom_type == "Polygon"]
    return MultiPolygon(*parts, srid=geom.srid)


def _to_geos(shape):
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326)


def wgs84():
    """WGS 84 (longitude, latitude) for GDAL's transforms. Made when a transform needs it, never at import: a
    preloading gunicorn master imports every module before it forks its workers, and an object made there would
    leave PROJ's database open in the master, shared by every worker."""
    return SpatialReference(4326)


def metric_srs(lon, lat):
    """The UTM zone around a place (EPSG:32747, 47S, for Padangpanjang): areas in true m²."""
    zone = int((lon + 180) // 6) + 1
    return SpatialReference((32700 if lat < 0 else 32600) + zone)


def survey(boundary_file):
    """Fill in the file's city outline, and every overlap and gap between neighbouring kelurahan (in m²)."""
    features = boundary_file.features
    shapes = [shapely.from_wkb(bytes(f.boundary.wkb)) for f in features]
    union = shapely.union_all(shapes)
    centre = union.centroid
    to_metric = CoordTransform(wgs84(), metric_srs(centre.x, centre.y))

    def area_m2(shape):
        geom = _to_geos(shape)
        geom.transform(to_metric)
        return geom.area

    # Candidate pairs from a spatial index, so a file of 80,000 desa is not 3 billion comparisons.
    tree = shapely.STRtree(shapes)
    overlaps = []
    pairs = {(int(i), int(j)) for i, j in zip(*tree.query(shapes, predicate="intersects"), strict=True) if i < j}
    for i, j in sorted(pairs):
        shared = shapes[i].intersection(shapes[j])
        if shared.area > 0:
            overlaps.append(Overlap(features[i].code, features[j].code, area_m2(shared)))

    gaps, outer_rings = [], []
    for part in getattr(union, "geoms", [union]):
        outer_rings.append(shapely.Polygon(part.exterior))
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            point = hole.representative_point()
            touching = tree.query(hole.buffer(NEIGHBOUR_TOLERANCE_DEG), predicate="intersects")
            gaps.append(Gap(area_m2(hole), point.y, point.x, sorted(features[k].code for k in touching)))

    boundary_file.outline = _polygons_only(_to_geos(shapely.MultiPolygon(outer_rings)))
    boundary_file.overlaps = overlaps
    boundary_file.gaps = gaps
    return boundary_file


@transaction.atomic
def save_generation(boundary_file, *, actor, activate=False):
    """Store the file as a new generation (kelurahan and kecamatan are matched by code).

    `actor` (a user or a command's name) goes in the audit trail, as for `activate_generation`.
    """
    if boundary_file.outline is None:
        survey(boundary_file)
    generation = Generation.objects.create(
        source=str(boundary_file.path), source_sha256=boundary_file.sha256, outline=boundary_file.outline
    )
    kecamatan = {}
    for feature in boundary_file.features:
        # New codes get their rows now; names of existing ones change only on activation.
        if feature.kecamatan_code not in kecamatan:
            kecamatan[feature.kecamatan_code], _ = Kecamatan.objects.get_or_create(
                code=feature.kecamatan_code, defaults={"name": feature.kecamatan_name}
            )
        kelurahan, _ = Kelurahan.objects.get_or_create(
            code=feature.code, defaults={"name": feature.name, "kecamatan": kecamatan[feature.kecamatan_code]}
        )
        KelurahanBoundary.objects.create(
            kelurahan=kelurahan, generation=generation, boundary=feature.boundary, name=feature.name,
            kecamatan_name=feature.kecamatan_name, repaired=feature.repaired[:200],
        )
    record(actor, Action.IMPORT, [generation], {"source": generation.source, "kelurahan": len(boundary_file.features)})
    if activate:
        activate_generation(generation, actor=actor)
    return generation


@transaction.atomic
def activate_generation(generation, *, actor):
    """Make `generation` the one every lookup uses, from the next lookup on; `actor` is a user or a command."""
    previous = [g.pk for g in Generation.objects.select_for_update().filter(active=True)]  # one at a time
    Generation.objects.filter(active=True).exclude(pk=generation.pk).update(active=False)
    if not generation.active:
        generation.active = True
        generation.save(update_fields=["active"])
    # Kelurahan and kecamatan take the names this generation's file gives them.
    for boundary in generation.boundaries.select_related("kelurahan__kecamatan"):
        kelurahan, kecamatan = boundary.kelurahan, boundary.kelurahan.kecamatan
        if kelurahan.name != boundary.name:
            Kelurahan.objects.filter(pk=kelurahan.pk).update(name=boundary.name)
        if kecamatan.name != boundary.kecamatan_name:
            Kecamatan.objects.filter(pk=kecamatan.pk).update(name=boundary.kecamatan_name)
    record(actor, Action.ACTIVATE, [generation], {"previous": previous})
    return generation
