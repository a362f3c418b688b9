from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Residents' personal data as UU 27/2022 asks (docs/privacy.md): what is kept and why, how long, who read
    it, and the reporter's own rights through their private link."""

    name = "privacy"
    verbose_name = _("Personal data")

    def ready(self):
        from privacy import tasks  # noqa: F401 (registers the retention job)
