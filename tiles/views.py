"""GET /tiles/...: vector tiles of the reports and the kelurahan, and the basemap through our cache."""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag

from assets.models import AssetGeneration, AssetKind
from config.connections import checked_by_use
from geo.models import Generation
from tiles import area, basemap, grid, invalidate, mvt, tilejson
from tiles.forms import TileFilter, tile_filter

MVT_TYPE = "application/vnd.mapbox-vector-tile"
# Boundaries change when another generation is activated or a name is edited; their ETag says which.
KELURAHAN_MAX_AGE = 3600
# TileJSON, metadata and style: they change with the city's outline, which is rare.
DESCRIPTION_MAX_AGE = 3600
# A tile away from the city is empty, made and kept by nobody; a browser may keep it a day.
ELSEWHERE_MAX_AGE = 86400


@checked_by_use
def report_tile(request, z, x, y):
    """Public reports, clustered below zoom 18; optional ?category= and ?status= (a status, or `open`).

    One round trip to Redis (the versions and the tile kept under this z/x/y and filters) and one statement
    (the tile's version, and the tile itself unless the kept one is that version's): tiles.invalidate. No
    `SELECT 1` before it (config.connections)."""
    grid.check(z, x, y)
    asked = f"category={request.GET.get('category', '')}&status={request.GET.get('status', '')}"
    entry_key = f"tiles:reports:{mvt.LAYOUT}:{z}/{x}/{y}:{asked}"
    names, categories, entry = invalidate.report_tile_state(entry_key)
    query = tile_filter(request.GET, categories)
    if not query.is_valid():
        return JsonResponse(query.errors, status=400)
    if not area.touches_city(z, x, y):
        return empty_tile()
    stamp = invalidate.stamp(names)
    held, kept_stamp, kept = entry if isinstance(entry, tuple) and len(entry) == 3 else (None, None, None)
    version, made = mvt.versioned_report_tile(z, x, y, query.categories(), query.statuses(),
                                              held if names and kept_stamp == stamp else None)
    if not names:  # the cache does not answer: nothing can be kept, nor an ETag promised
        response = HttpResponse(made, content_type=MVT_TYPE)
        patch_cache_control(response, no_store=True)
        return response
    if made is not None:
        cache.set(entry_key, (version, stamp, made), settings.TILES_CACHE_SECONDS)
    key = f"tiles:reports:{mvt.LAYOUT}:{z}/{x}/{y}:{version}.{stamp}:{query.key()}"
    return cacheable_tile(request, key, lambda: kept if made is None else made, settings.TILES_MAX_AGE)


def report_set(request):
    """/tiles/reports, the set's root: its overview, the one tile (at the deepest zoom where one does) holding the
    whole city, by a redirect keeping the filters. GDAL's MVT driver reads a root given without a zoom as a tile
    (`ogrinfo MVT:https://…/tiles/reports`); with a zoom (`…/tiles/reports/14`) it reads the set, georeferenced."""
    filters, refusal = report_filters(request)
    if refusal:
        return refusal
    bounds = area.city_bounds()
    if bounds is None:
        return empty_tile()
    z = max(z for z in range(grid.MAX_ZOOM + 1) if len(list(grid.tiles_covering(*bounds, z))) == 1)
    (x, y), = grid.tiles_covering(*bounds, z)
    query = f"?{urlencode(filters)}" if filters else ""
    response = HttpResponseRedirect(reverse("tiles:reports", kwargs={"z": z, "x": x, "y": y}) + query)
    patch_cache_control(response, public=True, max_age=DESCRIPTION_MAX_AGE)  # it moves with the city's outline
    return response


def report_filters(request):
    """The report tiles' filters of the request, checked: ({parameter: value}, None) or (None, a 400)."""
    query = TileFilter(request.GET)
    if not query.is_valid():
        return None, JsonResponse(query.errors, status=400)
    return {name: request.GET[name] for name in ("category", "status") if request.GET.get(name)}, None


def description(body):
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, public=True, max_age=DESCRIPTION_MAX_AGE)
    return response


def report_tilejson(request):
    """TileJSON 3.0.0 of the report tiles, their filters (?category=, ?status=) carried into the tiles' URL."""
    filters, refusal = report_filters(request)
    return refusal or description(tilejson.tilejson(request.build_absolute_uri, mvt.REPORTS_LAYER, filters))


def kelurahan_tilejson(request):
    return description(tilejson.tilejson(request.build_absolute_uri, mvt.KELURAHAN_LAYER))


