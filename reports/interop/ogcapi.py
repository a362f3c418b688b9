"""OGC API - Features, Part 1: Core, with GeoJSON (/ogcapi/): QGIS, ArcGIS and GDAL connect to it directly.

Two collections: `reports` (public reports, public fields, the same rows as the exports) and `kelurahan`
(the active boundaries). Items are paged by a keyset cursor, so the last page of a million reports costs
what the first does.
"""

import json
import urllib.parse

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import ValidationError
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import ParseError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.models import Generation, KelurahanBoundary
from reports import representation
from reports.api import params as api_params
from reports.api.params import parse_moment
from reports.api.schema import ERRORS
from reports.models import STATUS_WORDS, Report

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
ITEM_PARAMETERS = {"bbox", "limit", "datetime", "cursor", "f", "category", "status"}
JSON, GEOJSON = "application/json", "application/geo+json"
# Every operation here: no such collection or item, or (DRF's answer) a `format` it does not serve.
NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description="No such collection or item, or an unknown format.")
A_DOCUMENT = {200: OpenApiTypes.OBJECT, 404: NOT_FOUND}


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "geojson"


class OpenApi30JsonRenderer(OpenApiJsonRenderer):
    """The media type OGC clients (GDAL's OAPIF driver) ask the API definition in, and check."""

    media_type = "application/vnd.oai.openapi+json;version=3.0"


class SchemaView(SpectacularAPIView):
    """/api/schema/: the OpenAPI document of /api/v1/ and /ogcapi/, in YAML or JSON by the Accept header."""

    renderer_classes = [OpenApiYamlRenderer, OpenApiYamlRenderer2, OpenApi30JsonRenderer, OpenApiJsonRenderer,
                        OpenApiJsonRenderer2]


class OgcView(APIView):
    renderer_classes = [JSONRenderer, GeoJSONRenderer, BrowsableAPIRenderer]


def link(request, path, rel, media_type, title="", query=None):
    href = request.build_absolute_uri(path)
    if query:
        href += "?" + urllib.parse.urlencode(query)
    return {"href": href, "rel": rel, "type": media_type, **({"title": title} if title else {})}


class LandingView(OgcView):
    """GET /ogcapi/: what this API is and where its parts are."""

    @extend_schema(operation_id="getLandingPage", responses=A_DOCUMENT, tags=["ogcapi"])
    def get(self, request):
        return Response({
            "title": "Lapor Padangpanjang",
            "description": "Public reports of broken roads, drainage and street lighting in Kota Padang Panjang, "
                           "and its kelurahan boundaries.",
            "links": [
                link(request, "/ogcapi/", "self", JSON, "This document"),
                link(request, "/api/schema/", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                     "The API definition"),
                link(request, "/api/docs/", "service-doc", "text/html", "The API documentation"),
                link(request, "/ogcapi/conformance", "conformance", JSON, "Conformance classes"),
                link(request, "/ogcapi/collections", "data", JSON, "Collections"),
            ],
        })


class ConformanceView(OgcView):
    @extend_schema(operation_id="getConformanceDeclaration", responses=A_DOCUMENT, tags=["ogcapi"])
    def get(self, request):
        return Response({"conformsTo": CONFORMANCE})


def collection_json(request, name):
    outline = Generation.objects.current().outline
    base = f"/ogcapi/collections/{name}"
    body = {
        "id": name,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [link(request, base, "self", JSON), link(request, f"{base}/items", "items", GEOJSON, "Features")],
        "extent": {"spatial": {"bbox": [list(outline.extent)], "crs": CRS84}},
    }
    if name == "reports":
        first = Report.objects.public().order_by("created").values_list("created", flat=True).first()
        body.update(title="Reports", description="Public reports of broken public infrastructure.")
        start = timezone.localtime(first).isoformat(timespec="seconds") if first else None
        body["extent"]["temporal"] = {"interval": [[start, None]]}
    else:
        body.update(title="Kelurahan", description="The kelurahan (wards) of Kota Padang Panjang.")
    return body


COLLECTIONS = ("reports", "kelurahan")
COLLECTION = OpenApiParameter("name", str, OpenApiParameter.PATH, enum=COLLECTIONS)


def collection_name(name):
    if name not in COLLECTIONS:
        raise Http404(f"There is no collection {name}.")
    return name


class CollectionsView(OgcView):
    @extend_schema(operation_id="getCollections", responses=A_DOCUMENT, tags=["ogcapi"])
    def get(self, request):
        return Response({
            "links": [link(request, "/ogcapi/collections", "self", JSON)],
            "collections": [collection_json(request, name) for name in COLLECTIONS],
        })


