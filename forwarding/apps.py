from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForwardingConfig(AppConfig):
    name = "forwarding"
    verbose_name = _("Forwarding to other systems")

    def ready(self):
        from forwarding import listeners, tasks  # noqa: F401 (the signals it listens to, its background tasks)
