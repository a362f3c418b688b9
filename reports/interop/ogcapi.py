"""OGC API - Features, Part 1: Core, with GeoJSON, HTML and OpenAPI 3.0 (/ogcapi/): QGIS, ArcGIS and GDAL connect
to it directly.

Collections: `reports` (public reports, public fields, the same rows as the exports), `kelurahan` (the active
boundaries), and one per asset kind, `assets-{kind}` (its active generation: street lights, drains, road
segments), listed from the database (`collections()`) for the documents, the paging and the OpenAPI enum.
Items are paged by a keyset cursor, so the last page of a million reports costs
what the first does. Every document comes as JSON (`f=json`) or HTML (`f=html`, or a browser's Accept), each
linking the other as `alternate`; errors are OGC exceptions (config.errors.ogc_exception).
"""

import copy
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Max, Sum, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import NotAcceptable, ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from assets.models import Asset, AssetKind
from config.connections import PARAMETER, Prepared, checked_by_use
from config.db_router import replica_alias
from config.errors import ogc_exception
from config.openapi import OGC_EXCEPTION
from geo.functions import ForcePolygonCCW
from geo.models import Generation, KelurahanBoundary
from reports import representation
from reports.api import params as api_params
from reports.api.params import parse_moment
from reports.models import STATUS_WORDS, Report, ReportCount

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
# The reports' filters, each a property of the items: GDAL sends `-where "status='baru'"` to the server as
# ?status=baru when the OpenAPI document declares the parameter on /collections/{collectionId}/items.
REPORT_FILTERS = ("category", "status", "kelurahan_code", "kecamatan_code")
ITEM_PARAMETERS = {"bbox", "limit", "datetime", "cursor", "f", "format", *REPORT_FILTERS}
JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
# What `f` (OGC API's) or `format` (DRF's) may name, and the media types each stands for.
FORMATS = {"json": (JSON, GEOJSON), "geojson": (GEOJSON,), "html": (HTML,)}
NOT_FOUND = OpenApiResponse(OGC_EXCEPTION, description="No such collection or item.")
NOT_ACCEPTABLE = OpenApiResponse(OGC_EXCEPTION, description="A format (`f`, `format`, Accept) not served.")
BAD_PARAMETER = OpenApiResponse(OGC_EXCEPTION, description="A query parameter with a wrong value, or unknown.")
A_DOCUMENT = {200: OpenApiTypes.OBJECT, 404: NOT_FOUND, 406: NOT_ACCEPTABLE}
FORMAT_PARAMETER = OpenApiParameter("f", str, enum=["json", "html"], description="The format; else by Accept.")


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "geojson"


class HTMLRenderer(BaseRenderer):
    """The document as a page (templates/ogcapi/): the view names its template; an error has its own."""

    media_type = HTML
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view, request, response = (renderer_context[key] for key in ("view", "request", "response"))
        template = "ogcapi/error.html" if response.exception else view.template_name
        return render_to_string(template, {"doc": data, "view": view}, request=request)


