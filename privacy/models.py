"""The record of who among the staff read a reporter's contact details: the access log UU 27/2022 asks for."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactAccess(models.Model):
    """One staff member saw one report's contact details (name, phone, e-mail) once: on demand in the admin, or
    in an export. Written by privacy.access only; it holds no contact detail itself."""

    class Channel(models.TextChoices):
        ADMIN = "admin", _("shown in the admin")
        EXPORT = "export", _("in an export")
        DESK = "desk", _("shown on the staff desk")
        DOCUMENT = "document", _("document opened on the staff desk")

    created = models.DateTimeField(_("when"), auto_now_add=True)
    # Kept when the account is deleted: `actor` still says who it was.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, db_index=False,
                             related_name="+", verbose_name=_("user"))
    actor = models.CharField(_("by"), max_length=150)
    report = models.ForeignKey("reports.Report", models.SET_NULL, null=True, blank=True, db_index=False,
                               related_name="+", verbose_name=_("report"))
    report_code = models.CharField(_("report"), max_length=12)
    channel = models.CharField(_("how"), max_length=8, choices=Channel.choices)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("access to contact details")
        verbose_name_plural = _("access log of contact details")
        indexes = [
            # The admin's list newest first, its CSV export of a period, and after a breach: who read what when.
            models.Index(fields=["-created"], name="privacy_access_created_idx"),
            # "Whose details did this account read?" and "who read this report's?", newest first.
            models.Index(fields=["user", "-created"], name="privacy_access_user_idx"),
            models.Index(fields=["report", "-created"], name="privacy_access_report_idx"),
        ]

    def __str__(self):
        return f"{self.actor}: {self.report_code} ({self.get_channel_display()})"
