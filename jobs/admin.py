from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.admin import Audited
from audit.models import Action, record
from config.admin import AdministratorsOnly, DeclaredLookupsOnly
from jobs.models import Breaker, Job
from jobs.queue import wake


@admin.register(Job)
class JobAdmin(DeclaredLookupsOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
    """Waiting, failed and done jobs: read-only, with a retry for the failed ones (administrators only)."""

    list_display = ["task", "queue_name", "state", "attempts", "run_at", "created", "finished"]
    list_filter = ["state", "queue_name", "task"]
    search_fields = ["task", "key"]
    readonly_fields = ["task", "queue_name", "args", "state", "run_at", "attempts", "key", "claim", "started",
                       "last_error", "created", "finished"]
    show_full_result_count = False  # done jobs pile up between prunings: no COUNT(*) on every page
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Run again now"), permissions=["change"])
    def retry(self, request, queryset):
        failed = queryset.filter(state=Job.State.FAILED)
        record(request.user, Action.CHANGE, failed, {"admin_action": "retry"})
        queues = set(failed.values_list("queue_name", flat=True))
        count = failed.update(state=Job.State.QUEUED, run_at=timezone.now(), finished=None)
        wake(queues)
        self.message_user(request, _("%(count)s jobs queued again.") % {"count": count}, messages.SUCCESS)


@admin.register(Breaker)
class BreakerAdmin(DeclaredLookupsOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
    """Each outside system's breaker (jobs/breakers.py): read-only; a success closes it, not a person."""

    list_display = ["destination", "failures", "opened_at", "probe_at", "last_error"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
