"""`manage.py import_kelurahan`: GeoJSON, Shapefile in UTM 47S, GeoPackage, and broken files."""

import json
import re
import subprocess

import pytest
import shapely
from django.core.management import CommandError

from geo.boundaries import file_sha256, read_boundary_file, survey
from geo.models import Generation, Kecamatan, Kelurahan, KelurahanBoundary
from tests.conftest import PUBLISHED, run

pytestmark = pytest.mark.django_db


def as_shapely(geom):
    return shapely.from_wkb(bytes(geom.wkb))


def counts():
    return (Generation.objects.count(), KelurahanBoundary.objects.count(), Kelurahan.objects.count())


def ogr2ogr(target, source, *options):
    subprocess.run(["ogr2ogr", *options, str(target), str(source)], check=True, capture_output=True)
    return target


def write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def square(lon, lat, size=0.01, z=None):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    if z is not None:
        ring = [[x, y, z] for x, y in ring]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry, code="13.74.01.1001", name="Ganting", kecamatan="Padang Panjang Timur"):
    return {"type": "Feature", "properties": {"code": code, "name": name, "kecamatan": kecamatan}, "geometry": geometry}


def test_it_reports_the_overlaps_and_gaps_of_the_published_file_without_storing_it():
    before = counts()
    out = run("import_kelurahan", str(PUBLISHED))
    assert "16 kelurahan in 2 kecamatan" in out
    assert "Overlapping pairs: 25 (13,404 m²)" in out
    assert "Gaps: 69 (11,079 m²; 4 of them under 1 m²)" in out
    assert "Dry run: nothing stored" in out
    # Each overlap is listed by its pair of codes and area.
    assert len(re.findall(r"^  13\.74\.\d\d\.\d{4} / 13\.74\.\d\d\.\d{4}: [\d,.]+ m²$", out, re.M)) == 25
    assert counts() == before


def test_it_stores_a_new_inactive_generation_with_commit_and_activates_it_on_request():
    active = Generation.objects.current()
    out = run("import_kelurahan", str(PUBLISHED), "--commit")
    stored = Generation.objects.latest("created")
    assert "inactive" in out and stored != active and not stored.active
    assert stored.boundaries.count() == 16
    assert Generation.objects.current() == active

    run("import_kelurahan", str(PUBLISHED), "--commit", "--activate")
    newest = Generation.objects.latest("created")
    assert Generation.objects.current() == newest
    assert Generation.objects.filter(active=True).count() == 1
    # Kelurahan are identities: a new generation re-uses them rather than duplicating.
    assert Kelurahan.objects.count() == 16 and Kecamatan.objects.count() == 2


def test_it_reads_a_shapefile_in_utm_47s_as_the_same_boundaries(tmp_path):
    shapefile = ogr2ogr(tmp_path / "kelurahan.shp", PUBLISHED, "-t_srs", "EPSG:32747")
    assert "UTM_Zone_47S" in (tmp_path / "kelurahan.prj").read_text()
    from_shapefile = survey(read_boundary_file(shapefile))
    from_geojson = survey(read_boundary_file(PUBLISHED))

    assert [f.code for f in from_shapefile.features] == [f.code for f in from_geojson.features]
    for projected, original in zip(from_shapefile.features, from_geojson.features, strict=True):
        # Back in degrees, in longitude-latitude order, within millimetres of the original.
        assert projected.boundary.srid == 4326
        assert shapely.hausdorff_distance(as_shapely(projected.boundary), as_shapely(original.boundary)) < 1e-7
    overlaps = [o.area_m2 for o in from_geojson.overlaps]
    assert [o.area_m2 for o in from_shapefile.overlaps] == pytest.approx(overlaps, 1e-3)
    # The round trip through metres may close the one gap of a few cm² that the original has.
    def visible_gaps(found):
        return sorted(g.area_m2 for g in found.gaps if g.area_m2 >= 0.1)

    assert len(visible_gaps(from_geojson)) == 68
    assert visible_gaps(from_shapefile) == pytest.approx(visible_gaps(from_geojson), 1e-3)


def test_it_reads_a_geopackage_with_other_field_names(tmp_path):
    geopackage = ogr2ogr(
        tmp_path / "wilayah.gpkg", PUBLISHED, "-sql",
        "SELECT code_plain AS kode, name AS nama, kecamatan AS kec FROM padang_panjang_kelurahan_raw",
    )
    out = run("import_kelurahan", str(geopackage), "--code-field", "kode", "--name-field", "nama",
              "--kecamatan-field", "kec")
    assert "16 kelurahan in 2 kecamatan" in out
    found = read_boundary_file(geopackage, "nama", "kode", "kec")
    # Plain BPS-style codes are written the Kemendagri way.
    assert found.features[0].code == "13.74.01.1001"


