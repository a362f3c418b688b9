"""Every GeoJSON we serve, checked as RFC 7946 reads: geojson-pydantic's models, an `id` on each feature, no
`crs` member, and the ring orientation the models do not check (outer rings counter-clockwise, holes clockwise)."""

import json

from geojson_pydantic import Feature, FeatureCollection


def signed_area(ring):
    """Twice the ring's area by the shoelace formula: positive when it turns counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:], strict=False))


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def check_feature(feature):
    assert feature.get("id") not in (None, ""), feature
    for outer, *holes in polygons(feature["geometry"]):
        assert signed_area(outer) > 0, f"{feature['id']}: an outer ring is clockwise"
        assert all(signed_area(hole) < 0 for hole in holes), f"{feature['id']}: a hole is counter-clockwise"


def check_geojson(document):
    """The document (parsed, or JSON bytes) when it is RFC 7946 GeoJSON as we serve it; raises otherwise."""
    if isinstance(document, bytes | str):
        document = json.loads(document)
    assert "crs" not in document
    if document["type"] == "FeatureCollection":
        FeatureCollection.model_validate(document)
        for feature in document["features"]:
            check_feature(feature)
    else:
        Feature.model_validate(document)
        check_feature(document)
    return document
