"""Reports sent to other systems (LAPOR!-SP4N, a partner's Open311 endpoint), and what those systems hand us."""

from django.contrib.gis.db import models as gis_models
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Link(models.Model):
    """An outside system reports go to: LAPOR! (one row, its address and token in the settings) or a partner's
    Open311 GeoReport v2 endpoint (its address and key here). A 401 pauses it until it answers again."""

    class Kind(models.TextChoices):
        LAPOR = "lapor", "LAPOR!-SP4N"
        OPEN311 = "open311", "Open311 GeoReport v2"

    class PersonalData(models.TextChoices):
        """What a partner is told of the reporter. Never a phone or e-mail: no contact leaves the city but to
        LAPOR! (docs/privacy.md); "contact", which sent them, became "none" in migration 0002."""

        NONE = "none", _("none")
        NAME = "name", _("the name, when the reporter shows it")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("endpoint"), blank=True, help_text=_("Open311: the address ending in /v2, for example "
                                                                 "https://partner.example/open311/v2."))
    api_key = models.CharField(_("API key"), max_length=200, blank=True)
    jurisdiction_id = models.CharField(_("jurisdiction_id"), max_length=100, blank=True)
    personal_data = models.CharField(_("personal data sent"), max_length=8, choices=PersonalData.choices,
                                     default=PersonalData.NONE)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    pause_reason = models.CharField(_("why it is paused"), max_length=300, blank=True)
    last_success = models.DateTimeField(_("last answered"), null=True, blank=True)
    # LAPOR!: its own clock (the Date header) when the last pull of dispositions succeeded.
    pulled_at = models.DateTimeField(_("last pulled"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("connected system")
        verbose_name_plural = _("connected systems")
        constraints = [models.UniqueConstraint(fields=["kind"], condition=Q(kind="lapor"), name="forwarding_one_lapor")]

    def __str__(self):
        return self.name


class Route(models.Model):
    """Where a category's reports are sent: LAPOR!'s topic for it, or a partner's service code."""

    class When(models.TextChoices):
        VERIFIED = "verified", _("when a dispatcher verifies it")
        FILED = "filed", _("when it is filed")

    category = models.ForeignKey("reports.Category", models.CASCADE, related_name="routes",
                                 verbose_name=_("category"))
    link = models.ForeignKey(Link, models.CASCADE, related_name="routes", verbose_name=_("system"))
    code = models.CharField(_("topic or service code"), max_length=100,
                            help_text=_("LAPOR!: the topic_id. Open311: the partner's service_code."))
    when = models.CharField(_("sent"), max_length=8, choices=When.choices, default=When.VERIFIED)
    follow_partner = models.BooleanField(
        _("the partner's status moves ours"), default=False,
        help_text=_("Open311: a request the partner closes marks our report fixed; otherwise its status is only "
                    "shown in the history."))

    class Meta:
        ordering = ["category", "link"]
        verbose_name = _("route to another system")
        verbose_name_plural = _("routes to other systems")
        constraints = [models.UniqueConstraint(fields=["category", "link"], name="forwarding_route_once")]

    def __str__(self):
        return f"{self.category} → {self.link}: {self.code}"


class Forwarding(models.Model):
    """One report in one outside system: sent by us (outbound) or handed to us (inbound, from LAPOR!)."""

    report = models.ForeignKey("reports.Report", models.CASCADE, related_name="forwardings",
                               verbose_name=_("report"))
    link = models.ForeignKey(Link, models.PROTECT, related_name="forwardings", verbose_name=_("system"))
    code = models.CharField(_("topic or service code"), max_length=100, blank=True)
    inbound = models.BooleanField(_("handed to us"), default=False)
    # LAPOR!'s tracking_id, or the partner's service_request_id.
    external_id = models.CharField(_("their ID"), max_length=100, blank=True)
    # Open311: the token a partner answers with before it has a service_request_id (resolved by tokens/{token}).
    token = models.CharField(_("token"), max_length=100, blank=True)
    # Complaints imported before a topic without a category waited for a dispatcher were filed in a default
    # category with this flag; none is flagged since (forwarding/inbound.py).
    check_category = models.BooleanField(_("check the category"), default=False,
                                         help_text=_("Handed over with a topic no category maps to."))
    created = models.DateTimeField(_("forwarded"), auto_now_add=True)
    received = models.DateTimeField(_("received by them"), null=True, blank=True)
    first_follow_up = models.DateTimeField(_("first follow-up"), null=True, blank=True)
    partner_status = models.CharField(_("their status"), max_length=100, blank=True)
    partner_updated = models.CharField(_("their last change"), max_length=40, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("forwarded report")
        verbose_name_plural = _("forwarded reports")
        constraints = [
            models.UniqueConstraint(fields=["report", "link"], name="forwarding_once_per_system"),
            # An ID of theirs is one report of ours: LAPOR! handing a complaint twice imports it once.
            models.UniqueConstraint(fields=["link", "external_id"], condition=~Q(external_id=""),
                                    name="forwarding_their_id_once"),
        ]

    def __str__(self):
        return f"{self.report} → {self.link}: {self.external_id or '…'}"

    @property
    def delivered(self):
        return bool(self.external_id or self.token)


class FollowUp(models.Model):
    """A status change (or a photo under its new URL) to tell the outside system, sent in order."""

    forwarding = models.ForeignKey(Forwarding, models.CASCADE, related_name="follow_ups",
                                   verbose_name=_("forwarded report"))
    change = models.ForeignKey("reports.StatusChange", models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("status change"))
    status = models.CharField(_("status"), max_length=12)
    note = models.TextField(_("public note"), blank=True)
    photo_urls = models.JSONField(_("photos"), default=list, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    sent = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["forwarding", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            # The delivery's next follow-up of a forwarding: the unsent ones, in order.
            models.Index(fields=["forwarding", "id"], condition=Q(sent=None), name="forwarding_followup_unsent"),
        ]

    def __str__(self):
        return f"{self.forwarding_id}: {self.status}"


class Disposition(models.Model):
    """A complaint LAPOR! handed the city, as it came; it becomes a report at once, or waits here for a
    dispatcher (the staff desk's inbox) when its topic maps to no category, or its category requires a place and
    neither coordinates nor the geocoder gave one in the city (`problem` says which)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("being imported")
        # The value is older than its meaning: a place, or a category, for a dispatcher to choose.
        NEEDS_LOCATION = "location", _("waits for a dispatcher")
        IMPORTED = "imported", _("imported")

    tracking_id = models.CharField(_("tracking ID LAPOR!"), max_length=100, unique=True)
    payload = models.JSONField(_("as received"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.WAITING)
    location = gis_models.PointField(_("location"), srid=4326, null=True, blank=True,
                                     help_text=_("Drop the pin where the problem is: the report is filed there."))
    report = models.OneToOneField("reports.Report", models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("report"))
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    created = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("complaint from LAPOR!")
        verbose_name_plural = _("complaints from LAPOR!")

    def __str__(self):
        return self.tracking_id

    @property
    def title(self):
        return self.payload.get("title", "")

    @property
    def location_text(self):
        return self.payload.get("location_text", "")
