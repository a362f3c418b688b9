"""The access log of contact details in the admin: administrators read and export it; nobody edits it."""

import csv

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.admin import BoundedCountPaginator
from config.admin import ReadOnly
from privacy.models import ContactAccess


class Echo:
    """A file-like object whose write hands back the line: csv.writer into a streamed response."""

    def write(self, value):
        return value


@admin.register(ContactAccess)
class ContactAccessAdmin(ReadOnly, admin.ModelAdmin):
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
        """when, who, report, how: one line each, oldest first (select all to export a filtered period)."""
        writer = csv.writer(Echo())
        rows = queryset.order_by("created", "pk").values_list("created", "actor", "report_code", "channel")
        lines = (writer.writerow([timezone.localtime(when).isoformat(timespec="seconds"), *rest])
                 for when, *rest in rows.iterator(2000))
        header = writer.writerow(["time", "user", "report", "channel"])
        response = StreamingHttpResponse(
            (line for part in ([header], lines) for line in part), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="akses-kontak-{timezone.localdate().isoformat()}.csv"')
        return response
