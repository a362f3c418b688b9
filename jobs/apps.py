from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Durable background work, kept in PostgreSQL: see jobs/queue.py."""

    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self):
        from jobs import tasks  # noqa: F401 (registers the queue's own tasks)
