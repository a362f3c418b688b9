from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from audit.admin import Audited
from audit.models import Action, record
from config.admin import AdministratorsOnly, DeclaredLookupsOnly
from geo import lookup
from jobs.queue import enqueue
from privacy import access, desk
from reports import photos as photo_rules
from reports import services, workflow
from reports.interop import open311
from reports.models import (
    ApiCall,
    ApiClient,
    Category,
    CategoryAttribute,
    Holiday,
    Photo,
    Report,
    ResponseTemplate,
    Status,
    StatusChange,
)


class QuestionInline(admin.StackedInline):
    model = CategoryAttribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(DeclaredLookupsOnly, Audited, admin.ModelAdmin):
    inlines = [QuestionInline]
    list_display = ["slug", "name_id", "name_en", "parent", "duplicate_radius_m", "response_days", "photo_required",
                    "asset_kind"]
    list_filter = ["parent"]
    list_select_related = ["parent", "asset_kind"]
    search_fields = ["slug", "name_id", "name_en"]
    prepopulated_fields = {"slug": ["name_id"]}


class PhotoInline(admin.TabularInline):
    model = Photo
    fields = ["preview", "kind", "published", "width", "height"]
    readonly_fields = fields
    show_change_link = True  # blur or remove one photo from its own page
    extra = max_num = 0

    @admin.display(description=_("photo"))
    def preview(self, photo):
        return format_html('<a href="{}"><img src="{}" width="120" alt=""></a>', photo.image.url, photo.thumbnail.url)


class HistoryInline(admin.TabularInline):
    """The history is written by the workflow only."""

    model = StatusChange
    fields = ["created", "from_status", "to_status", "by", "note"]
    readonly_fields = fields
    extra = max_num = 0
    can_delete = False


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue"))]

    def queryset(self, request, queryset):
        return queryset.overdue() if self.value() == "yes" else queryset


class RoutingFilter(admin.SimpleListFilter):
    """Reports the lookup could not give a crew (no crew, or crews that tie, for that category and place)."""

    title = _("routing")
    parameter_name = "routing"

    def lookups(self, request, model_admin):
        return [("none", _("no crew"))]

    def queryset(self, request, queryset):
        return queryset.filter(crew=None) if self.value() == "none" else queryset


def resident_photos():
    return Exists(Photo.objects.filter(report=OuterRef("pk"), kind=Photo.Kind.RESIDENT))


class PhotoFilter(admin.SimpleListFilter):
    """Reports filed without a photo (Open311 makes media optional): the dispatcher may ask the crew to look."""

    title = _("photo")
    parameter_name = "photo"

    def lookups(self, request, model_admin):
        return [("none", _("no photo"))]

    def queryset(self, request, queryset):
        return queryset.filter(~resident_photos()) if self.value() == "none" else queryset


class ReportForm(forms.ModelForm):
    """A new point or category goes through services.relocation: its refusal shows on the form."""

    def clean(self):
        data = super().clean()
        self.relocated = None
        if self.instance.pk and {"location", "category"} & set(self.changed_data) and not self.errors:
            crew = data.get("crew") if "crew" in self.changed_data else services.ROUTE
            try:
                self.relocated = services.relocation(self.instance, location=data["location"],
                                                     category=data["category"], crew=crew)
            except lookup.OutsideCity as outside:
                self.add_error("location", str(outside))
            else:
                data["crew"] = self.instance.crew  # the form would put its own value back on the report
        return data


