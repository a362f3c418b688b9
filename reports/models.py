"""Reports and what they are about."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A kind of problem: a main category (road, drainage, lighting) or one of its sub-categories."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_id = models.CharField(_("name (Bahasa Indonesia)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("main category")
    )
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate-search radius (m)"), help_text=_("Open reports this close are offered as possible duplicates.")
    )
    response_days = models.PositiveSmallIntegerField(_("response time (working days)"))
    photo_required = models.BooleanField(_("photo required"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The name in the language of the current request."""
        return self.name_en if (get_language() or "id").startswith("en") else self.name_id
