"""One conversation per WhatsApp number, the messages it received (once each: WhatsApp's message id is unique)
and the replies waiting to go or gone."""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# WhatsApp's customer-service window: this long after a resident's last message a business may answer freely;
# after it, only with an approved template.
SERVICE_WINDOW = timedelta(hours=24)


class Conversation(models.Model):
    """A resident's chat with the city's number: where it stands (`state`) and what they answered so far. The
    photo waits here, checked and stripped, until the report is filed (then it is cleared with the answers)."""

    class State(models.TextChoices):
        IDLE = "idle", _("not started")
        CATEGORY = "category", _("asked for the category")
        PLACE = "place", _("asked for the place")
        PLACE_CHOICE = "place_choice", _("asked to choose a place found")
        DUPLICATE = "duplicate", _("asked whether to support a report nearby")
        PHOTO = "photo", _("asked for a photo")
        DESCRIPTION = "description", _("asked for a description")
        CONSENT = "consent", _("asked for consent to status messages")
        CONFIRM = "confirm", _("asked to confirm")

    # Digits with the country code, as WhatsApp gives it ("from").
    phone = models.CharField(_("WhatsApp number"), max_length=20, unique=True)
    language = models.CharField(_("language"), max_length=8, default="id")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.IDLE)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    photo = models.BinaryField(null=True, blank=True)  # the checked photo's stored JPEG, until filing
    thumbnail = models.BinaryField(null=True, blank=True)
    # Each report started in this chat: its filing's client_uuid is made from it, so a retried confirm finds the
    # report already made.
    round = models.PositiveIntegerField(default=0)
    last_inbound_at = models.DateTimeField(_("last message from the resident"), null=True, blank=True)
    active_at = models.DateTimeField(_("last answer"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    report = models.ForeignKey("reports.Report", models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("last report"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("WhatsApp conversation")
        verbose_name_plural = _("WhatsApp conversations")
        indexes = [models.Index(fields=["active_at"], condition=~Q(state="idle"), name="chat_open_conversations")]

    def __str__(self):
        return f"#{self.pk} {self.state}"

    def window_open(self, now=None):
        """Whether a free-text message may reach this number now (WhatsApp's 24-hour window)."""
        return self.last_inbound_at is not None and (now or timezone.now()) - self.last_inbound_at < SERVICE_WINDOW


class Inbound(models.Model):
    """A message the resident sent, kept until answered and for the retention period: its WhatsApp id is unique,
    so a webhook delivered twice (WhatsApp retries) is taken once."""

    conversation = models.ForeignKey(Conversation, models.CASCADE, related_name="inbound")
    wamid = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField()  # WhatsApp's timestamp: messages are answered in this order
    kind = models.CharField(max_length=20)  # text, location, image, interactive, ... as WhatsApp names it
    content = models.JSONField(default=dict)  # the text, the location, or the image's media id
    handled_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["conversation", "sent_at"], condition=Q(handled_at__isnull=True),
                                name="chat_inbound_waiting")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class Reply(models.Model):
    """A reply to the resident, recorded with the answer that made it and sent after that commits: a failed send
    is tried again by the job, a sent one never twice."""

    conversation = models.ForeignKey(Conversation, models.CASCADE, related_name="replies")
    text = models.TextField()
    sent_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["conversation"], condition=Q(sent_at__isnull=True, error=""),
                                name="chat_reply_waiting")]

    def __str__(self):
        return f"reply #{self.pk}"
