"""The JSON API's views (/api/v1/): thin, over reports.services, reports.representation and geo.lookup."""

import json
import secrets

from django.contrib.gis.db.backends.postgis.adapter import PostGISAdapter
from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON, Distance, GeoFunc, GeometryDistance
from django.contrib.gis.geos import Point
from django.db.models import Exists, F, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.connections import PARAMETER, Prepared, checked_by_use
from config.openapi import ERROR
from geo import lookup
from geo.functions import ForcePolygonCCW
from geo.models import KelurahanBoundary
from reports import filing, ratelimit, representation, roles, search, services, stats, workflow
from reports.api.params import (
    BBoxQuery,
    DuplicateQuery,
    LocateQuery,
    NearbyQuery,
    StatusesQuery,
    SupportQuery,
    checked,
)
from reports.api.schema import (
    ERRORS,
    FILED,
    FILING,
    GEOJSON,
    NOT_FOUND,
    PLACE,
    SUPPORTED,
    ReportUpload,
    StatusUpload,
)
from reports.api.serializers import CategorySerializer, OfficeSerializer
from reports.forms import ReportForm, StatusChangeForm, place_offices
from reports.models import Category, Report

# The longest address search taken: more is no address, and it would go to the geocoder as it is.
SEARCH_MAX = 200


class SimplifyPreserveTopology(GeoFunc):
    """For display only: a tolerance in degrees is fine here, it measures nothing."""

    function = "ST_SimplifyPreserveTopology"
    output_field = MultiPolygonField(srid=4326)


