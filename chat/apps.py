from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    """Reporting by WhatsApp: a conversation that files a report (docs/whatsapp.md)."""

    name = "chat"
    verbose_name = _("WhatsApp conversations")

    def ready(self):
        from chat import tasks  # noqa: F401 (registers the tasks)
