from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from audit.admin import Audited
from audit.models import Action, record
from config.admin import AdministratorsOnly, DeclaredLookupsOnly, ReadOnly
from forwarding import clock, delivery
from forwarding.models import Disposition, FollowUp, Forwarding, Link, Route


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
class ForwardingAdmin(DeclaredLookupsOnly, ReadOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
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


@admin.register(Disposition)
class DispositionAdmin(DeclaredLookupsOnly, ReadOnly, AdministratorsOnly, Audited, LeafletGeoAdmin):
    """LAPOR!'s complaints as they came. One that "needs a location" is placed, and its category chosen, in the
    staff desk's inbox (/meja/lokasi/, desk.inbox), which files it as a report."""

    list_display = ["tracking_id", "title", "state", "created", "report"]
    list_filter = ["state"]
    search_fields = ["tracking_id"]
    fields = ["tracking_id", "state", "problem", "title", "content", "location_text", "location", "report"]
    readonly_fields = fields

    @admin.display(description=_("title"))
    def title(self, disposition):
        return disposition.title

    @admin.display(description=_("content"))
    def content(self, disposition):
        return disposition.payload.get("content", "")

    @admin.display(description=_("location as written"))
    def location_text(self, disposition):
        return disposition.location_text
