from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TilesConfig(AppConfig):
    """Map tiles: vector tiles of reports and boundaries, and the basemap cache."""

    name = "tiles"
    verbose_name = _("Map tiles")
