from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from reports.models import Category, Photo, Report, StatusChange


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_id", "name_en", "parent", "duplicate_radius_m", "response_days", "photo_required"]
    list_filter = ["parent"]
    list_select_related = ["parent"]
    search_fields = ["slug", "name_id", "name_en"]
    prepopulated_fields = {"slug": ["name_id"]}


class PhotoInline(admin.TabularInline):
    model = Photo
    fields = ["image", "width", "height"]
    readonly_fields = ["width", "height"]
    extra = 0


class HistoryInline(admin.TabularInline):
    model = StatusChange
    fields = ["created", "from_status", "to_status", "by", "note"]
    readonly_fields = ["created"]
    extra = 0


@admin.register(Report)
class ReportAdmin(LeafletGeoAdmin):
    """Staff see everything a resident gave, contact details included; the dispatcher's tools come later."""

    list_display = ["code", "category", "kelurahan", "crew", "status", "due_date", "support_count", "created"]
    list_filter = ["status", "category__parent", "kelurahan__kecamatan", "crew", "hidden"]
    list_select_related = ["category", "kelurahan", "crew"]
    search_fields = ["code", "description", "address"]
    readonly_fields = ["code", "client_uuid", "created", "updated", "support_count"]
    inlines = [PhotoInline, HistoryInline]
