"""Places: kecamatan, kelurahan, their boundaries by generation, and the crews that serve them.

A kelurahan is an identity (its Kemendagri code) that outlives any one drawing of
its boundary. Boundaries come in generations, as in MapIt: an import adds a new
generation, and activating it switches every lookup at once. Reports point at the
kelurahan, so a re-drawn boundary never silently moves an old report.
"""

import re
import unicodedata

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kecamatan(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True, help_text="Kemendagri, e.g. 13.74.01")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self):
        return self.name


class Kelurahan(models.Model):
    code = models.CharField(_("code"), max_length=13, unique=True, help_text="Kemendagri, e.g. 13.74.02.1002")
    name = models.CharField(_("name"), max_length=100)
    kecamatan = models.ForeignKey(Kecamatan, models.PROTECT, related_name="kelurahan", verbose_name=_("kecamatan"))
    population = models.PositiveIntegerField(
        _("population"), null=True, blank=True, help_text=_("Residents, for reports per 1,000 in the statistics.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")

    def __str__(self):
        return self.name


class GenerationQuerySet(models.QuerySet):
    def current(self):
        """The active generation, or None before any boundaries are loaded."""
        return self.filter(active=True).first()


class Generation(models.Model):
    """One import of the boundary file; exactly one generation is active."""

    created = models.DateTimeField(_("created"), auto_now_add=True)
    source = models.CharField(_("source file"), max_length=500)
    source_sha256 = models.CharField(_("SHA-256 of the source file"), max_length=64, db_index=True)
    active = models.BooleanField(_("active"), default=False)
    # The union of the kelurahan with its holes filled: a point inside it but in
    # no kelurahan is in a gap of the data, not outside the city.
    outline = models.MultiPolygonField(_("city outline"), srid=4326)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("boundary generation")
        verbose_name_plural = _("boundary generations")
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="geo_one_active_generation"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.source}" + (" (active)" if self.active else "")


class KelurahanBoundary(models.Model):
    kelurahan = models.ForeignKey(Kelurahan, models.CASCADE, related_name="boundaries", verbose_name=_("kelurahan"))
    generation = models.ForeignKey(Generation, models.CASCADE, related_name="boundaries",
                                   verbose_name=_("generation"))
    # The GiST index serves `ST_Covers(boundary, point)` and the `<->` nearest
    # search in geo.lookup.locate.
    boundary = models.MultiPolygonField(_("boundary"), srid=4326, spatial_index=True)
    # The names as this generation's file spells them; they become the kelurahan's
    # and kecamatan's names when the generation is activated, not before.
    name = models.CharField(_("name"), max_length=100)
    kecamatan_name = models.CharField(_("kecamatan name"), max_length=100)
    repaired = models.CharField(
        _("repair made on import"), max_length=200, blank=True,
        help_text=_("Why GEOS found the source geometry invalid."),
    )

    class Meta:
        ordering = ["kelurahan__code"]
        verbose_name = _("kelurahan boundary")
        verbose_name_plural = _("kelurahan boundaries")
        constraints = [
            models.UniqueConstraint(fields=["generation", "kelurahan"], name="geo_one_boundary_per_generation"),
        ]

    def __str__(self):
        return f"{self.kelurahan} ({self.generation_id})"


class Crew(models.Model):
    """A public-works crew: the categories it handles and where it works."""

    class Area(models.TextChoices):
        # Ordered from most to least specific: routing prefers the first.
        KELURAHAN = "kelurahan", _("selected kelurahan")
        KECAMATAN = "kecamatan", _("one kecamatan")
        CITY = "city", _("the whole city")

    name = models.CharField(_("name"), max_length=120, unique=True)
    categories = models.ManyToManyField(
        "reports.Category",
        related_name="crews",
        verbose_name=_("categories"),
        help_text=_("A main category includes its sub-categories."),
    )
    area = models.CharField(_("service area"), max_length=10, choices=Area.choices, default=Area.KECAMATAN)
    kecamatan = models.ForeignKey(
        Kecamatan, models.PROTECT, null=True, blank=True, related_name="crews", verbose_name=_("kecamatan")
    )
    kelurahan = models.ManyToManyField(Kelurahan, blank=True, related_name="crews", verbose_name=_("kelurahan"))
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    # The office whose field team this is (the public-works office's, in the sample set-up).
    office = models.ForeignKey("offices.Office", models.PROTECT, null=True, blank=True, related_name="crews",
                               verbose_name=_("office"))
    members = models.ManyToManyField(
        "auth.User", blank=True, related_name="crews", verbose_name=_("members"),
        help_text=_("Staff in the group 'crew' who work in this crew."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("crew")
        verbose_name_plural = _("crews")

    def __str__(self):
        return self.name


class Throttle(models.Model):
    """One row per outside service we may ask only so often (the geocoder: one request a second, Nominatim's
    usage policy). Whoever asks locks the row FOR UPDATE first: see geo.geocoding.turn."""

    name = models.CharField(max_length=40, primary_key=True)
    # When the last request ended: the next one waits (a job) or is not made (a person's search) until a second
    # after it.
    last_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


# Words typed for "street" (and a few others) in every form residents use: one form each for the search.
SAME_WORDS = {"jl": "jalan", "jln": "jalan", "gg": "gang", "kel": "kelurahan", "kec": "kecamatan", "mesjid": "masjid",
              "no": "", "nomor": ""}


def search_form(text):
    """A name as the search compares it: no diacritics, lower case, words only, "jl", "jln" and "Jalan" alike,
    "No." dropped (a house number stays): "Jl. Soekarno–Hatta No. 5" and "jalan soekarno hatta 5" are the same."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = (SAME_WORDS.get(word, word) for word in re.findall(r"[a-z0-9]+", plain))
    return " ".join(word for word in words if word)


class Place(models.Model):
    """A street or place of the city by name, for the map's search when no geocoder is configured (and before it).

    Filled by `manage.py import_places` from the city's GeoJSON/GeoPackage/OSM extract, by hand in the admin, and
    learnt from reports (geo.places.remember_address): the street addresses reverse geocoding gave them, the
    addresses typed when filing, and those of reports a dispatcher verified.
    """

    class Source(models.TextChoices):
        IMPORT = "import", _("imported file")
        GEOCODER = "geocoder", _("address from the geocoder")
        ADMIN = "admin", _("entered in the admin")
        TYPED = "typed", _("address typed at filing")
        VERIFIED = "verified", _("address of a verified report")

    name = models.CharField(_("name"), max_length=300, unique=True)
    # search_form(name), kept by save(). GIN trigram index (geo_place_search_trgm): the search's word-similarity
    # match (search_name %> the typed text, geo.places.search) reads it instead of every row.
    search_name = models.CharField(max_length=300, editable=False, default="")
    location = models.PointField(_("location"), srid=4326)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("street or place")
        verbose_name_plural = _("streets and places")
        indexes = [GinIndex(OpClass("search_name", name="gin_trgm_ops"), name="geo_place_search_trgm")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_form(self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)