def gdal_metadata(request, layer):
    """/tiles/{layer}/metadata.json, which GDAL's MVT driver reads before the tiles beside it."""
    return description(tilejson.gdal_metadata(layer))


def report_style(request):
    """A MapLibre style of the report tiles in the site's status colours, with the same filters."""
    filters, refusal = report_filters(request)
    return refusal or description(tilejson.reports_style(request.build_absolute_uri, filters))


def kelurahan_tile(request, z, x, y):
    """The active generation's kelurahan boundaries with code and name."""
    grid.check(z, x, y)
    if not area.touches_city(z, x, y):
        return empty_tile()
    generation = Generation.objects.filter(active=True).values_list("pk", flat=True).first()
    names = invalidate.names_version()
    key = names and f"tiles:kelurahan:{generation}.{names}:{z}/{x}/{y}"
    return tile_response(request, key, lambda: mvt.kelurahan_tile(z, x, y), KELURAHAN_MAX_AGE)


def asset_generation(kind):
    """The active generation's id of the asset kind `kind` (a code), None while it has none; 404 for an unknown
    kind. One query, on every tile request."""
    found = AssetKind.objects.filter(code=kind).values_list(
        Subquery(AssetGeneration.objects.filter(kind=OuterRef("pk"), active=True).values("pk")[:1]), flat=True)
    if not found:
        raise Http404("No such asset kind.")
    return found[0]


def asset_tile(request, kind, z, x, y):
    """The assets of a kind (street lights, drains, road segments) from zoom 16; empty below. Cached under the
    active generation: an import makes a new one, so its tiles are new, and browsers ask again each time (a 304
    while the generation stays) as for the report tiles."""
    grid.check(z, x, y)
    generation = asset_generation(kind)
    if generation is None or z < mvt.ASSETS_FROM_ZOOM or not area.touches_city(z, x, y):
        return empty_tile()
    key = f"tiles:assets:{kind}:{generation}:{z}/{x}/{y}"
    return tile_response(request, key, lambda: mvt.asset_tile(kind, generation, z, x, y), settings.TILES_MAX_AGE)


def asset_tilejson(request, kind):
    asset_generation(kind)
    return description(tilejson.tilejson(request.build_absolute_uri, kind, tileset=tilejson.asset_tileset(kind),
                                         path=f"assets/{kind}"))


def empty_tile():
    response = HttpResponse(b"", content_type=MVT_TYPE)
    patch_cache_control(response, public=True, max_age=ELSEWHERE_MAX_AGE)
    return response


def tile_response(request, key, make, max_age):
    """The tile cached under `key` (made when missing), with an ETag of the key: 304 when the client has it.

    Without a key (the cache does not answer, so no version is known) the tile is made afresh and not kept.
    """
    if key is None:
        response = HttpResponse(make(), content_type=MVT_TYPE)
        patch_cache_control(response, no_store=True)
        return response

    def kept():
        body = cache.get(key)
        if body is None:
            body = make()
            cache.set(key, body, settings.TILES_CACHE_SECONDS)
        return body

    return cacheable_tile(request, key, kept, max_age)


def cacheable_tile(request, key, body, max_age):
    """The tile `body()` with an ETag of its cache key `key`: a 304 without the body when the client has it."""
    etag = quote_etag(hashlib.sha256(key.encode()).hexdigest()[:24])
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body(), content_type=MVT_TYPE)
    response["ETag"] = etag
    if max_age:
        patch_cache_control(response, public=True, max_age=max_age)
    else:
        patch_cache_control(response, public=True, no_cache=True)  # keep it, but ask first: 304 costs no query
    return response


def basemap_tile(request, z, x, y):
    """The basemap tile from our disk cache, the upstream (BASEMAP_URL) or the MBTiles file."""
    grid.check(z, x, y, settings.BASEMAP_MAX_ZOOM)
    if not settings.BASEMAP_MBTILES and not area.touches_city(z, x, y, area.BASEMAP_MARGIN_DEG):
        raise Http404("This server keeps the basemap of its city only.")
    try:
        tile = basemap.get(z, x, y)
    except basemap.NotFound:
        raise Http404("No such basemap tile.")
    except basemap.Unavailable:
        return HttpResponse("The basemap server does not answer.", status=502, content_type="text/plain")
    response = HttpResponse(tile.data, content_type=tile.content_type)
    patch_cache_control(response, public=True, max_age=tile.max_age)
    response["X-Basemap"] = tile.source
    return response
