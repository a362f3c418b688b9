"""Categories and their questions as the API shows them (a report's properties are reports.representation's)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    questions = QuestionSerializer(source="attributes", many=True, read_only=True)

    class Meta:
        model = Category
        fields = ["slug", "name_id", "name_en", "parent", "duplicate_radius_m", "response_days", "photo_required",
                  "questions"]
