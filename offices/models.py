"""The city's offices (organisasi perangkat daerah): who answers a complaint.

Crews are the field teams of the public-works office; a service complaint (an ID card, a puskesmas, a permit)
goes to the office that owns its category, or to the office of the place where that depends on the place.
"""

from django.contrib.gis.db import models as gis_models
from django.db import models
from django.utils.translation import gettext_lazy as _


class Office(models.Model):
    class Kind(models.TextChoices):
        SEKRETARIAT = "sekretariat", _("secretariat")
        DINAS = "dinas", _("agency (dinas)")
        BADAN = "badan", _("board (badan)")
        KECAMATAN = "kecamatan", _("kecamatan office")
        KELURAHAN = "kelurahan", _("kelurahan office")
        PUSKESMAS = "puskesmas", _("community health centre (puskesmas)")
        RUMAH_SAKIT = "rumah-sakit", _("hospital")
        SEKOLAH = "sekolah", _("school")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # The area a kecamatan or kelurahan office serves: the place decides which of them answers.
    kecamatan = models.ForeignKey("geo.Kecamatan", models.PROTECT, null=True, blank=True, related_name="offices",
                                  verbose_name=_("kecamatan"))
    kelurahan = models.ForeignKey("geo.Kelurahan", models.PROTECT, null=True, blank=True, related_name="offices",
                                  verbose_name=_("kelurahan"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    location = gis_models.PointField(_("location"), srid=4326, null=True, blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)
    email = models.EmailField(_("office e-mail"), blank=True)
    # The sample list is a guess from public sources: the city confirms each office before it goes live.
    confirmed = models.BooleanField(_("confirmed by the city"), default=False)
    active = models.BooleanField(_("active"), default=True)
    staff = models.ManyToManyField("auth.User", blank=True, related_name="offices", verbose_name=_("staff"),
                                   help_text=_("Staff in the group 'office' who answer this office's complaints."))

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.UniqueConstraint(fields=["kelurahan"], condition=models.Q(kind="kelurahan", active=True),
                                    name="offices_one_active_office_per_kelurahan"),
            models.UniqueConstraint(fields=["kecamatan"], condition=models.Q(kind="kecamatan", active=True),
                                    name="offices_one_active_office_per_kecamatan"),
        ]

    def __str__(self):
        return self.short_name or self.name


class Handover(models.Model):
    """A complaint passed from one office to another, with the reason: written by offices.services.hand_over only.

    The report's due date continues (it is not counted again); the public history says which office has it now,
    the reason and who handed it over stay with the staff."""

    report = models.ForeignKey("reports.Report", models.CASCADE, related_name="handovers", verbose_name=_("report"))
    from_office = models.ForeignKey(Office, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("from office"))
    to_office = models.ForeignKey(Office, models.PROTECT, related_name="handovers_received",
                                  verbose_name=_("to office"))
    reason = models.TextField(_("reason"))
    # Kept when the account is deleted, as the history's `by` is.
    by = models.ForeignKey("auth.User", models.SET_NULL, null=True, blank=True, related_name="+",
                           verbose_name=_("by"))
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["report", "at", "pk"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")

    def __str__(self):
        return f"{self.report}: {self.from_office or '-'} → {self.to_office}"
