"""geo.lookup.locate on the published boundaries: interior, border, overlap, gap, just outside, far outside.

The expected answers come from shapely over the files in tests/data/kelurahan/, not from the code under test.
"""

import csv
import json

import pytest
import shapely
import shapely.affinity
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
from shapely.geometry import shape

from geo import lookup
from geo.boundaries import read_boundary_file, save_generation, survey
from tests.conftest import CITY, CLEAN, ORACLE, PUBLISHED, read_geojson

pytestmark = pytest.mark.django_db

WGS84, UTM = SpatialReference(4326), SpatialReference(32747)


def to_utm(geom):
    ogr = OGRGeometry(geom.wkt, srs=WGS84)
    ogr.transform(CoordTransform(WGS84, UTM))
    return shapely.from_wkt(ogr.wkt)


def to_wgs84(geom):
    ogr = OGRGeometry(geom.wkt, srs=UTM)
    ogr.transform(CoordTransform(UTM, WGS84))
    return shapely.from_wkt(ogr.wkt)


def polygons(path):
    return {f["properties"]["code"]: shape(f["geometry"]) for f in read_geojson(path)["features"]}


def locate(geom):
    return lookup.locate(lookup.point(geom.y, geom.x))


def city_outline():
    return shape(read_geojson(CITY)["features"][0]["geometry"])


def test_it_places_each_official_label_point_inside_its_kelurahan():
    with open(ORACLE / "padang_panjang_kelurahan_list.csv") as rows:
        for row in csv.DictReader(rows):
            found = lookup.locate(lookup.point(row["label_point_lat"], row["label_point_lon"]))
            assert (found.kelurahan.code, found.match, found.distance_m) == (row["code"], "inside", 0.0)
            assert found.kecamatan.code == row["kecamatan_code"] and found.kecamatan.name == row["kecamatan"]


def test_a_point_on_a_border_counts_as_inside():
    published = polygons(PUBLISHED)
    # A vertex of Pasar Baru's ring lies on its border; covers() counts it in.
    vertex = shapely.Point(published["13.74.02.1006"].exterior.coords[5])
    owners = sorted(code for code, polygon in published.items() if polygon.covers(vertex))
    found = locate(vertex)
    assert found.match == "inside" and found.kelurahan.code == owners[0]


def test_every_overlap_goes_to_the_lower_code_as_in_the_cleaned_file():
    published, clean = polygons(PUBLISHED), polygons(CLEAN)
    checked = 0
    for (code_a, a), (code_b, b) in (
        (x, y) for i, x in enumerate(sorted(published.items())) for y in sorted(published.items())[i + 1:]
    ):
        shared = a.intersection(b)
        if shared.area <= 0:
            continue
        inside = shared.representative_point()
        found = locate(inside)
        assert (found.kelurahan.code, found.match) == (min(code_a, code_b), "inside")
        assert clean[found.kelurahan.code].covers(inside)
        checked += 1
    assert checked == 25


def test_every_gap_goes_to_the_nearest_kelurahan():
    published = polygons(PUBLISHED)
    found_file = survey(read_boundary_file(PUBLISHED))
    assert len(found_file.gaps) == 69
    for gap in found_file.gaps:
        where = shapely.Point(gap.lon, gap.lat)
        distances = {code: to_utm(polygon).distance(to_utm(where)) for code, polygon in published.items()}
        nearest = min(distances, key=distances.get)
        found = locate(where)
        if gap.area_m2 < 0.1:
            continue  # a few cm² wide: its inner point is on a border within rounding, so "inside" is right too
        assert found.match == "nearest"
        assert found.kelurahan.code == nearest or distances[found.kelurahan.code] - distances[nearest] < 0.01
        assert found.distance_m == pytest.approx(distances[nearest], abs=0.05)


def test_every_point_of_the_city_gets_exactly_one_kelurahan_agreeing_with_the_cleaned_file():
    """A 100 m grid over the city: 2,300-odd points, none refused, each where the cleaned file puts it."""
    clean = polygons(CLEAN)
    outline = to_utm(city_outline())
    minx, miny, maxx, maxy = outline.bounds
    published = polygons(PUBLISHED)
    slivers = shapely.union_all(
        [shapely.symmetric_difference(published[code], clean[code]) for code in published]
    ).buffer(1e-6)
    points = [
        to_wgs84(shapely.Point(x, y))
        for x in range(int(minx), int(maxx), 100)
        for y in range(int(miny), int(maxy), 100)
        if outline.contains(shapely.Point(x, y))
    ]
    assert len(points) > 2000
    disagreements = 0
    for where in points:
        found = locate(where)
        assert found.match in ("inside", "nearest")
        expected = next(code for code, polygon in clean.items() if polygon.covers(where))
        if found.kelurahan.code != expected:
            # Only where the published and cleaned files differ (an overlap or a gap) may the answers differ.
            assert slivers.contains(where), (where, found.kelurahan.code, expected)
            disagreements += 1
    assert disagreements <= len(points) // 100


