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
    category = serializers.SlugField(help_text="The slug of a category whose `filable` is true (see "
                                                "/api/v1/categories).")
    lat = serializers.FloatField(required=False, help_text="With lon, the pin: required where the category's "
                                 "`location` is \"required\", optional where \"optional\", ignored where \"none\". "
                                 "Missing where required: 400 {\"lat\": [...]}.")
    lon = serializers.FloatField(required=False)
    place_office = serializers.SlugField(required=False, help_text="Instead of a pin, where the category's "
                                         "`location` is \"optional\": the slug of the office where it happened "
                                         "(see /api/v1/offices).")
    publish_consent = serializers.BooleanField(required=False, help_text="For a category that is not `public`: "
                                               "the reporter agrees it may be published without their name.")
    description = serializers.CharField(min_length=10, max_length=DESCRIPTION_MAX)
    photos = serializers.ListField(child=serializers.ImageField(), max_length=5, required=False)
    document = serializers.FileField(required=False, help_text="A service complaint's one PDF (a letter, a receipt): "
                                     "at most DOCUMENT_MAX_BYTES (5 MB) and DOCUMENT_MAX_PAGES (20), not encrypted; "
                                     "stored re-written, seen by the reporter's private link and the staff answering "
                                     "it only. Refused: 400 {\"document\": [...]}.")
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


# A service complaint without a pin has no kelurahan: its code and name are null.
FILED_PLACE = inline_serializer("FiledPlace", {"code": serializers.CharField(allow_null=True),
                                               "name": serializers.CharField(allow_null=True)})


FILED = inline_serializer("Filed", {
    "code": serializers.CharField(), "status": serializers.CharField(), "status_label": serializers.CharField(),
    "kelurahan": FILED_PLACE, "kecamatan": FILED_PLACE,
    "crew": serializers.DictField(allow_null=True),
    "office": inline_serializer("FiledOffice", {"slug": serializers.CharField(), "name": serializers.CharField()},
                                allow_null=True, help_text="The office that answers it; null while a dispatcher "
                                "chooses (no place was given where the place decides)."),
    "due_date": serializers.DateField(),
    "url": serializers.URLField(allow_null=True, help_text="The public page; null for a complaint that is not public."),
    "private": serializers.BooleanField(help_text="Not public by its kind: only the private link shows it."),
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
