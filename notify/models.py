"""Who hears of what, on which channel, and what was sent: subscriptions, notices, messages, fix answers."""

import secrets

from django.contrib.gis.db import models as gis_models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PUSH = "push", _("browser notification")
    WHATSAPP = "whatsapp", "WhatsApp"
    SMS = "sms", "SMS"


PHONE_CHANNELS = {Channel.WHATSAPP, Channel.SMS}
# file_report's channel for a report filed in a WhatsApp chat (chat/): WhatsApp, the number confirmed by the
# resident's own message, and no acknowledgement (the chat's answer is it).
WHATSAPP_CHAT = "whatsapp-chat"


def new_token():
    return secrets.token_urlsafe(32)


class SubscriptionQuerySet(gis_models.QuerySet):
    def active(self):
        """Confirmed and not stopped: the subscriptions that are written to."""
        return self.filter(confirmed_at__isnull=False, stopped_at__isnull=True)

    def for_area_of(self, report):
        """Area alerts that cover `report`: its kelurahan, or a point within the alert's radius (true metres); of
        a report without a place, none."""
        if report.location is None:
            return self.none()
        near = RawSQL("ST_DWithin(notify_subscription.point::geography, ST_GeogFromWKB(%s), "
                      "notify_subscription.radius_m)", (bytes(report.location.wkb),),
                      output_field=models.BooleanField())
        return self.filter(role=Subscription.Role.AREA).filter(Q(kelurahan_id=report.kelurahan_id) | Q(near))


class Subscription(gis_models.Model):
    """One person's wish to hear, on one channel: of a report (reporter, supporter, follower), or of new reports
    in a kelurahan or near a point. The token is the secret in its links: confirm, stop, answer "is it fixed?"."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("reporter")
        SUPPORTER = "supporter", _("supporter")
        FOLLOWER = "follower", _("follower")
        AREA = "area", _("area alert")

    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    report = models.ForeignKey("reports.Report", models.CASCADE, null=True, blank=True,
                               related_name="subscriptions", verbose_name=_("report"))
    kelurahan = models.ForeignKey("geo.Kelurahan", models.CASCADE, null=True, blank=True, related_name="+",
                                  verbose_name=_("kelurahan"))
    point = gis_models.PointField(_("point"), srid=4326, null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("radius (m)"), default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # The e-mail address, phone number (digits, with the country code) or web push endpoint. Empty for the
    # reporter: theirs are the report's own contact details, so erasing those stops the messages too.
    address = models.CharField(_("address"), max_length=500, blank=True)
    push_keys = models.JSONField(default=dict, blank=True)  # the browser's p256dh and auth keys
    # The phone that asked to follow (its random id): a supporter who pressed "Dukung" on it counts once.
    device = models.CharField(_("device"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=8, default="id")
    token = models.CharField(max_length=43, unique=True, default=new_token, editable=False)
    # When the person agreed that their phone number be used for these messages (WhatsApp, SMS).
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            # What it is about: a report, or (an area alert) a kelurahan or a point with its radius.
            models.CheckConstraint(
                condition=(~Q(role="area") & Q(report__isnull=False, kelurahan__isnull=True, point__isnull=True))
                | (Q(role="area", report__isnull=True) & (Q(kelurahan__isnull=False, point__isnull=True)
                                                         | Q(kelurahan__isnull=True, point__isnull=False))),
                name="notify_subscription_about_one_thing"),
            # Following twice with the same address finds the first subscription.
            models.UniqueConstraint(fields=["report", "channel", "address"], condition=~Q(address=""),
                                    name="notify_follow_once"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.get_channel_display()} #{self.pk}"

    @property
    def active(self):
        return self.confirmed_at is not None and self.stopped_at is None

    def confirm_url(self):
        return reverse("notify-confirm", args=[self.token])

    def stop_url(self):
        return reverse("notify-stop", args=[self.token])

    def fixed_url(self):
        return reverse("notify-fixed", args=[self.token])


class Notice(models.Model):
    """One thing to tell one subscription, once: its key (a status change, a new report, a question) is unique
    per subscription. Pending notices are sent together, as one message, when the subscription's job runs."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("confirmation link")
        CHANGE = "change", _("status change")
        FILED = "filed", _("new report nearby")
        ASK = "ask", _("is it fixed?")
        ACK = "ack", _("acknowledgement of a report")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENT = "sent", _("sent")
        DROPPED = "dropped", _("not sent")

    subscription = models.ForeignKey(Subscription, models.CASCADE, related_name="notices")
    key = models.CharField(max_length=60)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    report = models.ForeignKey("reports.Report", models.CASCADE, null=True, blank=True, related_name="+")
    change = models.ForeignKey("reports.StatusChange", models.CASCADE, null=True, blank=True, related_name="+")
    # Not before: after the batching window, and out of the night's quiet hours (notify.timing).
    send_after = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    message = models.ForeignKey("Message", models.SET_NULL, null=True, blank=True, related_name="notices")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        constraints = [models.UniqueConstraint(fields=["subscription", "key"], name="notify_notice_once")]
        indexes = [
            # The sweep (notify.tasks.send_pending) finds pending notices by time; sent ones, most rows, stay out.
            models.Index(fields=["send_after"], condition=Q(state="pending"), name="notify_notice_pending"),
        ]

    def __str__(self):
        return f"{self.key} for #{self.subscription_id}"


