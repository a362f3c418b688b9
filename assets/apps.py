from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    """The city's assets (street lights, drains, road segments) that reports name."""

    name = "assets"
    verbose_name = _("City assets")