@admin.register(Report)
class ReportAdmin(DeclaredLookupsOnly, Audited, LeafletGeoAdmin):
    """The dispatcher's desk: filter, reassign, hide, merge duplicates. Status changes go through the workflow.

    The reporter's contact details are on no page: a dispatcher asks for them (the logged `show_contact`). The
    description changes only by redaction (privacy.desk.redact), which keeps no copy of the old text.
    """

    list_display = ["code", "category", "kelurahan", "crew", "status", "due_date", "is_overdue", "has_photo",
                    "support_count", "hidden", "created"]
    list_filter = ["status", OverdueFilter, RoutingFilter, PhotoFilter, "category__parent", "kelurahan__kecamatan",
                   "kelurahan", "crew", "hidden"]
    list_select_related = ["category", "kelurahan", "crew"]
    search_fields = ["code", "description", "address"]
    fields = ["code", "status", "staff_page", "category", "crew", "routing_problem", "hidden", "location", "address",
              "description", "kelurahan", "due_date", "contact", "show_name", "support_count", "duplicate_of",
              "created", "updated"]
    readonly_fields = ["code", "status", "staff_page", "routing_problem", "description", "kelurahan", "due_date",
                       "contact", "show_name", "support_count", "duplicate_of", "created", "updated"]
    form = ReportForm
    inlines = [PhotoInline, HistoryInline]
    actions = ["merge_duplicates", "hide", "show", desk.show_contact, desk.redact]

    def has_add_permission(self, request):
        return False  # a report is filed (reports.filing), never made here: its add page could not even render

    def has_contact_permission(self, request):
        return access.sees_contact(request.user)

    @admin.display(description=_("contact details"))
    def contact(self, report):
        """A button for the logged show_contact action on this report (the change form's fields go along)."""
        return format_html(
            '<input type="hidden" name="_selected_action" value="{}">'
            '<button type="submit" formaction="{}" name="action" value="show_contact">{}</button>',
            report.pk, reverse("admin:reports_report_changelist"), _("Show (the reading is logged)"))

    @admin.display(boolean=True, description=_("overdue"))
    def is_overdue(self, report):
        return report.is_overdue

    @admin.display(boolean=True, description=_("photo"))
    def has_photo(self, report):
        return report.has_photo

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(has_photo=resident_photos())

    @admin.display(description=_("change the status"))
    def staff_page(self, report):
        return format_html('<a href="{}">{}</a>', reverse("crew-report", args=[report.code]),
                           _("on the staff page of this report"))

    def get_readonly_fields(self, request, obj=None):
        # The button is for those who may read the details; for the others the row says nothing.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if self.has_contact_permission(request) else [f for f in readonly if f != "contact"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if self.has_contact_permission(request) else [f for f in fields if f != "contact"]

    def save_model(self, request, obj, form, change):
        """A move, a new crew, hiding: each through its one function (reports.services), which records it."""
        hidden = obj.hidden
        if change and "hidden" in form.changed_data:
            obj.hidden = not hidden  # saved by services.set_hidden below, with its history and audit entry
        super().save_model(request, obj, form, change)
        if change and form.relocated:
            services.record_unchanged_status(obj, request.user, form.relocated)
        elif change and "crew" in form.changed_data:
            services.reassign(obj, obj.crew, by=request.user)
        if change and "hidden" in form.changed_data:
            services.set_hidden(obj, hidden, by=request.user)

    @admin.action(description=_("Merge: mark the selected reports duplicates of the oldest one"),
                  permissions=["change"])
    def merge_duplicates(self, request, queryset):
        reports = list(queryset.order_by("created"))
        if len(reports) < 2:
            self.message_user(request, _("Select the original and at least one duplicate."), messages.ERROR)
            return
        original, merged = reports[0], 0
        for report in reports[1:]:
            try:
                workflow.change_status(report, Status.DUPLIKAT, request.user, version=report.version,
                                       duplicate_of=original)
                record(request.user, Action.MERGE, [report], {"duplicate_of": original.code})
                merged += 1
            except (workflow.Refused, workflow.Forbidden, workflow.Conflict) as refusal:
                self.message_user(request, f"{report.code}: {refusal}", messages.WARNING)
        self.message_user(request, _("%(count)s reports marked duplicates of %(code)s.")
                          % {"count": merged, "code": original.code})

    @admin.action(description=_("Hide from the public"), permissions=["change"])
    def hide(self, request, queryset):
        for report in queryset:
            services.set_hidden(report, True, by=request.user)

    @admin.action(description=_("Show to the public again"), permissions=["change"])
    def show(self, request, queryset):
        for report in queryset:
            services.set_hidden(report, False, by=request.user)


