from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail of staff actions, for the administrators (docs/workflow.md, "Audit trail")."""

    name = "audit"
    verbose_name = _("Audit trail")