class Message(models.Model):
    """One message sent on a channel (one or more notices), and what its gateway said of it."""

    class State(models.TextChoices):
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        READ = "read", _("read")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(Subscription, models.CASCADE, related_name="messages",
                                     verbose_name=_("subscription"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SENT)
    # The gateway's id of the message: WhatsApp's delivery statuses name it.
    external_id = models.CharField(_("gateway's ID"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # The WhatsApp webhook finds a message by the id the gateway gave it.
            models.Index(fields=["external_id"], condition=~Q(external_id=""), name="notify_message_external"),
        ]

    def __str__(self):
        return f"{self.channel} #{self.pk} {self.state}"


class FixAnswer(models.Model):
    """A resident's answer to "is it fixed?" about one fix (the history row that marked it fixed). `rating` (1-5) is
    no longer asked (the satisfaction survey, SurveyAnswer, replaced it): the old ratings stay, shown as such on
    the IKM page (notify.ratings)."""

    report = models.ForeignKey("reports.Report", models.CASCADE, related_name="+", verbose_name=_("report"))
    change = models.ForeignKey("reports.StatusChange", models.CASCADE, related_name="+",
                               verbose_name=_("status change"))
    subscription = models.ForeignKey(Subscription, models.SET_NULL, null=True, related_name="answers",
                                     verbose_name=_("subscription"))
    fixed = models.BooleanField(_("fixed"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("answer to 'is it fixed?'")
        verbose_name_plural = _("answers to 'is it fixed?'")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "change"], name="notify_answer_once"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5) | Q(rating__isnull=True),
                                   name="notify_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.report_id}: {'fixed' if self.fixed else 'not fixed'} {self.rating or ''}"


def survey_score(label):
    """One element of the satisfaction survey: 1 (worst) to 4 (best), the regulation's scale."""
    return models.PositiveSmallIntegerField(label, validators=[MinValueValidator(1), MaxValueValidator(4)])


class SurveyAnswer(models.Model):
    """One person's answers to the satisfaction survey (Survei Kepuasan Masyarakat, PermenPANRB 14/2017) about the
    handling of one report: the index per period and unit (notify.ikm). U4 (cost) is not asked: a complaint is
    free (notify.ikm.ELEMENTS says why). `respondent` tells people apart without naming them: "reporter", or a
    supporter's "support:<id>" (or "subscription:<id>"): notify.survey.respondent."""

    report = models.ForeignKey("reports.Report", models.CASCADE, related_name="+", verbose_name=_("report"))
    respondent = models.CharField(_("respondent"), max_length=40)
    u1 = survey_score(_("Requirements"))
    u2 = survey_score(_("Systems, mechanisms and procedures"))
    u3 = survey_score(_("Time to complete"))
    u5 = survey_score(_("Product specification of the service"))
    u6 = survey_score(_("Competence of the staff"))
    u7 = survey_score(_("Behaviour of the staff"))
    u8 = survey_score(_("Handling of complaints, suggestions and feedback"))
    u9 = survey_score(_("Facilities and infrastructure"))
    # Free text: it may name people, so staff read it (the desk's report screen) and the public never does.
    suggestion = models.TextField(_("suggestion"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("satisfaction survey answer")
        verbose_name_plural = _("satisfaction survey answers")
        constraints = [
            models.UniqueConstraint(fields=["report", "respondent"], name="notify_survey_once"),
            models.CheckConstraint(condition=Q(u1__range=(1, 4), u2__range=(1, 4), u3__range=(1, 4),
                                               u5__range=(1, 4), u6__range=(1, 4), u7__range=(1, 4),
                                               u8__range=(1, 4), u9__range=(1, 4)),
                                   name="notify_survey_1_to_4"),
        ]

    def __str__(self):
        return f"{self.report_id}: {self.respondent}"


class Allowance(models.Model):
    """The confirmation links and "send my links again" messages one phone number or e-mail address was sent in
    the last day, whoever asked (notify.limits). Keyed by a keyed digest of the address, never the address: the
    count needs no contact detail, and a row unused for a day is deleted (privacy.retention)."""

    digest = models.CharField(max_length=64, primary_key=True)
    sent = ArrayField(models.DateTimeField(), default=list)
    # The last one counted: the retention job deletes rows of addresses nothing was sent to for a day.
    last_sent = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.digest[:8]}…: {len(self.sent)}"