@admin.register(Photo)
class PhotoAdmin(DeclaredLookupsOnly, Audited, admin.ModelAdmin):
    """One photo: blur it (a face, a number plate) or remove it, without touching the report. Photos the resident
    said show people or vehicles wait here (filter: not published) until a dispatcher publishes them."""

    list_display = ["report", "kind", "position", "published"]
    list_filter = ["published"]
    list_select_related = ["report"]
    fields = ["report", "kind", "published", "preview"]
    readonly_fields = fields
    actions = ["blur", "publish"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("photo"))
    def preview(self, photo):
        return format_html('<img src="{}" style="max-width:100%" alt="">', photo.image.url)

    @admin.action(description=_("Blur the selected photos"), permissions=["change"])
    def blur(self, request, queryset):
        for photo in queryset:
            photo_rules.blur(photo, request.user)
        self.message_user(request, _("%(count)s photos blurred.") % {"count": len(queryset)})

    @admin.action(description=_("Publish the selected photos (after blurring faces and plates)"),
                  permissions=["change"])
    def publish(self, request, queryset):
        published = photo_rules.publish(queryset, request.user)
        self.message_user(request, _("%(count)s photos published.") % {"count": len(published)})


class ResponseTemplateForm(forms.ModelForm):
    statuses = forms.TypedMultipleChoiceField(label=_("suits the statuses"), choices=Status.choices,
                                              widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ResponseTemplate
        fields = ["title", "text", "statuses", "order"]


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(DeclaredLookupsOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
    """The city's ready answers, chosen on the desk (desk.views): administrators write them."""

    form = ResponseTemplateForm
    list_display = ["title", "statuses", "order"]
    search_fields = ["title", "text"]


@admin.register(Holiday)
class HolidayAdmin(DeclaredLookupsOnly, Audited, admin.ModelAdmin):
    """The days deadlines skip. A holiday added, moved or removed here gives the open reports whose window holds
    its date their new due dates at once."""

    list_display = ["date", "name", "kind", "estimated"]
    list_filter = ["kind", "estimated"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        moved_from = form.initial.get("date") if change else None
        super().save_model(request, obj, form, change)
        if "date" in form.changed_data:
            self._recompute(request, {obj.date, moved_from} - {None})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute(request, {obj.date})

    def delete_queryset(self, request, queryset):
        dates = set(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        self._recompute(request, dates)

    def _recompute(self, request, dates):
        """A job, enqueued with the change: a holiday can move the due dates of many open reports."""
        enqueue("reports.recompute_due_dates", dates=sorted(day.isoformat() for day in dates), user_id=request.user.pk)
        self.message_user(request, _("The due dates of the open reports this touches are being recomputed."))


@admin.register(ApiClient)
class ApiClientAdmin(DeclaredLookupsOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
    """One key per client system; the key is shown once, when it is made."""

    list_display = ["name", "contact", "key_prefix", "active", "created", "calls_link"]
    sortable_by = ["name", "key_prefix", "active", "created"]  # not by the contact's e-mail
    fields = ["name", "contact", "active", "key_prefix", "created"]
    readonly_fields = ["key_prefix", "created"]
    actions = ["new_keys"]

    def save_model(self, request, obj, form, change):
        if not change:
            self._give_key(request, obj)
        super().save_model(request, obj, form, change)

    def _give_key(self, request, client):
        key, client.key_digest, client.key_prefix = open311.new_key()
        messages.warning(request, _("The API key of %(name)s is %(key)s. Copy it now: it is not shown again.")
                         % {"name": client.name, "key": key})

    @admin.action(description=_("Replace the key (the old one stops working)"), permissions=["change"])
    def new_keys(self, request, queryset):
        for client in queryset:
            self._give_key(request, client)
            client.save(update_fields=["key_digest", "key_prefix"])
        record(request.user, Action.NEW_KEY, queryset)

    @admin.display(description=_("calls"))
    def calls_link(self, client):
        url = reverse("admin:reports_apicall_changelist") + f"?client__id__exact={client.pk}"
        return format_html('<a href="{}">{}</a>', url, _("calls"))


@admin.register(ApiCall)
class ApiCallAdmin(DeclaredLookupsOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
    """The record of every call made with an API key; written by the API only."""

    list_display = ["created", "client", "method", "path", "status_code", "report", "remote_addr"]
    list_filter = ["client", "method", "status_code"]
    list_select_related = ["client", "report"]
    date_hierarchy = "created"
    show_full_result_count = False  # the log grows without end: no COUNT(*) on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
