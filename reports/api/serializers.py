"""Categories and their questions as the API shows them (a report's properties are reports.representation's)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from offices.models import Office
from reports.models import Category, CategoryAttribute


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


class OfficeSerializer(serializers.ModelSerializer):
    """An office as a resident names it: where a service complaint happened (place_office), or who answers it."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    kelurahan = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    kecamatan = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Office
        fields = ["slug", "name", "short_name", "kind", "kind_label", "kelurahan", "kecamatan", "address"]


class CategoryOfficeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Office
        fields = ["slug", "name"]


class CategorySerializer(serializers.ModelSerializer):
    """A category; `location` says whether a report of it needs a pin ("required"), may have one or name an office
    ("optional") or names no place ("none"); `office` is the office that answers it (null where the place decides:
    routing "kelurahan-office"); `public` whether its reports are public when filed; `filable` whether reports are
    filed in it (a sub-category, or a main category without any)."""

    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    questions = QuestionSerializer(source="attributes", many=True, read_only=True)
    location = serializers.ChoiceField(source="location_mode", choices=Category.LocationMode.choices, read_only=True)
    office = CategoryOfficeSerializer(read_only=True, allow_null=True)
    public = serializers.BooleanField(source="public_by_default", read_only=True)
    filable = serializers.BooleanField(read_only=True)  # annotated: see CategoryListView

    class Meta:
        model = Category
        fields = ["slug", "name_id", "name_en", "parent", "duplicate_radius_m", "response_days", "photo_required",
                  "filable", "location", "routing", "office", "public", "questions"]