class CollectionView(OgcView):
    @extend_schema(operation_id="describeCollection", parameters=[COLLECTION], responses=A_DOCUMENT, tags=["ogcapi"])
    def get(self, request, name):
        return Response(collection_json(request, collection_name(name)))


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
    if "status" in params:
        if params["status"] not in dict(STATUS_WORDS):
            raise ParseError({"status": [f"One of {', '.join(dict(STATUS_WORDS))}."]})
        query["status"] = params["status"]
    if "category" in params:
        query["category"] = params["category"]
    return query


def report_features(request, query, code=None):
    """[(cursor, Feature JSON text)] of the page of public reports, one query; PostgreSQL writes the JSON."""
    reports = Report.objects.public().filter(pk__gt=query["after"], **({"code": code.upper()} if code else {}))
    if "bbox" in query:
        reports = reports.filter(location__intersects=query["bbox"])
    if "datetime" in query:
        reports = reports.filed_between(*query["datetime"])
    if "status" in query:
        reports = reports.in_status(query["status"])
    if "category" in query:
        reports = reports.of_category(query["category"])
    feature = Cast(representation.feature(representation.EXPORT, request.build_absolute_uri, with_id=True),
                   TextField())
    return list(reports.order_by("pk").annotate(feature=feature).values_list("pk", "feature")[: query["limit"] + 1])


def kelurahan_features(query, code=None):
    boundaries = (
        KelurahanBoundary.objects.filter(generation__active=True, pk__gt=query["after"],
                                         **({"kelurahan__code": code} if code else {}))
        .select_related("kelurahan__kecamatan").annotate(geojson=AsGeoJSON("boundary", precision=6)).order_by("pk")
    )
    if "bbox" in query:
        boundaries = boundaries.filter(boundary__intersects=query["bbox"])
    if "datetime" in query or "status" in query or "category" in query:
        raise ParseError({"datetime": ["The kelurahan collection has no time, status or category."]})
    return [
        (b.pk, json.dumps({
            "type": "Feature", "id": b.kelurahan.code, "geometry": json.loads(b.geojson),
            "properties": {"code": b.kelurahan.code, "name": b.kelurahan.name,
                           "kecamatan": b.kelurahan.kecamatan.name, "kecamatan_code": b.kelurahan.kecamatan.code,
                           "population": b.kelurahan.population}}, ensure_ascii=False))
        for b in boundaries[: query["limit"] + 1]
    ]


def ready(request, text):
    """JSON text made elsewhere as the answer, in the media type negotiated; parsed only for the browsable page."""
    if isinstance(request.accepted_renderer, BrowsableAPIRenderer):
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
]


class ItemsView(OgcView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(operation_id="getFeatures", parameters=ITEM_SCHEMA_PARAMETERS, tags=["ogcapi"], responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="A GeoJSON FeatureCollection with paging links."),
        400: ERRORS, 404: NOT_FOUND})
    def get(self, request, name):
        query = item_query(request)
        features = report_features(request, query) if collection_name(name) == "reports" else \
            kelurahan_features(query)
        page, more = features[: query["limit"]], len(features) > query["limit"]
        base = f"/ogcapi/collections/{name}/items"
        kept = {key: value for key, value in request.query_params.items() if key != "cursor"}
        links = [link(request, base, "self", GEOJSON, query=request.query_params.dict()),
                 link(request, f"/ogcapi/collections/{name}", "collection", JSON)]
        if more:
            links.append(link(request, base, "next", GEOJSON, "Next page", {**kept, "cursor": page[-1][0]}))
        rest = json.dumps({"links": links, "numberReturned": len(page),
                           "timeStamp": timezone.localtime().isoformat(timespec="seconds")})
        features_json = ",".join(feature for _, feature in page)
        return ready(request, f'{{"type":"FeatureCollection","features":[{features_json}],{rest[1:]}')


class ItemView(OgcView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(operation_id="getFeature", parameters=[COLLECTION], tags=["ogcapi"],
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="A Feature."), 404: NOT_FOUND})
    def get(self, request, name, item):
        one = {"limit": 1, "after": 0}
        found = report_features(request, one, item) if collection_name(name) == "reports" else \
            kelurahan_features(one, item)
        if not found:
            raise Http404(f"There is no {item} in {name}.")
        feature = json.loads(found[0][1])
        feature["links"] = [link(request, f"/ogcapi/collections/{name}/items/{item}", "self", GEOJSON),
                            link(request, f"/ogcapi/collections/{name}", "collection", JSON)]
        return Response(feature)
