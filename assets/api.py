"""The assets' JSON API (/api/v1/assets/): the nearest asset to a pin (public: the map picks with it), and for
staff an asset's history and the assets that fail again and again (planners)."""

import json
from datetime import timedelta

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import picking
from assets.models import Asset, AssetKind
from config.openapi import ERROR
from reports import roles
from reports.api.params import CoordinateField, checked
from reports.api.schema import ERRORS, NOT_FOUND
from reports.models import Report

NEAREST_MAX = 10


class NearestQuery(serializers.Serializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=AssetKind.objects.all())
    lat = CoordinateField(min_value=-90, max_value=90)
    lon = CoordinateField(min_value=-180, max_value=180)
    limit = serializers.IntegerField(min_value=1, max_value=NEAREST_MAX, default=5)


class FailuresQuery(serializers.Serializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=AssetKind.objects.all())
    days = serializers.IntegerField(min_value=1, max_value=3660, default=365)
    at_least = serializers.IntegerField(min_value=2, max_value=1000, default=2)


class AssetSchema(serializers.Serializer):
    """An asset as the API gives it (asset_json); `distance_m` from the point asked about."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    identifier = serializers.CharField()
    name = serializers.CharField()
    street = serializers.CharField()
    geometry = serializers.DictField(help_text="GeoJSON geometry: Point or LineString.")
    distance_m = serializers.FloatField(required=False)


def asset_json(asset):
    found = {"id": asset.pk, "kind": asset.kind.code, "identifier": asset.identifier,
             "name": str(asset.attributes.get("name") or ""), "street": asset.street,
             "geometry": json.loads(getattr(asset, "geojson", None) or asset.geometry.json)}
    if hasattr(asset, "distance_m"):
        found["distance_m"] = round(asset.distance_m, 1)
    return found


class NearestView(APIView):
    """GET /api/v1/assets/nearest?kind=&lat=&lon=: the assets of the kind within ASSET_SNAP_M of the point,
    nearest first (the first is the one the map picks)."""

    @extend_schema(parameters=[NearestQuery], responses={200: inline_serializer("NearestAssets", {
        "kind": serializers.CharField(), "within_m": serializers.IntegerField(), "assets": AssetSchema(many=True)}),
        400: ERRORS})
    def get(self, request):
        params = checked(NearestQuery, request.query_params)
        found = picking.nearest(params["kind"], params["lat"], params["lon"], limit=params["limit"])
        return Response({"kind": params["kind"].code, "within_m": settings.ASSET_SNAP_M,
                         "assets": [asset_json(asset) for asset in found]})


def refused(request, allowed):
    """None when the user may read this; else the 403 saying why."""
    if allowed(request.user):
        return None
    return Response({"error": str(_("Only staff may read this."))}, status=status.HTTP_403_FORBIDDEN)


class AssetHistoryView(APIView):
    """GET /api/v1/assets/<kind>/<identifier>: an asset and every report on it in any generation (staff)."""

    @extend_schema(responses={200: inline_serializer("AssetHistory", {
        "asset": AssetSchema(), "failures": serializers.IntegerField(), "fixes": serializers.IntegerField(),
        "recurrences": serializers.IntegerField(), "reports": serializers.ListField()}),
        403: OpenApiResponse(ERROR), 404: NOT_FOUND})
    def get(self, request, kind, identifier):
        if refusal := refused(request, roles.is_staff_reader):
            return refusal
        rows = Asset.objects.select_related("kind").filter(kind__code=kind, identifier=identifier)
        asset = get_object_or_404(rows.order_by("-generation__active", "-generation__created"))
        history = picking.history(asset, Report.objects.visible_to(request.user))
        return Response({
            "asset": asset_json(asset), "failures": history.failures, "fixes": history.fixes,
            "recurrences": history.recurrences,
            "reports": [{"code": report.code, "category": report.category.slug, "status": report.status,
                         "created": report.created.isoformat(),
                         "fixed": report.fixed_at.isoformat() if report.fixed_at else None}
                        for report in history.reports]})


class FailuresView(APIView):
    """GET /api/v1/assets/failures?kind=&days=&at_least=: the assets with repeated failures (planners and
    dispatchers), most reports first."""

    @extend_schema(parameters=[FailuresQuery], responses={200: inline_serializer("RepeatedFailures", {
        "identifier": serializers.CharField(), "reports": serializers.IntegerField(),
        "open": serializers.IntegerField(), "first": serializers.DateTimeField(),
        "last": serializers.DateTimeField()}, many=True), 400: ERRORS, 403: OpenApiResponse(ERROR)})
    def get(self, request):
        if refusal := refused(request, roles.sees_hidden):
            return refusal
        params = checked(FailuresQuery, request.query_params)
        since = timezone.now() - timedelta(days=params["days"])
        rows = picking.repeated_failures(params["kind"], since, params["at_least"])[:1000]
        return Response([{"identifier": row["asset__identifier"], "reports": row["reports"], "open": row["open"],
                          "first": row["first"].isoformat(), "last": row["last"].isoformat()} for row in rows])
