from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = _("Hotspots and response times")

    def ready(self):
        from insight import kept  # noqa: F401 (registers the job that keeps the city's recurrence)
