"""/data/: the page for planners and developers listing every export and feed, each URL carrying the filters
chosen on the page, with the addresses QGIS, GDAL and web maps take; and /data/peta/, a MapLibre map of the
vector tiles that shows how to embed them."""

import urllib.parse

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from geo.models import Kecamatan, Kelurahan
from reports.interop.exports import ExportFilter
from reports.models import STATUS_WORDS, Category

# The page's filters: the exports' own (ExportFilter), the ones every feed can carry.
FILTERS = ("category", "status", "kecamatan", "kelurahan", "from", "to")


def chosen(request):
    """The filters of the request that are valid, as (form, {parameter: value}); a bad one is shown, not used."""
    form = ExportFilter(request.GET)
    form.is_valid()
    return form, {name: request.GET[name] for name in FILTERS
                  if request.GET.get(name) and name.replace("from", "from_") not in form.errors}


def url(absolute, path, params=None):
    query = urllib.parse.urlencode({key: value for key, value in (params or {}).items() if value}, safe=",./:")
    return absolute(path) + ("?" + query if query else "")


def feeds(absolute, params):
    """[(section title, [(title, URL, note)])]: every export and feed, with `params` (the page's filters) in the
    form each one takes them."""
    exported = {name: params.get(name) for name in FILTERS}
    when = f"{params.get('from') or '..'}/{params.get('to') or '..'}" if params.get("from") or params.get("to") \
        else None
    ogc = {"category": params.get("category"), "status": params.get("status"), "datetime": when,
           "kecamatan_code": params.get("kecamatan"), "kelurahan_code": params.get("kelurahan")}
    tiles = {"category": params.get("category"), "status": params.get("status")}
    open311 = {"service_code": params.get("category"), "start_date": params.get("from"),
               "end_date": params.get("to"),
               "status": params.get("status") if params.get("status") in ("open", "closed") else None}
    xyz = url(absolute, "/tiles/reports/") + "{z}/{x}/{y}.pbf"
    query = urllib.parse.urlencode({k: v for k, v in tiles.items() if v})
    return [
        (_("Downloads"), [
            (_("Reports as GeoJSON"), url(absolute, "/api/v1/reports.geojson", exported),
             _("For QGIS (drag it in) and web maps; one file, every report the filters select, with its "
               "description, address, answers and the dates it was filed, verified, fixed and closed.")),
            (_("Reports as CSV for Excel (Indonesia)"),
             url(absolute, "/api/v1/reports.csv", {**exported, "dialect": "excel-id"}),
             _("Opens straight in a spreadsheet set to Indonesian: semicolons, decimal commas, dates as "
               "06/12/2026 14:05.")),
            (_("Reports as standard CSV"), url(absolute, "/api/v1/reports.csv", exported),
             _("For tools (GDAL, QGIS, R, pandas): commas, decimal points, ISO 8601 times with +07:00.")),
            (_("Kelurahan boundaries as GeoJSON"), url(absolute, "/api/v1/kelurahan.geojson"), ""),
            (_("Figures per kelurahan as GeoJSON"), url(absolute, "/api/v1/stats/kelurahan.geojson"), ""),
            (_("All figures as JSON"), url(absolute, "/api/v1/stats.json"), ""),
        ]),
        (_("For QGIS and GDAL"), [
            (_("OGC API - Features (QGIS: Layer, Add WFS / OGC API - Features layer)"), url(absolute, "/ogcapi/"),
             _('Collections "reports" and "kelurahan"; QGIS and GDAL filter on the server.')),
            (_("The reports with these filters (OGC API items)"),
             url(absolute, "/ogcapi/collections/reports/items", ogc), ""),
            (_("Vector tiles, XYZ (QGIS: Vector Tiles, New Generic Connection)"),
             xyz + ("?" + query if query else ""),
             _('Zoom 0 to 22; below zoom 18 reports are grouped (their number is in "count").')),
            (_("Vector tiles as TileJSON (MapLibre, GDAL)"), url(absolute, "/tiles/reports.json", tiles), ""),
            (_("MapLibre style of the reports"), url(absolute, "/tiles/reports/style.json", tiles), ""),
            (_("Kelurahan vector tiles as TileJSON"), url(absolute, "/tiles/kelurahan.json"), ""),
        ]),
        (_("For other systems"), [
            (_("Open311 GeoReport v2 requests"), url(absolute, "/open311/v2/requests.json", open311),
             _("Services: /open311/v2/services.json; filing needs an API key from the city.")),
            (_("The API definition (OpenAPI 3)"), url(absolute, "/api/schema/"), ""),
            (_("The API documentation"), url(absolute, "/api/docs/"), ""),
        ]),
    ]


def choices(params):
    """[(parameter, label, [(value, name, chosen)])] for the page's lists."""
    lists = [
        ("category", _("Category"), [(c.slug, c.name) for c in Category.objects.order_by("parent__sort_order",
                                                                                          "sort_order")]),
        ("status", _("Status"), STATUS_WORDS),
        ("kecamatan", _("Kecamatan"), Kecamatan.objects.order_by("code").values_list("code", "name")),
        ("kelurahan", _("Kelurahan"), Kelurahan.objects.order_by("code").values_list("code", "name")),
    ]
    return [(name, label, [(value, text, value == params.get(name)) for value, text in options])
            for name, label, options in lists]


def open_data(request):
    """The list of exports and feeds, built from the filters chosen on the page."""
    form, params = chosen(request)
    return render(request, "reports/open_data.html", {
        "form": form, "params": params, "sections": feeds(request.build_absolute_uri, params),
        "choices": choices(params),
        "map_url": reverse("open-data-map") + ("?" + urllib.parse.urlencode(params) if params else ""),
    })


def open_data_map(request):
    """The reports' vector tiles drawn by MapLibre GL JS from our TileJSON and style, with the code to embed it.
    The site's Content-Security-Policy needs no change: MapLibre's worker is a module from our static files
    (script-src 'self'), its tiles and style come from this site (connect-src 'self')."""
    _, params = chosen(request)
    tiles = {name: params[name] for name in ("category", "status") if name in params}
    return render(request, "reports/open_data_map.html", {
        "style_url": url(request.build_absolute_uri, "/tiles/reports/style.json", tiles),
        "basemap_attribution": settings.BASEMAP_ATTRIBUTION})
