"""The city's assets: street lights, drains, road segments, each kind a layer with generations like the kelurahan.

An asset is the city's own identifier within a kind; its drawing comes in generations, one file import each,
one generation active per kind. A report points at the exact asset row it was filed on, so a later import never
moves an old report to another asset: the old row stays (assets.layers keeps every row a report names). An asset's
history across generations is its kind and identifier.
"""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reports.models import in_language


class AssetKind(models.Model):
    """A layer of assets: `lampu` (street lights, points), `saluran` (drains, lines), `jalan` (road segments)."""

    class Geometry(models.TextChoices):
        POINT = "point", _("points")
        LINE = "line", _("lines")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_id = models.CharField(_("name (Bahasa Indonesia)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    geometry = models.CharField(_("geometry"), max_length=5, choices=Geometry.choices)
    # Road segments: their `name` attribute is the street's, the address of a report filed on one.
    names_street = models.BooleanField(
        _("names the street"), default=False,
        help_text=_("The attribute 'name' of these assets is a street name: it becomes the report's address."))

    class Meta:
        ordering = ["code"]
        verbose_name = _("asset kind")
        verbose_name_plural = _("asset kinds")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return in_language(self.name_id, self.name_en)

    def active_generation(self):
        return self.generations.filter(active=True).first()


class AssetGeneration(models.Model):
    """One import of a kind's file; exactly one generation of a kind is active."""

    kind = models.ForeignKey(AssetKind, models.CASCADE, related_name="generations", verbose_name=_("asset kind"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    source = models.CharField(_("source file"), max_length=500)
    source_sha256 = models.CharField(_("SHA-256 of the source file"), max_length=64)
    active = models.BooleanField(_("active"), default=False)
    sample = models.BooleanField(_("generated sample"), default=False,
                                 help_text=_("Made by sample_assets for tests and demonstrations, not the city's."))

    class Meta:
        ordering = ["-created"]
        verbose_name = _("asset generation")
        verbose_name_plural = _("asset generations")
        constraints = [models.UniqueConstraint(fields=["kind"], condition=Q(active=True),
                                               name="assets_one_active_generation_per_kind")]

    def __str__(self):
        return f"{self.kind.code} #{self.pk} {self.source}" + (" (active)" if self.active else "")


class Asset(models.Model):
    kind = models.ForeignKey(AssetKind, models.CASCADE, related_name="assets", verbose_name=_("asset kind"))
    generation = models.ForeignKey(AssetGeneration, models.CASCADE, related_name="assets",
                                   verbose_name=_("generation"))
    identifier = models.CharField(_("identifier"), max_length=100, help_text=_("The city's own number of the asset."))
    # Points and line strings in WGS 84. The GiST index serves the tiles' box and the `<->` nearest search.
    geometry = models.GeometryField(_("geometry"), srid=4326, spatial_index=True)
    # As the source file gives them (a road segment's `name` is its street).
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    crew = models.ForeignKey("geo.Crew", models.SET_NULL, null=True, blank=True, related_name="assets",
                             verbose_name=_("responsible crew"))

    class Meta:
        ordering = ["kind", "identifier"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [models.UniqueConstraint(fields=["generation", "identifier"],
                                               name="assets_identifier_once_per_generation")]
        # An asset's history: every row of its identifier, whatever the generation.
        indexes = [models.Index(fields=["kind", "identifier"], name="assets_kind_identifier")]

    def __str__(self):
        return f"{self.kind.code} {self.identifier}"

    @property
    def street(self):
        """The street a road segment names, or ''."""
        return str(self.attributes.get("name") or "").strip() if self.kind.names_street else ""
