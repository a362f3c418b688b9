"""The administrators' pages of the assets: kinds are edited here; layers come from import_assets, read-only."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from assets.models import Asset, AssetGeneration, AssetKind
from audit.admin import Audited
from config.admin import DeclaredLookupsOnly, ReadOnly


@admin.register(AssetKind)
class AssetKindAdmin(DeclaredLookupsOnly, Audited, admin.ModelAdmin):
    list_display = ["code", "name_id", "name_en", "geometry", "names_street"]


@admin.register(AssetGeneration)
class AssetGenerationAdmin(DeclaredLookupsOnly, ReadOnly, admin.ModelAdmin):
    """A new drawing of a layer is a new generation (manage.py import_assets), never an edit."""

    list_display = ["id", "kind", "created", "source", "active", "sample"]
    list_filter = ["kind", "active"]
    list_select_related = ["kind"]


@admin.register(Asset)
class AssetAdmin(DeclaredLookupsOnly, ReadOnly, LeafletGeoAdmin):
    list_display = ["identifier", "kind", "generation", "crew"]
    list_filter = ["kind"]
    list_select_related = ["kind", "generation", "crew"]
    search_fields = ["identifier"]
