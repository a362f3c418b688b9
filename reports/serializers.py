"""What the public API shows of a report: never the reporter's phone or e-mail, the name only if they chose."""

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection
from django.db.models import JSONField, Value
from django.db.models.functions import Cast, JSONObject
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from reports.models import Category, CategoryAttribute, Report


class QuestionSerializer(serializers.ModelSerializer):
    """A category's question, in the request's language, as the report form asks it."""

    label = serializers.CharField(read_only=True)
    choices = serializers.SerializerMethodField()

    class Meta:
        model = CategoryAttribute
        fields = ["code", "label", "datatype", "required", "choices"]

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "key": {"type": "string"}, "name": {"type": "string"}}}})
    def get_choices(self, question):
        return [{"key": key, "name": name} for key, name in question.choice_list()]


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    questions = QuestionSerializer(source="attributes", many=True, read_only=True)

    class Meta:
        model = Category
        fields = ["slug", "name_id", "name_en", "parent", "duplicate_radius_m", "response_days", "photo_required",
                  "questions"]


@extend_schema_field({"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}})
class PlaceField(serializers.Field):
    def to_representation(self, place):
        return {"code": place.code, "name": place.name}


class PublicReportSerializer(GeoFeatureModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    kelurahan = PlaceField(read_only=True)
    kecamatan = PlaceField(source="kelurahan.kecamatan", read_only=True)
    name = serializers.CharField(source="public_name", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    photos = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        geo_field = "location"
        id_field = False
        fields = [
            "code", "category", "category_name", "status", "status_label", "kelurahan", "kecamatan", "address",
            "description", "attributes", "created", "due_date", "overdue", "support_count", "name", "photos", "url",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "url": {"type": "string"}, "thumbnail": {"type": "string"}, "kind": {"type": "string"}}}})
    def get_photos(self, report):
        request = self.context.get("request")
        return [
            {"url": request.build_absolute_uri(p.image.url), "thumbnail": request.build_absolute_uri(p.thumbnail.url),
             "kind": p.kind}
            for p in report.photos.all()
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, report):
        return self.context["request"].build_absolute_uri(report.get_absolute_url())


class MapReportSerializer(GeoFeatureModelSerializer):
    """The few fields a map marker needs, to keep the layer light on a phone."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Report
        geo_field = "location"
        id_field = False
        fields = ["code", "category", "status", "support_count"]


def map_features_json(reports):
    """MapReportSerializer's FeatureCollection for a queryset of reports, as JSON text built by PostgreSQL.

    The map asks for up to 2,000 reports per screen: made as Python objects, that answer took 0.4-0.8 s
    of a worker's CPU; PostgreSQL writes the same JSON in a few milliseconds.
    """
    features = reports.annotate(feature=JSONObject(
        type=Value("Feature"),
        geometry=Cast(AsGeoJSON("location"), JSONField()),
        properties=JSONObject(code="code", category="category__slug", status="status",
                              support_count="support_count"),
    )).values("feature")
    sql, params = features.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SELECT json_build_object('type', 'FeatureCollection', 'features', "
                       f"coalesce(json_agg(page.feature), '[]'))::text FROM ({sql}) page", params)
        return cursor.fetchone()[0]


class StaffReportSerializer(PublicReportSerializer):
    """What crews, dispatchers and planners see: routing, moderation and the version to change against.

    Still without the reporter's phone and e-mail: those stay in the admin.
    """

    crew = serializers.SerializerMethodField()
    reporter_name = serializers.CharField(read_only=True)

    class Meta(PublicReportSerializer.Meta):
        fields = PublicReportSerializer.Meta.fields + [
            "crew", "routing_problem", "hidden", "version", "reporter_name",
        ]

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}}})
    def get_crew(self, report):
        return {"id": report.crew.pk, "name": report.crew.name} if report.crew else None