class LocateView(APIView):
    """GET /api/v1/locate?lat=..&lon=..[&category=slug]: the kelurahan, kecamatan and crew of a point."""

    @extend_schema(parameters=[LocateQuery], responses={
        200: inline_serializer("Location", {
            "kelurahan": PLACE, "kecamatan": PLACE, "match": serializers.CharField(),
            "distance_m": serializers.FloatField(), "crew": serializers.DictField(required=False)}),
        400: ERRORS, 422: OpenApiResponse(inline_serializer("Outside", {
            "error": serializers.CharField(), "distance_m": serializers.FloatField()}),
            description="The point is outside the city."),
        503: OpenApiResponse(ERROR, description="No kelurahan boundaries are loaded, or the database does not answer."),
    })
    def get(self, request):
        params = checked(LocateQuery, request.query_params)
        try:
            location = lookup.locate(lookup.point(params["lat"], params["lon"]), params.get("category"))
        except lookup.OutsideCity as outside:
            return Response(
                {"error": str(outside), "distance_m": round(outside.distance_m, 1)},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        except lookup.NoBoundaries as missing:
            return Response({"error": str(missing)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(location_json(location, with_crew="category" in params))


def location_json(location, with_crew):
    body = {
        "kelurahan": {"code": location.kelurahan.code, "name": location.kelurahan.name},
        "kecamatan": {"code": location.kecamatan.code, "name": location.kecamatan.name},
        "match": location.match,
        "distance_m": round(location.distance_m, 1),
    }
    if with_crew:
        body["crew"] = {"id": location.crew.pk, "name": location.crew.name} if location.crew else None
        if location.crew_problem:
            body["crew_problem"] = location.crew_problem
    return body


def place_json(place):
    return {"code": place.code, "name": place.name}


class CategoryListView(APIView):
    """GET /api/v1/categories."""

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request):
        categories = (Category.objects.select_related("parent", "office").prefetch_related("attributes")
                      .annotate(filable=~Exists(Category.objects.filter(parent=OuterRef("pk")))))
        return Response(CategorySerializer(categories, many=True).data)


class OfficeListView(APIView):
    """GET /api/v1/offices: the city's active offices, which a service complaint may name as where it happened
    (place_office, by slug)."""

    @extend_schema(responses=OfficeSerializer(many=True))
    def get(self, request):
        offices = place_offices().select_related("kelurahan", "kecamatan")
        return Response(OfficeSerializer(offices, many=True).data)


class ReportListView(APIView):
    """GET /api/v1/reports: public reports for the map. POST: file a report (multipart)."""

    @extend_schema(operation_id="reports_list", parameters=[BBoxQuery], responses={
        200: representation.collection_schema(representation.MAP), 400: ERRORS})
    def get(self, request):
        params = checked(BBoxQuery, request.query_params)
        reports = Report.objects.public().order_by("-created")
        if "bbox" in params:
            reports = reports.in_box(params["bbox"])
        features = representation.feature(representation.MAP, request.build_absolute_uri)
        return json_response(representation.feature_collection(
            representation.json_array(reports[: params["limit"]], features)))

    @extend_schema(request={"multipart/form-data": ReportUpload}, examples=[FILING], responses={
        201: FILED, 200: OpenApiResponse(FILED, description="This submission (client_uuid) was filed before."),
        400: ERRORS, 429: OpenApiResponse(ERROR, description="Too many reports from this connection."),
    })
    def post(self, request):
        existing = filing.existing_submission(request.data.get("client_uuid"))
        if existing is not None:
            return Response(filed_json(existing, request), status=status.HTTP_200_OK)
        if not ratelimit.allow_filing(request):
            return Response(
                {"error": _("Too many reports from this connection; please try again in an hour.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        form = ReportForm(request.data, request.FILES)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            report, created = filing.file_report_from_form(form.cleaned_data)
        except lookup.OutsideCity as outside:
            return Response({"lat": [str(outside)], "distance_m": round(outside.distance_m, 1)},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(filed_json(report, request), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def filed_json(report, request):
    """What the reporter gets back: the public facts (representation.FILED), the office that answers it, and their
    private link; a complaint that is not public (Report.private) has no public link (`url` null)."""
    shape = representation.json_object(representation.FILED, request.build_absolute_uri)
    filed = json.loads(representation.one(Report.objects.filter(pk=report.pk), shape))
    office = report.office
    return {**filed, "url": None if report.private else filed["url"], "private": report.private,
            "office": {"slug": office.slug, "name": office.name} if office else None,
            "private_url": request.build_absolute_uri(report.get_private_url())}


def json_response(text, status=200):
    """JSON text PostgreSQL wrote, sent as it is."""
    return HttpResponse(text, content_type="application/json", status=status)


def report_json(reports, code, shape, request):
    """The Feature of the report `code` among `reports`, as JSON text; 404 when it is not there."""
    found = representation.one(reports.filter(code=code.upper()),
                               representation.feature(shape, request.build_absolute_uri))
    if found is None:
        raise Http404("There is no such report, or it is not public.")
    return found


class ReportDetailView(APIView):
    """GET /api/v1/reports/<code>: the public GeoJSON Feature."""

    @extend_schema(responses={200: representation.feature_schema(representation.PUBLIC), 404: NOT_FOUND})
    def get(self, request, code):
        return json_response(report_json(Report.objects.public(), code, representation.PUBLIC, request))


class StatusesView(APIView):
    """GET /api/v1/reports/status?codes=PP-260001,PP-260002: where each report a phone keeps ("Laporan saya") is
    now, public fields only; a code that is not public is left out."""

    @extend_schema(parameters=[StatusesQuery], responses={200: {"type": "array", "items": {
        "type": "object", "properties": {name: representation.SCHEMAS[name] for name in representation.MINE}}},
        400: ERRORS})
    def get(self, request):
        codes = checked(StatusesQuery, request.query_params)["codes"]
        reports = Report.objects.public().filter(code__in=codes).order_by("code")
        return json_response(representation.json_array(reports, representation.json_object(
            representation.MINE, request.build_absolute_uri)))


class SupportView(APIView):
    """POST /api/v1/reports/<code>/support: one support per device (or signed-in account)."""

    @extend_schema(request=SupportQuery, responses={
        200: SUPPORTED, 201: SUPPORTED, 400: ERRORS, 403: ERRORS, 404: NOT_FOUND,
        429: OpenApiResponse(ERROR, description="Too many supports from this connection.")})
    def post(self, request, code):
        report = get_object_or_404(Report.objects.public(), code=code.upper())
        params = checked(SupportQuery, request.data)
        if request.user.is_authenticated:
            supporter = f"user:{request.user.pk}"
        elif "device_id" in params:
            supporter = params["device_id"]
        else:
            return Response({"device_id": [_("This field is required.")]}, status=status.HTTP_400_BAD_REQUEST)
        if supporter == report.reporter_device or secrets.compare_digest(
                params.get("token", "").encode(), report.private_token.encode()):
            return Response({"error": _("This is your own report: it counts already.")},
                            status=status.HTTP_403_FORBIDDEN)
        if not ratelimit.allow_support(request):
            return Response({"error": _("Too many supports from this connection; please try again in an hour.")},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
        added = services.add_support(report, device=supporter)
        report.refresh_from_db(fields=["support_count"])
        return Response({"code": report.code, "support_count": report.support_count, "added": added},
                        status=status.HTTP_201_CREATED if added else status.HTTP_200_OK)


class DuplicatesView(APIView):
    """GET /api/v1/reports/duplicates?lat&lon&category: open reports this one may repeat."""

    @extend_schema(parameters=[DuplicateQuery], responses={200: GEOJSON, 400: ERRORS})
    def get(self, request):
        params = checked(DuplicateQuery, request.query_params)
        found = services.possible_duplicates(params["category"], params["lat"], params["lon"],
                                             asset=params.get("asset"))
        return json_response(representation.feature_collection(representation.json_array(found, with_distance(
            representation.PUBLIC, request))))


class GeocodeView(APIView):
    """GET /api/v1/geocode?q=...: a report code, kelurahan, streets and places, then the geocoder's addresses."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="An address, at least 3 characters.")],
        responses={200: inline_serializer("PlaceFound", {
            "name": serializers.CharField(), "lat": serializers.FloatField(), "lon": serializers.FloatField()},
            many=True), 400: ERRORS,
            429: OpenApiResponse(ERROR, description="Too many searches from this connection.")})
    def get(self, request):
        text = request.query_params.get("q", "").strip()
        if len(text) < 3:
            return Response({"q": [_("Type at least 3 characters.")]}, status=status.HTTP_400_BAD_REQUEST)
        if len(text) > SEARCH_MAX:
            return Response({"q": [_("Type at most %(max)d characters.") % {"max": SEARCH_MAX}]},
                            status=status.HTTP_400_BAD_REQUEST)
        if not ratelimit.allow_search(request):
            return Response({"error": _("Too many searches from this connection; please try again in an hour.")},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
        found = search.find_on_map(text)
        return Response([{"name": name, "lat": lat, "lon": lon} for name, lat, lon in found])


def kelurahan_collection(properties=None):
    """The active kelurahan outlines, simplified for a map, with `properties[code]` added to each."""
    boundaries = (
        KelurahanBoundary.objects.filter(generation__active=True)
        .select_related("kelurahan__kecamatan")
        .annotate(outline=AsGeoJSON(ForcePolygonCCW(SimplifyPreserveTopology("boundary", 0.00002)), precision=6))
    )
    features = [
        {
            "type": "Feature",
            "id": b.kelurahan.code,
            "geometry": json.loads(b.outline),
            "properties": {"code": b.kelurahan.code, "name": b.kelurahan.name, "kecamatan": b.kelurahan.kecamatan.name,
                           **(properties or {}).get(b.kelurahan.code, {})},
        }
        for b in boundaries
    ]
    return {"type": "FeatureCollection", "features": features}


class KelurahanOutlineView(APIView):
    """GET /api/v1/kelurahan.geojson: the active kelurahan outlines, simplified for the map."""

    @extend_schema(responses=GEOJSON)
    def get(self, request):
        response = Response(kelurahan_collection())
        response["Cache-Control"] = "public, max-age=3600"
        return response


class StatsView(APIView):
    """GET /api/v1/stats.json: the statistics page's figures."""

    @extend_schema(responses=OpenApiResponse(OpenApiTypes.OBJECT, description="Counts per kelurahan, "
                                             "category, status and month; median days to fix; share on time."))
    def get(self, request):
        return Response(stats.figures())


class StatsKelurahanView(APIView):
    """GET /api/v1/stats/kelurahan.geojson: kelurahan polygons carrying their report counts."""

    @extend_schema(responses=GEOJSON)
    def get(self, request):
        counts = {k["code"]: {key: k[key] for key in ("total", "open", "open_per_1000", "population")}
                  for k in stats.figures()["kelurahan"]}
        return Response(kelurahan_collection(counts))


# The nearby statement is written once for each set of everything but the point (NearbyView.get's key), at a point
# nobody asks about, and a request puts its own point where that one is: building and compiling the query cost
# Django about as much as PostgreSQL's run of it (bench/nearby_bench.py).
NOWHERE_POINT = Point(-179.123456, -89.654321, srid=4326)
NOWHERE = PostGISAdapter(NOWHERE_POINT)
NEARBY_STATEMENTS_KEPT = 512
_nearby_statements = {}


class NearbyView(APIView):
    """GET /api/v1/reports/nearby: reports around a point, nearest first, each with its distance in metres."""

    @extend_schema(parameters=[NearbyQuery], responses={200: GEOJSON, 400: ERRORS})
    @checked_by_use  # reads only: no `SELECT 1` before its query
    def get(self, request):
        params = checked(NearbyQuery, request.query_params)
        user = request.user
        staff = roles.is_staff_reader(user)
        # Everything the statement's text depends on but the point: who asks, the filters, and what
        # representation.Compiled keys a report's JSON by (language, site, day).
        key = (staff, roles.sees_hidden(user), frozenset(roles.crew_ids(user)),
               getattr(params.get("category"), "slug", None),
               *(params.get(name) for name in ("status", "crew", "mine", "overdue", "work", "limit")),
               get_language(), request.build_absolute_uri("/"), timezone.localdate())
        statement = _nearby_statements.get(key)
        if statement is None:
            statement = self.statement(request, params, staff)
            if len(_nearby_statements) >= NEARBY_STATEMENTS_KEPT:
                _nearby_statements.clear()
            _nearby_statements[key] = statement
        features = "[]"  # no statement: no report can pass the filters
        if statement is not None:
            prepared, points = statement
            here = PostGISAdapter(lookup.point(params["lat"], params["lon"]))  # its EWKB made once, copied below
            features = prepared.rows([*(PostGISAdapter(here, geography) for geography in points),
                                      params["radius_m"]])[0][0]
        return json_response(representation.feature_collection(features))

    @staticmethod
    def statement(request, params, staff):
        """The query PREPAREd once per connection (config.connections.Prepared: planning it took PostgreSQL about
        half as long as running it), the point and the radius its parameters; with, for each of the point's places
        in it, whether it is a geography there. None when no report can pass the filters."""
        reports = Report.objects.visible_to(request.user)
        if "category" in params:
            reports = reports.of_category(params["category"])
        if "status" in params:
            reports = reports.in_status(params["status"])
        if "crew" in params:
            reports = reports.filter(crew_id=params["crew"])
        if params.get("mine"):
            reports = reports.filter(crew_id__in=roles.crew_ids(request.user))
        if params.get("overdue"):
            reports = reports.overdue()
        if params.get("work"):
            reports = reports.crew_work(roles.crew_ids(request.user))
        # Nearest first straight from the GiST index (KNN `<->`), which stops after `limit` rows however
        # many reports lie within the radius; then true metres on the spheroid decide who is inside it.
        nearest = (
            reports.annotate(distance=Distance("location", NOWHERE_POINT, spheroid=True))
            .order_by(GeometryDistance("location", NOWHERE_POINT))[: params["limit"]]
        )
        shape = representation.STAFF if staff else representation.PUBLIC
        statement = representation.json_array_sql(nearest, with_distance(shape, request), keep=["distance"],
                                                  where="page.distance <= %s", order="page.distance")
        if statement is None:
            return None
        sql, inner = statement
        return (Prepared(sql, [*(PARAMETER if value == NOWHERE else value for value in inner), PARAMETER]),
                [value.geography for value in inner if value == NOWHERE])


def with_distance(shape, request):
    """The shape's Feature with `distance_m`, the report's `distance` annotation in metres."""
    return representation.feature(shape, request.build_absolute_uri, distance_m=representation.Metres(F("distance")))


class StatusView(APIView):
    """POST /api/v1/reports/<code>/status: move a report along the workflow (crews and dispatchers)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request={"multipart/form-data": StatusUpload}, responses={
        200: representation.feature_schema(representation.STAFF), 400: ERRORS,
        403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not signed in ({detail}), or not allowed to make this "
                             "change ({error})."),
        404: NOT_FOUND,
        409: OpenApiResponse({"type": "object", "properties": {
            "error": {"type": "string"}, "current": representation.feature_schema(representation.STAFF)}},
            description="Changed by someone else since `version`; the current report is sent.")})
    def post(self, request, code):
        report = get_object_or_404(Report.objects.visible_to(request.user).select_related("crew"), code=code.upper())
        form = StatusChangeForm(request.data, request.FILES)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        data = form.cleaned_data
        try:
            workflow.change_status(report, data["status"], request.user, version=data["version"], note=data["note"],
                                   public=data["public"], photo=data["photo"], duplicate_of=data["duplicate_of"])
        except workflow.Forbidden as refusal:
            return Response({"error": str(refusal)}, status=status.HTTP_403_FORBIDDEN)
        except workflow.Refused as refusal:
            return Response({refusal.field: [str(refusal)]}, status=status.HTTP_400_BAD_REQUEST)
        except workflow.Conflict as conflict:
            current = report_json(Report.objects.all(), report.code, representation.STAFF, request)
            return json_response(f'{{"error":{json.dumps(str(conflict), ensure_ascii=False)},"current":{current}}}',
                                 status=status.HTTP_409_CONFLICT)
        return json_response(report_json(Report.objects.all(), report.code, representation.STAFF, request))
