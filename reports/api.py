"""The JSON API (/api/v1/)."""

import math

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from geo import lookup
from reports.models import Category


class CoordinateField(serializers.FloatField):
    default_error_messages = {"invalid": _("A number in decimal degrees is required, e.g. -0.4665.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class LocateQuery(serializers.Serializer):
    lat = CoordinateField(min_value=-90, max_value=90)
    lon = CoordinateField(min_value=-180, max_value=180)
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all(), required=False)


class LocateView(APIView):
    """GET /api/v1/locate?lat=..&lon=..[&category=slug]: the kelurahan, kecamatan and crew of a point."""

    def get(self, request):
        query = LocateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
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
