"""The audit trail: who did what to which object, and when; for the administrators only.

A table of its own rather than Django admin's `LogEntry`, although the admin writes one for every add, change and
deletion: a LogEntry must have a user (a management command has none) and is deleted with its user (deleting an
account would erase what it did), it knows three kinds of action only (not hide, blur, merge, a new key) and keeps
no values, and its table has no index for a list newest first over millions of rows. django-simple-history,
django-pghistory and django-auditlog record every saved row of the models they watch; they would know the new
values but not the action (a hide is an update of `hidden`, a merge a status change), nor a command, and would copy
the reporters' contact details into their history tables. The few places that act call `record`; admin edits are
recorded by `audit.admin.Audited`. Status changes are not recorded here: `reports.StatusChange` already says who
made each one (`by`), and it is the public history.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    ADD = "add", _("added")
    CHANGE = "change", _("changed")
    DELETE = "delete", _("deleted")
    HIDE = "hide", _("hidden from the public")
    SHOW = "show", _("shown to the public again")
    BLUR = "blur", _("photo blurred")
    MERGE = "merge", _("merged as a duplicate")
    NEW_KEY = "new_key", _("API key replaced")
    IMPORT = "import", _("boundaries imported")
    ACTIVATE = "activate", _("boundary generation activated")
    DISABLE = "disable", _("account disabled")
    REDACT = "redact", _("personal data removed from text")
    PUBLISH = "publish", _("photo published")
    HAND_OVER = "hand_over", _("handed over to another office")
    MAKE_PUBLIC = "public", _("complaint made public")


class AuditEntry(models.Model):
    created = models.DateTimeField(_("when"), auto_now_add=True)
    # Kept when the account is deleted; `actor` still says who it was (or which command acted).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, db_index=False,
                             related_name="+", verbose_name=_("user"))
    actor = models.CharField(_("by"), max_length=150)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, models.PROTECT, db_index=False, verbose_name=_("kind"))
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    # Changed field names, and old → new for the fields that are not personal (see PERSONAL).
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            # The admin's list, newest first, and its date filter.
            models.Index(fields=["-created"], name="audit_created_idx"),
            # The list filtered by action, or by user, still newest first.
            models.Index(fields=["action", "-created"], name="audit_action_created_idx"),
            models.Index(fields=["user", "-created"], name="audit_user_created_idx"),
        ]

    def __str__(self):
        return f"{self.actor}: {self.get_action_display()} {self.object_repr}"


def record(actor, action, objects, details=None):
    """One entry per object of `objects`; `actor` is the user who acted or the name of a command."""
    user, name = (None, actor) if isinstance(actor, str) else (actor, actor.get_username())
    # A proxy's own kind: an API token (accounts.ApiToken) is named by its user's id, which its model's is not.
    return AuditEntry.objects.bulk_create(
        AuditEntry(user=user, actor=name, action=action,
                   content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
                   object_id=str(obj.pk), object_repr=str(obj)[:200], details=details or {})
        for obj in objects
    )
