from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from audit.admin import Audited
from audit.models import Action, record
from config.admin import AdministratorsOnly, DeclaredLookupsOnly, ReadOnly
from forwarding import clock, delivery, inbound
from forwarding.models import Disposition, FollowUp, Forwarding, Link, Route
from geo import lookup
from reports import roles


class DispatchersOnly:
    """Dispatchers and administrators (the forwarded reports, LAPOR!'s complaints waiting for a pin)."""

    def has_module_permission(self, request):
        return request.user.is_active and roles.is_dispatcher(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(Link)
class LinkAdmin(DeclaredLookupsOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
    """The outside systems; a paused one resumes by itself once it accepts our credentials again. A partner is
    sent no contact details: at most the reporter's name, when they chose to show it (docs/privacy.md)."""

    list_display = ["name", "kind", "url", "paused_since", "last_success", "pulled_at"]
    fields = ["name", "kind", "url", "api_key", "jurisdiction_id", "personal_data", "paused_since", "pause_reason",
              "last_success", "pulled_at"]
    readonly_fields = ["paused_since", "pause_reason", "last_success", "pulled_at"]
    actions = ["resume"]

    @admin.action(description=_("Try sending again now"), permissions=["change"])
    def resume(self, request, queryset):
        for link in queryset:
            delivery.answered(link)
        record(request.user, Action.CHANGE, queryset, {"admin_action": "resume"})
        self.message_user(request, _("Sending resumed; a refused token pauses it again."), messages.SUCCESS)


@admin.register(Route)
class RouteAdmin(DeclaredLookupsOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
    """Which LAPOR! topic (or partner's service) each category's reports go to, and when."""

    list_display = ["category", "link", "code", "when", "follow_partner"]
    list_filter = ["link", "when"]
    list_select_related = ["category", "link"]


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    fields = ["created", "status", "note", "photo_urls", "sent"]
    readonly_fields = fields
    extra = max_num = 0
    can_delete = False


@admin.register(Forwarding)
class ForwardingAdmin(DeclaredLookupsOnly, DispatchersOnly, ReadOnly, Audited, admin.ModelAdmin):
    """Every report sent to or received from another system: their ID, whether all went out, the last error."""

    list_display = ["report", "link", "external_id", "inbound", "check_category", "created", "received",
                    "waiting"]
    list_filter = ["link", "inbound", "check_category"]
    list_select_related = ["report", "link"]
    search_fields = ["report__code", "external_id"]
    fields = ["report", "link", "code", "inbound", "external_id", "token", "check_category", "created", "received",
              "first_follow_up", "lapor_deadlines", "partner_status", "partner_updated", "delivery"]
    readonly_fields = fields
    inlines = [FollowUpInline]

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(boolean=True, description=_("all sent"))
    def waiting(self, forwarding):
        return forwarding.delivered and not forwarding.follow_ups.filter(sent=None).exists()

    @admin.display(description=_("LAPOR! deadlines"))
    def lapor_deadlines(self, forwarding):
        found = clock.deadlines(forwarding)
        return ", ".join(f"{name}: {day:%Y-%m-%d}" for name, day in found.items() if day) or "—"

    @admin.display(description=_("delivery"))
    def delivery(self, forwarding):
        job = delivery.job_of(forwarding)
        if job is None:
            return _("nothing waiting")
        return format_html("{} {} · {}<pre>{}</pre>", _("try"), job.attempts + 1, job.run_at,
                           job.last_error.strip().splitlines()[-1] if job.last_error else "")


class DispositionForm(forms.ModelForm):
    def clean_location(self):
        point = self.cleaned_data.get("location")
        if point is not None:
            try:
                lookup.locate(point)
            except lookup.OutsideCity as outside:
                raise forms.ValidationError(str(outside)) from None
        return point


@admin.register(Disposition)
class DispositionAdmin(DeclaredLookupsOnly, DispatchersOnly, Audited, LeafletGeoAdmin):
    """LAPOR!'s complaints; one that "needs a location" is filed as a report when a dispatcher drops its pin."""

    form = DispositionForm
    list_display = ["tracking_id", "title", "state", "created", "report"]
    list_filter = ["state"]
    search_fields = ["tracking_id"]
    fields = ["tracking_id", "state", "problem", "title", "content", "location_text", "location", "report"]
    readonly_fields = ["tracking_id", "state", "problem", "title", "content", "location_text", "report"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("content"))
    def content(self, disposition):
        return disposition.payload.get("content", "")

    def save_model(self, request, obj, form, change):
        if obj.state == Disposition.State.NEEDS_LOCATION and obj.location is not None:
            report = inbound.file_disposition(obj, obj.location.y, obj.location.x)
            self.message_user(request, _("Filed as report %(code)s.") % {"code": report.code}, messages.SUCCESS)
        else:
            super().save_model(request, obj, form, change)
