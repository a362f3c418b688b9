from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class TilesConfig(AppConfig):
    """Map tiles: vector tiles of reports and boundaries, and the basemap cache."""

    name = "tiles"
    verbose_name = _("Map tiles")

    def ready(self):
        from geo.models import Kecamatan, Kelurahan
        from reports.models import Category
        from tiles import invalidate

        post_save.connect(invalidate.category_saved, sender=Category, dispatch_uid="tiles-category-saved")
        post_save.connect(invalidate.place_renamed, sender=Kelurahan, dispatch_uid="tiles-kelurahan-saved")
        post_save.connect(invalidate.place_renamed, sender=Kecamatan, dispatch_uid="tiles-kecamatan-saved")
