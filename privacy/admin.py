"""The access log of contact details in the admin: administrators read and export it; nobody edits it."""

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.admin import BoundedCountPaginator
from config.admin import DeclaredLookupsOnly, ReadOnly
from privacy.models import ContactAccess
from reports.interop.exports import spreadsheet_stream


@admin.register(ContactAccess)
class ContactAccessAdmin(DeclaredLookupsOnly, ReadOnly, admin.ModelAdmin):
    """Administrators only, whatever permissions a group was given."""

    list_display = ["created", "actor", "report_code", "channel"]
    list_filter = ["channel", "user", ("created", admin.DateFieldListFilter)]
    search_fields = ["report_code", "actor"]
    paginator = BoundedCountPaginator
    show_full_result_count = False  # one row per report read: no COUNT(*) of the whole table
    actions = ["export_csv"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.action(description=_("Export the selected rows as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        """when (WIB), who, report, how: one line each, oldest first (select all to export a filtered period), by
        the rules of every CSV we serve (reports.interop.exports)."""
        rows = queryset.order_by("created", "pk").values_list("created", "actor", "report_code", "channel")
        response = StreamingHttpResponse(spreadsheet_stream(["time_wib", "user", "report", "channel"],
                                                            rows.iterator(2000)),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="akses-kontak-{timezone.localdate().isoformat()}.csv"')
        return response