class FormatByName(DefaultContentNegotiation):
    """`f=json|html` (OGC API's name) or `format=` (DRF's) choose the format; without them the Accept header."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = request.query_params.get("f") or request.query_params.get("format")
        if not wanted:
            return super().select_renderer(request, renderers)
        for renderer in renderers:
            if renderer.media_type in FORMATS.get(wanted, ()):
                return renderer, renderer.media_type
        raise NotAcceptable(f"f: {wanted} is not served here; use json or html.")


def exception_as_ogc(error, context):
    """DRF's answer to an error (status, headers), with an OGC API exception as its body."""
    response = exception_handler(error, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" not in data:  # {parameter: [messages]}
        description = "; ".join(f"{name}: {' '.join(map(str, messages))}" for name, messages in data.items())
    else:
        description = str(data.get("detail", data) if isinstance(data, dict) else data)
    code = "InvalidParameterValue" if response.status_code == 400 else None
    response.data = ogc_exception(response.status_code, description, code)
    return response


class OpenApi30JsonRenderer(OpenApiJsonRenderer):
    """The media type OGC clients (GDAL's OAPIF driver) ask the API definition in, and check."""

    media_type = OPENAPI


class SchemaView(SpectacularAPIView):
    """/api/schema/: the OpenAPI document of /api/v1/ and /ogcapi/, in YAML or JSON by the Accept header."""

    renderer_classes = [OpenApiYamlRenderer, OpenApiYamlRenderer2, OpenApi30JsonRenderer, OpenApiJsonRenderer,
                        OpenApiJsonRenderer2]


class OgcSchemaView(SchemaView):
    """/ogcapi/api: the OpenAPI document of this API alone, its paths relative to /ogcapi (`servers`), named as OGC
    clients look them up: /collections/{collectionId}/items, whose query parameters GDAL sends its filters as."""

    renderer_classes = [OpenApi30JsonRenderer, OpenApiJsonRenderer, OpenApiYamlRenderer]
    urlconf = "reports.interop.ogcapi_urls"
    custom_settings = {
        "POSTPROCESSING_HOOKS": [*settings.SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"],
                                 "reports.interop.ogcapi.limit_where_gdal_reads_it"],
        "TITLE": "Lapor Padangpanjang: OGC API - Features",
        "DESCRIPTION": "Public reports of broken roads, drainage and street lighting in Kota Padang Panjang, and its "
                       "kelurahan boundaries, as OGC API - Features (Part 1).",
        "SCHEMA_PATH_PREFIX": "",
        "SERVERS": [{"url": "/ogcapi"}],
    }


def limit_where_gdal_reads_it(result, generator, request, public):
    """`limit` with its default and maximum where GDAL (3.8 on) reads its page size from: a parameter referenced
    as #/components/parameters/limit (OGC's own document names it so), under each collection's own items path,
    which GDAL looks up as written (/collections/reports/items), not through the template. Else it asks 10 at a
    time."""
    result["components"].setdefault("parameters", {})["limit"] = {
        "name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
        "description": f"Features per page, 1 to {MAX_LIMIT} (a larger limit is served as {MAX_LIMIT}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}}
    template = result["paths"]["/collections/{collectionId}/items"]["get"]
    template["parameters"] = [{"$ref": "#/components/parameters/limit"} if parameter.get("name") == "limit"
                              else parameter for parameter in template["parameters"]]
    names = list(collections())
    for operations in result["paths"].values():  # the collections of the moment, as the path's enum
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter.get("name") == "collectionId":
                parameter["schema"] = {**parameter["schema"], "enum": names}
    for name in names:
        operation = copy.deepcopy(template)
        operation["operationId"] = f"getFeatures{name.title().replace('-', '')}"
        operation["parameters"] = [parameter for parameter in operation["parameters"]
                                   if parameter.get("name") != "collectionId"]
        result["paths"][f"/collections/{name}/items"] = {"get": operation}
    return result


class OgcView(APIView):
    renderer_classes = [JSONRenderer, HTMLRenderer]
    content_negotiation_class = FormatByName
    template_name = "ogcapi/document.html"

    def get_exception_handler(self):
        return exception_as_ogc


def link(request, path, rel, media_type, title="", query=None):
    href = request.build_absolute_uri(path)
    if query:
        href += "?" + urllib.parse.urlencode(query)
    return {"href": href, "rel": rel, "type": media_type, **({"title": title} if title else {})}


def self_links(request, path, media_type=JSON, query=None):
    """`self` in the format being served, and each other format as `alternate`."""
    query = {key: value for key, value in (query or {}).items() if key not in ("f", "format")}
    page = request.accepted_renderer.media_type == HTML
    formats = [(media_type, "json", "This document as JSON", not page), (HTML, "html", "This document as HTML", page)]
    return [link(request, path, "self" if served else "alternate", kind, title, {**query, "f": name})
            for kind, name, title, served in formats]


class LandingView(OgcView):
    """GET /ogcapi/: what this API is and where its parts are."""

    @extend_schema(operation_id="getLandingPage", parameters=[FORMAT_PARAMETER], responses=A_DOCUMENT,
                   tags=["ogcapi"])
    def get(self, request):
        return Response({
            "title": "Lapor Padangpanjang",
            "description": "Public reports of broken roads, drainage and street lighting in Kota Padang Panjang, "
                           "and its kelurahan boundaries.",
            "links": [
                *self_links(request, "/ogcapi/"),
                link(request, "/ogcapi/api", "service-desc", OPENAPI, "The API definition"),
                link(request, "/api/docs/", "service-doc", HTML, "The API documentation"),
                link(request, "/ogcapi/conformance", "conformance", JSON, "Conformance classes"),
                link(request, "/ogcapi/collections", "data", JSON, "Collections"),
            ],
        })


class ConformanceView(OgcView):
    @extend_schema(operation_id="getConformanceDeclaration", parameters=[FORMAT_PARAMETER], responses=A_DOCUMENT,
                   tags=["ogcapi"])
    def get(self, request):
        return Response({"links": self_links(request, "/ogcapi/conformance"), "conformsTo": CONFORMANCE})


@dataclass(frozen=True)
class Collection:
    """A collection: its documents' words, its page of features and numberMatched (`features(request, query,
    id=None)`, `count(query)`; the id only where `item` is not given), the item filters it takes beyond bbox and
    paging, and whether it has a time."""

    name: str
    title: str
    description: str
    features: Callable
    count: Callable
    filters: tuple = ()
    temporal: bool = False
    # (features, numberMatched) of a page, when the collection chooses its plan by the count (the reports).
    paged: Callable | None = None
    # The Feature JSON text of one item by its id, or None, when the collection has its own statement for it.
    item: Callable | None = None

    def page(self, request, query):
        """[(cursor, Feature JSON text)] of the page (one more than the limit, if there are) and numberMatched."""
        if self.paged:
            return self.paged(request, query)
        return self.features(request, query), self.count(query)

    def one(self, request, identifier):
        """The Feature JSON text of the item, or None."""
        if self.item:
            return self.item(request, identifier)
        found = self.features(request, {"limit": 1, "after": 0}, identifier)
        return found[0][1] if found else None


def collection_json(request, collection, links):
    outline = Generation.objects.current().outline
    base = f"/ogcapi/collections/{collection.name}"
    body = {
        "id": collection.name,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [*links, link(request, f"{base}/items", "items", GEOJSON, "Features as GeoJSON"),
                  link(request, f"{base}/items", "items", HTML, "Features as HTML", {"f": "html"})],
        "extent": {"spatial": {"bbox": [list(outline.extent)], "crs": CRS84}},
    }
    if collection.temporal:
        first = Report.objects.public().order_by("created").values_list("created", flat=True).first()
        start = timezone.localtime(first).isoformat(timespec="seconds") if first else None
        body["extent"]["temporal"] = {"interval": [[start, None]]}
    return body


# A collection's id, listed at /collections (the OpenAPI document's enum is filled in as it is made).
COLLECTION = OpenApiParameter("collectionId", str, OpenApiParameter.PATH, description="A collection's id.")
ASSET_PREFIX = "assets-"


def fixed_collections():
    return {
        "reports": Collection("reports", "Reports", "Public reports of broken public infrastructure.",
                              report_features, report_count, ("datetime", *REPORT_FILTERS), temporal=True,
                              paged=report_page, item=report_item),
        "kelurahan": Collection("kelurahan", "Kelurahan", "The kelurahan (wards) of Kota Padang Panjang.",
                                kelurahan_features, kelurahan_count),
    }


def asset_collection(kind):
    return Collection(
        f"{ASSET_PREFIX}{kind.code}", f"{kind.name_en} ({kind.name_id})",
        f"The city's {kind.name_en.lower()} ({kind.get_geometry_display()}) of the active import, each with the "
        "city's identifier, its attributes as the source gives them and the responsible crew.",
        partial(asset_features, kind), partial(asset_count, kind))


def collections():
    """name -> Collection: the reports, the kelurahan, and a collection per asset kind (one query)."""
    return {**fixed_collections(),
            **{f"{ASSET_PREFIX}{kind.code}": asset_collection(kind) for kind in AssetKind.objects.all()}}


def collection_of(name):
    """The collection named, asking the database only for an asset kind's."""
    found = fixed_collections().get(name)
    if found is None and name.startswith(ASSET_PREFIX):
        kind = AssetKind.objects.filter(code=name.removeprefix(ASSET_PREFIX)).first()
        found = kind and asset_collection(kind)
    if found is None:
        raise Http404(f"There is no collection {name}.")
    return found


class CollectionsView(OgcView):
    @extend_schema(operation_id="getCollections", parameters=[FORMAT_PARAMETER], responses=A_DOCUMENT,
                   tags=["ogcapi"])
    def get(self, request):
        return Response({
            "links": self_links(request, "/ogcapi/collections"),
            "collections": [collection_json(request, collection, [
                link(request, f"/ogcapi/collections/{name}", "collection", JSON)])
                for name, collection in collections().items()],
        })


class CollectionView(OgcView):
    @extend_schema(operation_id="describeCollection", parameters=[COLLECTION, FORMAT_PARAMETER],
                   responses=A_DOCUMENT, tags=["ogcapi"])
    def get(self, request, collectionId):
        collection = collection_of(collectionId)
        return Response(collection_json(request, collection,
                                        self_links(request, f"/ogcapi/collections/{collection.name}")))


# Items.

def bbox_parameter(text):
    """`bbox` with 4 or 6 numbers (OGC API allows heights); a 400 naming it otherwise."""
    parts = text.split(",")
    if len(parts) == 6:  # minLon,minLat,minHeight,maxLon,maxLat,maxHeight: heights mean nothing here
        text = ",".join(parts[0:2] + parts[3:5])
    try:
        return api_params.parse_bbox(text)
    except ValidationError as error:
        raise ParseError({"bbox": error.messages}) from None


def parse_instant(text, end=False):
    """An RFC 3339 date-time or a date (its start, or with `end` its end); '..' or '' is open."""
    if text in ("..", ""):
        return None
    moment = parse_moment(text, end)
    if moment is None:
        raise ParseError({"datetime": ["Use RFC 3339, e.g. 2026-11-01T00:00:00Z or 2026-11-01/2026-11-30."]})
    return moment


def parse_datetime_filter(text):
    """(start, end) of an instant, or of an interval 'start/end' with '..' for an open end."""
    if "/" in text:
        start_text, end_text = text.split("/", 1)
        return parse_instant(start_text), parse_instant(end_text, end=True)
    if len(text) == 10:  # a whole day
        return parse_instant(text), parse_instant(text, end=True)
    moment = parse_instant(text)
    return moment, moment


def parse_limit(text):
    try:
        limit = int(text)
    except ValueError:
        raise ParseError({"limit": [f"A whole number from 1 to {MAX_LIMIT}."]}) from None
    if limit < 1:
        raise ParseError({"limit": [f"A whole number from 1 to {MAX_LIMIT}."]})
    return min(limit, MAX_LIMIT)  # a larger limit is served as the largest page


def parse_cursor(text):
    if not (text.isascii() and text.isdigit()):
        raise ParseError({"cursor": ["Use the cursor of a `next` link."]})
    return int(text)


def item_query(request):
    params = request.query_params
    unknown = sorted(set(params) - ITEM_PARAMETERS)
    if unknown:
        raise ParseError({unknown[0]: [f"Unknown parameter; use {', '.join(sorted(ITEM_PARAMETERS))}."]})
    query = {"limit": parse_limit(params.get("limit", str(DEFAULT_LIMIT))), "after": 0}
    if "cursor" in params:
        query["after"] = parse_cursor(params["cursor"])
    if "bbox" in params:
        query["bbox"] = bbox_parameter(params["bbox"])
    if "datetime" in params:
        query["datetime"] = parse_datetime_filter(params["datetime"])
    if "status" in params and params["status"] not in dict(STATUS_WORDS):
        raise ParseError({"status": [f"One of {', '.join(dict(STATUS_WORDS))}."]})
    query.update({name: params[name] for name in REPORT_FILTERS if name in params})
    return query


def matching_reports(query):
    """The public reports the query's filters select, whatever the page."""
    reports = Report.objects.public()
    if "bbox" in query:
        reports = reports.in_box(query["bbox"])
    if "datetime" in query:
        reports = reports.filed_between(*query["datetime"])
    if "status" in query:
        reports = reports.in_status(query["status"])
    if "category" in query:
        reports = reports.of_category(query["category"])
    if "kelurahan_code" in query:
        reports = reports.filter(kelurahan__code=query["kelurahan_code"])
    if "kecamatan_code" in query:
        reports = reports.filter(kelurahan__kecamatan__code=query["kecamatan_code"])
    return reports


def filtered(query):
    return any(name in query for name in ("bbox", "datetime", *REPORT_FILTERS))


def report_count(query):
    """numberMatched: the whole collection from the counts the database keeps (reports.ReportCount, kept by
    triggers: one small sum), an exact count only when filters select."""
    if filtered(query):
        return matching_reports(query).using(replica_alias()).count()
    return ReportCount.objects.using(replica_alias()).filter(private=False).aggregate(total=Sum("count"))["total"] or 0


def report_features(request, query, by_index=False):
    """[(cursor, Feature JSON text)] of the page of public reports, one query; PostgreSQL writes the JSON.

    The page is the reports after the cursor in primary-key order. PostgreSQL reads them by walking the primary
    key and testing each report against the filters, unless `by_index`: then it takes every report in the box from
    the spatial index and sorts them (`ORDER BY id + 0`, an order no index gives, so the walk is not a plan it can
    choose). The same rows in the same order either way; which is faster depends on how many the box holds
    (report_page). From the replica, if any."""
    reports = matching_reports(query).using(replica_alias()).filter(pk__gt=query["after"])
    order = ExpressionWrapper(F("pk") + 0, output_field=IntegerField()) if by_index else F("pk")
    return list(reports.order_by(order).annotate(feature=report_feature(request))
                .values_list("pk", "feature")[: query["limit"] + 1])


def report_feature(request):
    """A report's Feature (the collection's properties) as JSON text."""
    return Cast(representation.feature(representation.EXPORT, request.build_absolute_uri), TextField())


def report_item(request, code):
    """The Feature JSON text of the public report `code` (any case), or None: from the primary, by a statement
    prepared once per connection (config.connections.Prepared), its text written once per what it depends on
    besides the code (representation.Compiled's key): planning the item's query took 4-5 times as long as
    running it (docs/figures.md, issue 30)."""
    key = (get_language(), request.build_absolute_uri("/"), default_storage.url(""), timezone.localdate())
    statement = _item_statements.get(key)
    if statement is None:
        sql, params = (Report.objects.public().filter(code=ITEM_SLOT).order_by()
                       .annotate(feature=report_feature(request)).values_list("feature").query.sql_with_params())
        statement = Prepared(sql, [PARAMETER if value == ITEM_SLOT else value for value in params])
        if len(_item_statements) >= ITEM_STATEMENTS_KEPT:
            _item_statements.clear()
        _item_statements[key] = statement
    found = statement.rows([code.upper()])
    return found[0][0] if found else None


ITEM_SLOT = "PP-ITEM-SLOT"  # stands for the code while the item's statement is written; no code looks so
ITEM_STATEMENTS_KEPT = 64  # a day's texts: languages by the site's addresses
_item_statements = {}


# How much more a report costs read from the spatial index and sorted than walked in primary-key order and
# tested against the box (random heap pages against consecutive ones), measured by bench/peers.py's plan check
# at 100,000 and 1,000,000 reports (docs/figures.md, issue 30).
BOX_ROW_COST = 8


def box_plan_by_index(matched, public, limit):
    """Whether a page of a box holding `matched` of `public` reports is read from the spatial index: the walk
    tests about limit × public / matched reports to find a page, the index reads all `matched` (each costing
    BOX_ROW_COST walked ones). A box of a street at 100,000 reports: from the index; the same box at a million,
    where the walk finds its page sooner than the index reads ten times as many reports: walked."""
    return matched * BOX_ROW_COST * matched <= (limit + 1) * public


def report_page(request, query):
    """The page of public reports and numberMatched, in two queries. With a box, its count comes first, with the
    public total in the same query, and chooses the page's plan (box_plan_by_index)."""
    if "bbox" not in query:
        return report_features(request, query), report_count(query)
    counts = matching_reports(query).using(replica_alias()).aggregate(
        matched=Count("pk"), public=Max(RawSQL(f"(SELECT coalesce(sum(count), 0) FROM {ReportCount._meta.db_table})",
                                               (), output_field=IntegerField())))
    matched, public = counts["matched"], counts["public"] or 0
    if not matched:
        return [], 0
    return report_features(request, query, by_index=box_plan_by_index(matched, public, query["limit"])), matched


def refuse_other_filters(collection, query):
    """A filter the collection has not (a kelurahan's status): a 400 naming it, not a silent whole collection."""
    unused = [name for name in ("datetime", *REPORT_FILTERS) if name in query and name not in collection.filters]
    if unused:
        raise ParseError({unused[0]: [f"The {collection.name} collection has no time, status, category or place "
                                      "filter."]})


def active_boundaries(query):
    boundaries = KelurahanBoundary.objects.filter(generation__active=True)
    if "bbox" in query:
        boundaries = boundaries.filter(boundary__intersects=query["bbox"])
    return boundaries


def kelurahan_count(query):
    return active_boundaries(query).count()


def kelurahan_features(request, query, code=None):
    boundaries = (
        active_boundaries(query).filter(pk__gt=query["after"], **({"kelurahan__code": code} if code else {}))
        .select_related("kelurahan__kecamatan")
        .annotate(geojson=AsGeoJSON(ForcePolygonCCW("boundary"), precision=6)).order_by("pk")
    )
    return [
        (b.pk, json.dumps({
            "type": "Feature", "id": b.kelurahan.code, "geometry": json.loads(b.geojson),
            "properties": {"code": b.kelurahan.code, "name": b.kelurahan.name,
                           "kecamatan": b.kelurahan.kecamatan.name, "kecamatan_code": b.kelurahan.kecamatan.code,
                           "population": b.kelurahan.population}}, ensure_ascii=False))
        for b in boundaries[: query["limit"] + 1]
    ]


def active_assets(kind, query):
    """The assets of `kind`'s active generation (none while it has none), in the box if one is asked."""
    assets = Asset.objects.filter(kind=kind, generation__active=True)
    if "bbox" in query:
        assets = assets.filter(geometry__intersects=query["bbox"])
    return assets


def asset_count(kind, query):
    return active_assets(kind, query).count()


def asset_features(kind, request, query, identifier=None):
    """[(cursor, Feature JSON text)] of a page of a kind's assets; the feature's id is the city's identifier."""
    assets = (
        active_assets(kind, query).filter(pk__gt=query["after"], **({"identifier": identifier} if identifier else {}))
        .select_related("crew", "generation").annotate(geojson=AsGeoJSON("geometry", precision=7)).order_by("pk")
    )
    return [
        (asset.pk, json.dumps({
            "type": "Feature", "id": asset.identifier, "geometry": json.loads(asset.geojson),
            "properties": {"identifier": asset.identifier, "kind": kind.code, "attributes": asset.attributes,
                           "crew_name": asset.crew.name if asset.crew else "", "sample": asset.generation.sample}},
            ensure_ascii=False))
        for asset in assets[: query["limit"] + 1]
    ]


def ready(request, text):
    """JSON text made elsewhere as the answer, in the media type negotiated; parsed only for the page."""
    if isinstance(request.accepted_renderer, HTMLRenderer):
        return Response(json.loads(text))
    return HttpResponse(text, content_type=request.accepted_renderer.media_type)


ITEM_SCHEMA_PARAMETERS = [
    COLLECTION,
    OpenApiParameter("bbox", str, description="minLon,minLat,maxLon,maxLat (CRS84)."),
    OpenApiParameter("limit", int, description=f"Features per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."),
    OpenApiParameter("datetime", str, description="Filed at an instant or in an interval: a/b, ../b, a/.."),
    OpenApiParameter("cursor", int, description="Where the page starts; from the `next` link."),
    OpenApiParameter("category", str, description="reports: a category slug; a main category takes its "
                     "sub-categories."),
    OpenApiParameter("status", str, enum=list(dict(STATUS_WORDS)), description="reports: a status, or open or closed."),
    OpenApiParameter("kelurahan_code", str, description="reports: in this kelurahan (its code)."),
    OpenApiParameter("kecamatan_code", str, description="reports: in this kecamatan (its code)."),
    OpenApiParameter("f", str, enum=["json", "html"], description="GeoJSON or a page; else by Accept."),
]


class ItemsView(OgcView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer, HTMLRenderer]
    template_name = "ogcapi/features.html"

    @extend_schema(operation_id="getFeatures", parameters=ITEM_SCHEMA_PARAMETERS, tags=["ogcapi"], responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="A GeoJSON FeatureCollection with paging links."),
        400: BAD_PARAMETER, 404: NOT_FOUND, 406: NOT_ACCEPTABLE})
    def get(self, request, collectionId):
        collection = collection_of(collectionId)
        name = collection.name
        query = item_query(request)
        refuse_other_filters(collection, query)
        found, matched = collection.page(request, query)
        page, more = found[: query["limit"]], len(found) > query["limit"]
        base = f"/ogcapi/collections/{name}/items"
        kept = {key: value for key, value in request.query_params.items() if key != "cursor"}
        links = [*self_links(request, base, GEOJSON, request.query_params.dict()),
                 link(request, f"/ogcapi/collections/{name}", "collection", JSON)]
        if more:
            links.append(link(request, base, "next", GEOJSON, "Next page", {**kept, "cursor": page[-1][0]}))
        rest = json.dumps({"links": links, "numberMatched": matched, "numberReturned": len(page),
                           "timeStamp": timezone.localtime().isoformat(timespec="seconds")})
        features_json = ",".join(feature for _, feature in page)
        return ready(request, f'{{"type":"FeatureCollection","features":[{features_json}],{rest[1:]}')


class ItemView(OgcView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer, HTMLRenderer]
    template_name = "ogcapi/features.html"

    @extend_schema(operation_id="getFeature", parameters=[COLLECTION, FORMAT_PARAMETER], tags=["ogcapi"],
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="A Feature."), 404: NOT_FOUND,
                              406: NOT_ACCEPTABLE})
    @checked_by_use  # reads only: no `SELECT 1` before its query
    def get(self, request, collectionId, featureId):
        collection = collection_of(collectionId)
        name = collection.name
        found = collection.one(request, featureId)
        if found is None:
            raise Http404(f"There is no {featureId} in {name}.")
        feature = json.loads(found)
        feature["links"] = [*self_links(request, f"/ogcapi/collections/{name}/items/{featureId}", GEOJSON),
                            link(request, f"/ogcapi/collections/{name}", "collection", JSON)]
        return Response(feature)