def east_of_city(metres):
    """A point `metres` due east of the city's easternmost vertex (so exactly that far from the city)."""
    outline = to_utm(city_outline())
    east = max(outline.exterior.coords, key=lambda xy: xy[0])
    return to_wgs84(shapely.Point(east[0] + metres, east[1]))


def test_a_point_just_outside_goes_to_the_nearest_kelurahan_with_its_distance():
    found = locate(east_of_city(30))
    assert found.match == "nearest"
    assert found.distance_m == pytest.approx(30, abs=0.5)
    assert found.kelurahan.code == "13.74.01.1002"  # Sigando is the city's eastern edge


def test_a_point_beyond_the_gps_tolerance_is_refused_with_its_distance():
    with pytest.raises(lookup.OutsideCity) as refused:
        locate(east_of_city(80))
    assert refused.value.distance_m == pytest.approx(80, abs=0.5)


def test_a_point_far_outside_is_refused_with_the_distance_in_true_metres():
    bukittinggi = shapely.Point(100.3692, -0.3055)
    with pytest.raises(lookup.OutsideCity) as refused:
        locate(bukittinggi)
    outline = city_outline()
    # The geodesic distance, from GDAL's UTM projection (exact to a fraction of a percent here).
    expected = to_utm(outline).distance(to_utm(bukittinggi))
    assert refused.value.distance_m == pytest.approx(expected, rel=0.005)
    assert 15_000 < refused.value.distance_m < 20_000
    assert "outside" in str(refused.value).lower() or "luar" in str(refused.value).lower()


def test_a_point_in_a_hole_of_the_data_far_from_any_polygon_still_goes_to_the_nearest(tmp_path):
    """A 600 m hole in the middle of the boundaries is a gap of the data, not outside the city."""
    centre = to_utm(shapely.Point(100.405, -0.4665))
    ring = centre.buffer(2000).difference(centre.buffer(300))
    halves = [ring.intersection(shapely.box(centre.x - 3000, centre.y - 3000, centre.x, centre.y + 3000)),
              ring.intersection(shapely.box(centre.x, centre.y - 3000, centre.x + 3000, centre.y + 3000))]
    features = [
        {"type": "Feature", "geometry": shapely.geometry.mapping(to_wgs84(half)),
         "properties": {"code": code, "name": name, "kecamatan": "Padang Panjang Barat"}}
        for half, code, name in zip(halves, ["13.74.02.1001", "13.74.02.1002"], ["West", "East"], strict=True)
    ]
    path = tmp_path / "holed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    save_generation(survey(read_boundary_file(path)), actor="tests", activate=True)

    found = locate(to_wgs84(shapely.Point(centre.x - 10, centre.y)))
    assert found.match == "nearest" and found.kelurahan.code == "13.74.02.1001"
    assert found.distance_m == pytest.approx(290, abs=2)


def test_activating_a_generation_switches_every_lookup_at_once(tmp_path):
    """A second generation: the published boundaries moved 0.003° (about 330 m) east."""
    moved = read_geojson(PUBLISHED)
    for feature in moved["features"]:
        feature["geometry"] = shapely.geometry.mapping(
            shapely.affinity.translate(shape(feature["geometry"]), xoff=0.003))
    path = tmp_path / "moved.geojson"
    path.write_text(json.dumps(moved))
    published, shifted = polygons(PUBLISHED), polygons(path)
    where = next(
        shapely.Point(lon / 1e4, lat / 1e4)
        for lon in range(1_003_800, 1_004_300, 10)
        for lat in range(-4_800, -4_550, 10)
        if {c for c, p in published.items() if p.contains(shapely.Point(lon / 1e4, lat / 1e4))}
        != {c for c, p in shifted.items() if p.contains(shapely.Point(lon / 1e4, lat / 1e4))}
        and any(p.contains(shapely.Point(lon / 1e4, lat / 1e4)) for p in published.values())
        and any(p.contains(shapely.Point(lon / 1e4, lat / 1e4)) for p in shifted.values())
    )
    before = locate(where).kelurahan.code
    assert published[before].contains(where)
    save_generation(survey(read_boundary_file(path)), actor="tests", activate=True)
    after = locate(where).kelurahan.code
    assert after != before and shifted[after].contains(where)
