"""The JSON API's query parameters: each parsed and checked once, errors naming the parameter."""

import math
import re
from datetime import datetime, time

from django import forms
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assets.models import Asset
from reports.models import DEVICE_ID, STATUS_WORDS, Category, tracking_code

# A '+' left unencoded in a query string arrives as a space: '2026-11-28T08:00:00 07:00' was sent as +07:00.
UNENCODED_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_moment(text, end=False):
    """The one meaning of a time bound in every interface: an ISO 8601 date-time, or a bare date, which as a
    start is the day's first moment and as an `end` its last (the whole day), in the city's time zone when
    the text names none. An aware datetime; None when it is no such moment."""
    text = UNENCODED_PLUS.sub(r"\1+\2", text)
    try:
        day = parse_date(text)
        moment = datetime.combine(day, time.max if end else time.min) if day else parse_datetime(text)
    except ValueError:  # well formed, but no such day or time
        return None
    if moment is None or not 1900 <= moment.year <= 9000:  # outside that, time zone arithmetic overflows
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def parse_bbox(text):
    """'minLon,minLat,maxLon,maxLat' as a polygon; django.forms.ValidationError saying what is wrong."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise forms.ValidationError(_("Give minLon,minLat,maxLon,maxLat, e.g. 100.37,-0.49,100.44,-0.45."))
    if not (west < east and south < north):
        raise forms.ValidationError(_("The box must have minLon < maxLon and minLat < maxLat."))
    return Polygon.from_bbox((west, south, east, north))


_checkers = {}


def checked(query_class, data):
    """`data` (a request's parameters) validated by the serializer `query_class`; otherwise rest_framework's
    ValidationError, raised by is_valid(raise_exception=True) itself, so the errors are exactly its own (a body of
    `null` included). One instance of each class checks every valid request: a serializer deep-copies its declared
    fields for each new instance, most of what checking a few parameters costs (bench/nearby_bench.py). Its fields
    keep nothing of a request, so threads can share it."""
    checker = _checkers.get(query_class)
    if checker is None:
        checker = _checkers.setdefault(query_class, query_class())
    try:
        return checker.run_validation(data)
    except serializers.ValidationError:
        query_class(data=data).is_valid(raise_exception=True)
        raise


# The most markers one map request returns; beyond that the map needs vector tiles (tiles/).
MAP_LIMIT = 2000


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


class BBoxQuery(serializers.Serializer):
    bbox = serializers.CharField(required=False)
    limit = serializers.IntegerField(min_value=1, max_value=MAP_LIMIT, default=MAP_LIMIT)

    def validate_bbox(self, value):
        try:
            return parse_bbox(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages)


class SupportQuery(serializers.Serializer):
    device_id = serializers.RegexField(DEVICE_ID, required=False)
    # The reporter's private token, sent by their own page's script: a reporter cannot support their own report.
    token = serializers.CharField(max_length=100, required=False)


# The most codes one status request takes: a phone keeps a few dozen reports at most.
STATUS_CODES_MAX = 50


class StatusesQuery(serializers.Serializer):
    codes = serializers.CharField(help_text="Tracking codes separated by commas, at most 50.")

    def validate_codes(self, value):
        codes = {tracking_code(code) for code in value.split(",") if code.strip()}
        if not codes:
            raise serializers.ValidationError(_("Give at least one tracking code."))
        if len(codes) > STATUS_CODES_MAX:
            raise serializers.ValidationError(_("Give at most %(max)d tracking codes.") % {"max": STATUS_CODES_MAX})
        return sorted(codes)


class DuplicateQuery(LocateQuery):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.all(), required=False, help_text=(
        "The asset picked on the map: open reports on it count whatever their distance."))


class NearbyQuery(LocateQuery):
    radius_m = serializers.IntegerField(min_value=1, max_value=10_000, default=1000)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50)
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all(), required=False)
    status = serializers.ChoiceField(choices=STATUS_WORDS, required=False)
    crew = serializers.IntegerField(min_value=1, required=False)
    mine = serializers.BooleanField(required=False, help_text="Only the signed-in crew member's crews.")
    overdue = serializers.BooleanField(required=False)
    work = serializers.BooleanField(required=False, help_text=(
        "The crews' list: verified and in-progress reports, and the signed-in member's crews' fixed ones; never a "
        "new or hidden report."))
