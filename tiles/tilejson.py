"""What a map client needs to know of our tile sets before it asks for a tile: TileJSON 3.0.0 (MapLibre, QGIS),
the metadata.json GDAL's MVT driver reads (tippecanoe's form), and a MapLibre style of the reports in the
site's status colours (static/css/app.css)."""

import functools
import json
import re
import urllib.parse
from pathlib import Path

from django.conf import settings

from reports.models import Status
from tiles import area, mvt

# Each tile set: its layer's fields (TileJSON's vector_layers: name -> type) and its zooms. Report tiles group
# reports below mvt.POINTS_FROM_ZOOM, from which each report is its own point: that is their maxzoom (a client
# zooming further draws the zoom-18 tiles larger), so QGIS's default zoom range does not stop at the clusters.
TILESETS = {
    mvt.REPORTS_LAYER: {
        "name": "Lapor Padangpanjang: reports",
        "description": "Public reports; below zoom 18 those close together are one feature with their count.",
        "fields": {"count": "Number", "code": "String", "category": "String", "status": "String",
                   "overdue": "Boolean", "support_count": "Number"},
        "geometry": "Point", "minzoom": 10, "maxzoom": mvt.POINTS_FROM_ZOOM,
    },
    mvt.KELURAHAN_LAYER: {
        "name": "Lapor Padangpanjang: kelurahan",
        "description": "The kelurahan boundaries in force.",
        "fields": {"code": "String", "name": "String", "kecamatan": "String"},
        "geometry": "Polygon", "minzoom": 10, "maxzoom": 16,
    },
}
CENTRE_ZOOM = 14
# The style's first view: the whole city on a 360-px phone (MapLibre counts zooms in 512-px tiles).
STYLE_ZOOM = 11.5
# The site's one definition of the statuses' colours: `--status-<status>: #rrggbb;` in static/css/app.css.
STATUS_COLOURS_CSS = Path(settings.BASE_DIR) / "static" / "css" / "app.css"


@functools.cache
def status_colours():
    """{status: colour} as static/css/app.css defines them, read once: the style draws reports as our maps do."""
    found = dict(re.findall(r"--status-([a-z]+):\s*(#[0-9a-f]{6})\b", STATUS_COLOURS_CSS.read_text()))
    return {status: found[status] for status in Status.values}


def asset_tileset(kind):
    """The tile set of an asset kind (tiles.views.asset_tile): its layer is named by the kind's code."""
    return {
        "name": f"Lapor Padangpanjang: assets {kind}",
        "description": "The city's assets of this kind (active generation); id is the asset id a report takes.",
        "fields": {"id": "Number", "identifier": "String", "name": "String"},
        "geometry": "Point or LineString", "minzoom": mvt.ASSETS_FROM_ZOOM, "maxzoom": 18,
    }


def tile_url(absolute, layer, query, path=None):
    """The tiles' URL template with `query` (the report tiles' filters); braces kept for the client to fill."""
    return absolute(f"/tiles/{path or layer}/") + "{z}/{x}/{y}.pbf" + (
        f"?{urllib.parse.urlencode(query)}" if query else "")


def box():
    """(bounds, centre) of the city: TileJSON's [w, s, e, n] and [lon, lat, zoom]."""
    west, south, east, north = (round(value, 6) for value in area.city_bounds() or (-180, -85.0511, 180, 85.0511))
    return [west, south, east, north], [round((west + east) / 2, 6), round((south + north) / 2, 6), CENTRE_ZOOM]


def tilejson(absolute, layer, query=None, tileset=None, path=None):
    """The TileJSON 3.0.0 document of a tile set (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0);
    `tileset` and `path` for a set not in TILESETS (an asset kind's)."""
    tileset = tileset or TILESETS[layer]
    bounds, centre = box()
    return {
        "tilejson": "3.0.0",
        "name": tileset["name"],
        "description": tileset["description"],
        "attribution": "Lapor Padangpanjang",
        "scheme": "xyz",
        "tiles": [tile_url(absolute, layer, query, path)],
        "minzoom": tileset["minzoom"],
        "maxzoom": tileset["maxzoom"],
        "bounds": bounds,
        "center": centre,
        "vector_layers": [vector_layer(layer, tileset)],
    }


def vector_layer(layer, tileset=None):
    tileset = tileset or TILESETS[layer]
    return {"id": layer, "description": tileset["description"], "fields": tileset["fields"],
            "minzoom": tileset["minzoom"], "maxzoom": tileset["maxzoom"]}


def gdal_metadata(layer):
    """metadata.json as tippecanoe writes it beside its tiles, which GDAL's MVT driver reads: numbers as text, and
    the layers in a JSON string, with tippecanoe's `tilestats`, where GDAL finds the geometry type."""
    tileset = TILESETS[layer]
    bounds, centre = box()
    stats = {"layerCount": 1, "layers": [{
        "layer": layer, "geometry": tileset["geometry"], "attributeCount": len(tileset["fields"]),
        "attributes": [{"attribute": name, "type": kind.lower()} for name, kind in tileset["fields"].items()]}]}
    return {
        "name": tileset["name"], "description": tileset["description"], "format": "pbf",
        "minzoom": str(tileset["minzoom"]), "maxzoom": str(tileset["maxzoom"]),
        "bounds": ",".join(map(str, bounds)), "center": ",".join(map(str, centre)),
        "json": json.dumps({"vector_layers": [vector_layer(layer)], "tilestats": stats}),
    }


def reports_style(absolute, query=None):
    """A MapLibre GL style (version 8) of the reports: groups as circles sized by their count, single reports as
    dots in their status's colour. No basemap and no text (that would need a glyph server): add them in your map."""
    source = absolute("/tiles/reports.json") + (f"?{urllib.parse.urlencode(query)}" if query else "")
    _, (lon, lat, _) = box()
    colours = status_colours()
    # MapLibre's match needs a last colour for any other value: there is none, so the colour of "rejected".
    colour = ["match", ["get", "status"], *[part for pair in colours.items() for part in pair], colours["ditolak"]]
    return {
        "version": 8,
        "name": "Lapor Padangpanjang: reports",
        "center": [lon, lat], "zoom": STYLE_ZOOM,
        "sources": {"reports": {"type": "vector", "url": source, "attribution": "Lapor Padangpanjang"}},
        "layers": [
            {"id": "report-groups", "type": "circle", "source": "reports", "source-layer": mvt.REPORTS_LAYER,
             "filter": [">", ["get", "count"], 1],
             "paint": {"circle-color": "#0b5e3c", "circle-opacity": 0.75, "circle-stroke-color": "#ffffff",
                       "circle-stroke-width": 2,
                       "circle-radius": ["interpolate", ["linear"], ["get", "count"], 2, 10, 100, 20, 1000, 28]}},
            {"id": "reports", "type": "circle", "source": "reports", "source-layer": mvt.REPORTS_LAYER,
             "filter": ["==", ["get", "count"], 1],
             "paint": {"circle-color": colour, "circle-radius": 7, "circle-stroke-color": "#ffffff",
                       "circle-stroke-width": 2}},
        ],
    }
