"""The shapes of the JSON API's requests and answers that are not one serializer, for the OpenAPI document."""


from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    inline_serializer,
)
from rest_framework import serializers

from reports.filing import DESCRIPTION_MAX, NAME_MAX
from reports.forms import EMAIL_MAX
from reports.models import Status

# For the OpenAPI document: the shapes of answers that are not one serializer.
ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field name to a list of messages.")


NOT_FOUND = OpenApiResponse(inline_serializer("NotFound", {"detail": serializers.CharField()}),
                            description="There is no such report, or it is not public.")


GEOJSON = OpenApiResponse(OpenApiTypes.OBJECT, description="A GeoJSON FeatureCollection (RFC 7946).")


PLACE = inline_serializer("Place", {"code": serializers.CharField(), "name": serializers.CharField()})


class ReportUpload(serializers.Serializer):
    """The report form's fields (reports.forms.ReportForm), for the document only."""

    client_uuid = serializers.UUIDField(help_text="Made by the client once per report: a retry files nothing new.")
    category = serializers.SlugField(help_text="A sub-category's slug (see /api/v1/categories).")
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    description = serializers.CharField(min_length=10, max_length=DESCRIPTION_MAX)
    photos = serializers.ListField(child=serializers.ImageField(), max_length=5, required=False)
    name = serializers.CharField(required=False, max_length=NAME_MAX)
    phone = serializers.CharField(required=False, max_length=30,
                                  help_text="Seen by dispatchers only, on demand (logged).")
    email = serializers.EmailField(required=False, max_length=EMAIL_MAX,
                                   help_text="Seen by dispatchers only, on demand (logged).")
    show_name = serializers.BooleanField(required=False)
    channel = serializers.ChoiceField(["email", "whatsapp", "sms"], required=False,
                                      help_text="How the reporter hears back: e-mail (the default), or WhatsApp or "
                                                "SMS where the city runs that gateway, with contact_consent.")
    contact_consent = serializers.BooleanField(required=False, help_text="Required with a phone or e-mail: the "
                                               "reporter agrees to status updates there (see /privasi/).")
    photos_show_people = serializers.BooleanField(required=False, help_text="The photos wait for a dispatcher "
                                                  "(who may blur faces and plates) before they are published.")


FILED = inline_serializer("Filed", {
    "code": serializers.CharField(), "status": serializers.CharField(), "status_label": serializers.CharField(),
    "kelurahan": PLACE, "kecamatan": PLACE, "crew": serializers.DictField(allow_null=True),
    "due_date": serializers.DateField(), "url": serializers.URLField(),
    "private_url": serializers.URLField(help_text="The reporter's own link to follow the report."),
})


FILING = OpenApiExample("A street light out in Ganting", request_only=True, media_type="multipart/form-data", value={
    "client_uuid": "0b6f3c2e-5d1a-4e8b-9c7d-2a4f6e8b0c1d", "category": "lampu-mati", "lat": -0.460738,
    "lon": 100.417659, "description": "Lampu jalan di depan masjid mati sejak tiga malam.", "show_name": False})


SUPPORTED = inline_serializer("Supported", {
    "code": serializers.CharField(), "support_count": serializers.IntegerField(), "added": serializers.BooleanField()})


class StatusUpload(serializers.Serializer):
    """reports.forms.StatusChangeForm's fields, for the document only."""

    status = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField(help_text="The report's version this change was made against.")
    note = serializers.CharField(required=False)
    public = serializers.BooleanField(required=False, allow_null=True, help_text=(
        "Whether the note is public (the public page, Open311, LAPOR!); left out: public for a dispatcher, "
        "internal for a crew member."))
    photo = serializers.ImageField(required=False, help_text="The completion photo (needed to mark it fixed).")
    duplicate_of = serializers.CharField(required=False, help_text="The original's code, to merge a duplicate.")
