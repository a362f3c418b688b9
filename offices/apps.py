from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    """The city's offices (OPD): the places of responsibility that answer complaints."""

    name = "offices"
    verbose_name = _("Offices")
