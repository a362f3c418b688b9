from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """Residents hear back: followers of a report, area alerts, "is it fixed?" and ratings (docs/notify.md)."""

    name = "notify"
    verbose_name = _("Messages to residents")

    def ready(self):
        from notify import events, tasks  # noqa: F401 (registers the tasks)
        from reports import signals

        signals.report_filed.connect(events.report_filed, dispatch_uid="notify-report-filed")
        signals.status_changed.connect(events.status_changed, dispatch_uid="notify-status-changed")
