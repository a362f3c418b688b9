"""The administrators' list of offices (the sample list is corrected and confirmed here)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from audit.admin import Audited
from config.admin import DeclaredLookupsOnly
from offices.models import Office


@admin.register(Office)
class OfficeAdmin(DeclaredLookupsOnly, Audited, LeafletGeoAdmin):
    list_display = ["name", "short_name", "kind", "confirmed", "active"]
    list_filter = ["kind", "confirmed", "active"]
    search_fields = ["name", "short_name", "slug"]
    filter_horizontal = ["staff"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "kind", "confirmed", "active"]}),
        (_("Area served"), {"fields": ["kecamatan", "kelurahan"]}),
        (_("Contact and place"), {"fields": ["address", "phone", "email", "location"]}),
        (_("Staff"), {"fields": ["staff"]}),
    ]
