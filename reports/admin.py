from django.contrib import admin

from reports.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_id", "name_en", "parent", "duplicate_radius_m", "response_days", "photo_required"]
    list_filter = ["parent"]
    list_select_related = ["parent"]
    search_fields = ["slug", "name_id", "name_en"]
    prepopulated_fields = {"slug": ["name_id"]}
