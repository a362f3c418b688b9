"""The admin for places and crews, with Leaflet maps (django-leaflet)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.gis.db.models import Union
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletAdminWidget, LeafletGeoAdmin, LeafletGeoAdminMixin

from audit.admin import Audited
from config.admin import DeclaredLookupsOnly, ReadOnly
from geo import routing
from geo.boundaries import activate_generation
from geo.models import Crew, Generation, Kecamatan, Kelurahan, KelurahanBoundary, Place


def read_only_map(name, geom):
    """A Leaflet map showing `geom`, with no editing tools."""
    widget = LeafletAdminWidget(attrs={"geom_type": "MULTIPOLYGON"})
    widget.modifiable = False
    return widget.render(name, geom)


@admin.register(Kecamatan)
class KecamatanAdmin(DeclaredLookupsOnly, Audited, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ActiveBoundaryInline(LeafletGeoAdminMixin, admin.StackedInline):
    """The boundary lookups use now; earlier generations stay under Kelurahan boundaries."""

    model = KelurahanBoundary
    modifiable = False
    fields = ["generation", "boundary", "repaired"]
    readonly_fields = ["generation", "repaired"]
    extra = max_num = 0
    can_delete = False
    verbose_name_plural = _("boundary of the active generation")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(generation__active=True)


@admin.register(Kelurahan)
class KelurahanAdmin(DeclaredLookupsOnly, Audited, admin.ModelAdmin):
    list_display = ["code", "name", "kecamatan"]
    list_filter = ["kecamatan"]
    search_fields = ["code", "name"]
    readonly_fields = ["code"]
    inlines = [ActiveBoundaryInline]


@admin.register(KelurahanBoundary)
class KelurahanBoundaryAdmin(DeclaredLookupsOnly, ReadOnly, LeafletGeoAdmin):
    """Boundaries are read-only here: a new drawing is a new generation (manage.py import_kelurahan)."""

    modifiable = False
    list_display = ["kelurahan", "generation", "repaired"]
    list_filter = ["generation"]
    list_select_related = ["kelurahan", "generation"]
    search_fields = ["kelurahan__code", "kelurahan__name"]


@admin.register(Generation)
class GenerationAdmin(DeclaredLookupsOnly, Audited, LeafletGeoAdmin):
    modifiable = False
    list_display = ["id", "created", "source", "active"]
    readonly_fields = ["created", "source", "source_sha256", "active"]
    actions = ["activate"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting the active generation would leave every lookup without boundaries.
        return obj is not None and not obj.active

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Activate the selected generation"), permissions=["change"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one generation to activate."), messages.ERROR)
            return
        generation = activate_generation(queryset.get(), actor=request.user)
        self.message_user(request, _("Generation %(id)s is now active.") % {"id": generation.pk})


class CrewForm(forms.ModelForm):
    class Meta:
        model = Crew
        fields = ["name", "contact", "categories", "area", "kecamatan", "kelurahan", "members"]

    def clean(self):
        data = super().clean()
        area, kecamatan, kelurahan = data.get("area"), data.get("kecamatan"), data.get("kelurahan")
        if area == Crew.Area.KECAMATAN and not kecamatan:
            self.add_error("kecamatan", _("Choose the kecamatan this crew serves."))
        if area == Crew.Area.KELURAHAN and not kelurahan:
            self.add_error("kelurahan", _("Choose the kelurahan this crew serves."))
        if area != Crew.Area.KECAMATAN:
            data["kecamatan"] = None
        if area != Crew.Area.KELURAHAN:
            data["kelurahan"] = Kelurahan.objects.none()
        if self.errors or not data.get("categories"):
            return data
        clashes = routing.conflicting_crews(
            area, data["categories"], data["kecamatan"], data["kelurahan"], exclude_pk=self.instance.pk
        )
        if clashes:
            raise forms.ValidationError(
                _("%(crews)s already handle some of these categories in the same area at the same level; "
                  "reports there could not be routed. Change the categories or the service area.")
                % {"crews": ", ".join(c.name for c in clashes)}
            )
        return data


@admin.register(Crew)
class CrewAdmin(DeclaredLookupsOnly, Audited, admin.ModelAdmin):
    form = CrewForm
    list_display = ["name", "area", "kecamatan", "category_list"]
    list_filter = ["area", "kecamatan", "categories"]
    search_fields = ["name"]
    filter_horizontal = ["categories", "kelurahan", "members"]
    readonly_fields = ["service_area_map"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("kecamatan").prefetch_related("categories")

    @property
    def media(self):
        return super().media + LeafletAdminWidget().media

    @admin.display(description=_("categories"))
    def category_list(self, crew):
        return ", ".join(c.name for c in crew.categories.all())

    @admin.display(description=_("service area on the map"))
    def service_area_map(self, crew):
        if crew.pk is None:
            return "-"
        boundaries = KelurahanBoundary.objects.filter(generation__active=True)
        if crew.area == Crew.Area.KECAMATAN:
            boundaries = boundaries.filter(kelurahan__kecamatan=crew.kecamatan_id)
        elif crew.area == Crew.Area.KELURAHAN:
            boundaries = boundaries.filter(kelurahan__in=crew.kelurahan.all())
        return read_only_map("service_area", boundaries.aggregate(area=Union("boundary"))["area"])

    def changelist_view(self, request, extra_context=None):
        for first, second in routing.all_conflicts():
            self.message_user(
                request,
                _("Crews %(first)s and %(second)s handle the same category in the same area: "
                  "reports there are not routed until one of them changes.")
                % {"first": first, "second": second},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(Place)
class PlaceAdmin(DeclaredLookupsOnly, Audited, LeafletGeoAdmin):
    """The streets and places the map's search finds (also filled by manage.py import_places and the geocoder)."""

    list_display = ["name", "source", "updated"]
    list_filter = ["source"]
    search_fields = ["name"]
    readonly_fields = ["updated"]