def test_it_forces_2d_and_repairs_invalid_polygons(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[100.40, -0.47], [100.41, -0.46], [100.41, -0.47],
                                                   [100.40, -0.46], [100.40, -0.47]]]}
    path = write_geojson(tmp_path / "k.geojson", [
        feature(square(100.38, -0.47, z=812.5)),
        feature(bowtie, code="13.74.01.1002", name="Sigando"),
    ])
    out = run("import_kelurahan", str(path))
    assert "Repaired geometries: 1" in out
    assert re.search(r"13\.74\.01\.1002 Sigando: Self-intersection", out)

    found = read_boundary_file(path)
    flat, repaired = found.features
    assert not flat.boundary.hasz
    assert repaired.boundary.valid and repaired.boundary.geom_type == "MultiPolygon"
    assert repaired.boundary.area == pytest.approx(0.00005, rel=1e-6)  # the two triangles of the bow-tie


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is not GeoJSON\n", "not a file GDAL can read"),
        (json.dumps({"type": "FeatureCollection", "features": [feature(None)]}), "feature 0: has no geometry"),
        (
            json.dumps({"type": "FeatureCollection", "features": [
                feature({"type": "Point", "coordinates": [100.4, -0.46]})]}),
            "feature 0: is a Point; a boundary file holds polygons",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": [
                feature(square(100.38, -0.47)), feature(square(100.39, -0.47), code="Ganting")]}),
            "feature 1: field 'code': 'Ganting' is not a kelurahan code",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": [
                feature(square(100.38, -0.47)), feature(square(100.39, -0.47))]}),
            "feature 1: field 'code': code 13.74.01.1001 repeats feature 0",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": [
                feature(square(100.38, -0.47)), feature(square(100.39, -0.47), code="13.74.01.1002", name="")]}),
            "feature 1: field 'name': is empty",
        ),
        (
            json.dumps({"type": "FeatureCollection",
                        "features": [feature(square(100.38, -0.47), kecamatan="K" * 101)]}),
            "feature 0: field 'kecamatan': is longer than 100 characters",
        ),
    ],
    ids=["not-geojson", "no-geometry", "point", "bad-code", "repeated-code", "empty-name", "long-kecamatan"],
)
def test_it_refuses_a_broken_file_in_one_line_and_stores_nothing(tmp_path, content, message):
    path = tmp_path / "kelurahan.geojson"
    path.write_text(content)
    before = counts()
    with pytest.raises(CommandError) as error:
        run("import_kelurahan", str(path), "--commit", "--activate")
    text = str(error.value)
    assert "\n" not in text
    assert text.startswith(str(path)) and message in text
    assert counts() == before


def test_it_names_a_missing_field_and_the_fields_the_file_has(tmp_path):
    path = write_geojson(tmp_path / "k.geojson", [feature(square(100.38, -0.47))])
    with pytest.raises(CommandError, match=r"field 'kode': missing \(the file has: code, name, kecamatan\)"):
        run("import_kelurahan", str(path), "--code-field", "kode")


def test_it_refuses_a_shapefile_without_its_projection(tmp_path):
    shapefile = ogr2ogr(tmp_path / "k.shp", write_geojson(tmp_path / "k.geojson", [feature(square(100.38, -0.47))]))
    (tmp_path / "k.prj").unlink()
    with pytest.raises(CommandError, match="declares no coordinate reference system"):
        run("import_kelurahan", str(shapefile))


def test_a_shapefile_counts_as_changed_when_only_its_attributes_change(tmp_path):
    source = write_geojson(tmp_path / "k.geojson", [feature(square(100.38, -0.47))])
    shapefile = ogr2ogr(tmp_path / "k.shp", source)
    before = file_sha256(shapefile)
    renamed = write_geojson(tmp_path / "k2.geojson", [feature(square(100.38, -0.47), name="Ganting Baru")])
    ogr2ogr(tmp_path / "k.shp", renamed, "-overwrite")
    assert (tmp_path / "k.shp").read_bytes() and file_sha256(shapefile) != before


def test_a_renamed_kelurahan_keeps_its_name_until_its_generation_is_activated(tmp_path):
    ganting = Kelurahan.objects.get(code="13.74.01.1001")
    path = write_geojson(tmp_path / "k.geojson", [feature(square(100.41, -0.465), name="Ganting Baru")])
    run("import_kelurahan", str(path), "--commit")
    ganting.refresh_from_db()
    assert ganting.name == "Ganting"  # lookups still use the active generation, and so do the names

    run("activate_generation", str(Generation.objects.latest("created").pk))
    ganting.refresh_from_db()
    assert ganting.name == "Ganting Baru"
