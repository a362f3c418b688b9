"""How long personal data is kept: what the nightly job (privacy.tasks) erases, and nothing else.

The report itself, its place, its history and the statistics stay: they are the city's record. Each function
takes `now`, so a test says which day it is.
"""

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q

from notify.models import Subscription
from reports.models import CLOSED_STATUSES, ApiCall, Document, Photo, Report, Status, StatusChange

ERASED_CONTACT = {"reporter_name": "", "reporter_phone": "", "reporter_email": "", "show_name": False}


def with_contact(reports):
    """The reports of `reports` still holding a name, phone or e-mail."""
    return reports.exclude(reporter_name="", reporter_phone="", reporter_email="")


def in_status_since(statuses, before):
    """Reports in one of `statuses` that no status change has touched since `before`: they reached it earlier.
    (A move or reassignment keeps the status: its history row does not count.)"""
    changed_since = StatusChange.objects.filter(report=OuterRef("pk"), created__gte=before).exclude(
        from_status=F("to_status"))
    return Report.objects.filter(status__in=statuses).exclude(Exists(changed_since))


def erase_closed_contacts(now):
    """Name, phone and e-mail of reports closed (selesai, ditutup, ditolak, duplikat) more than
    CONTACT_RETENTION_DAYS ago. Returns how many reports."""
    before = now - timedelta(days=settings.CONTACT_RETENTION_DAYS)
    return with_contact(in_status_since(CLOSED_STATUSES, before)).update(**ERASED_CONTACT)


def forget_ip_addresses(now):
    """Addresses older than IP_RETENTION_DAYS: the API call log keeps the call without its address, the sign-in
    log (django-axes) its times without theirs, and old lock-out counters go. Returns how many rows."""
    before = now - timedelta(days=settings.IP_RETENTION_DAYS)
    return sum((
        ApiCall.objects.filter(created__lt=before, remote_addr__isnull=False).update(remote_addr=None),
        AccessLog.objects.filter(attempt_time__lt=before, ip_address__isnull=False).update(ip_address=None),
        AccessFailureLog.objects.filter(attempt_time__lt=before, ip_address__isnull=False).update(ip_address=None),
        AccessAttempt.objects.filter(attempt_time__lt=before).delete()[0],
    ))


def remove_hidden_photos(now):
    """The photos of reports rejected, or hidden from the public, more than HIDDEN_PHOTO_RETENTION_DAYS ago: rows
    and files (reports.apps deletes a photo's files with its row, once committed). Returns how many photos."""
    before = now - timedelta(days=settings.HIDDEN_PHOTO_RETENTION_DAYS)
    rejected = in_status_since([Status.DITOLAK], before)
    gone = Q(report__in=rejected) | Q(report__hidden=True, report__hidden_at__lt=before)
    return Photo.objects.filter(gone).delete()[1].get(Photo._meta.label, 0)


def remove_documents(now):
    """The documents (a service complaint's PDF: personal data) of reports closed more than CONTACT_RETENTION_DAYS
    ago, when their contacts go, and of reports hidden from the public more than HIDDEN_PHOTO_RETENTION_DAYS ago:
    rows and files (reports.apps). Returns how many documents."""
    closed = in_status_since(CLOSED_STATUSES, now - timedelta(days=settings.CONTACT_RETENTION_DAYS))
    hidden_before = now - timedelta(days=settings.HIDDEN_PHOTO_RETENTION_DAYS)
    gone = Q(report__in=closed) | Q(report__hidden=True, report__hidden_at__lt=hidden_before)
    return Document.objects.filter(gone).delete()[1].get(Document._meta.label, 0)


# A subscription never confirmed holds an address nobody agreed to: after a year it goes.
UNCONFIRMED_DAYS = 365


def end_unconfirmed_subscriptions(now):
    """Follows and area alerts (notify/) asked for but never confirmed within UNCONFIRMED_DAYS: removed with their
    address. Returns how many."""
    before = now - timedelta(days=UNCONFIRMED_DAYS)
    return Subscription.objects.filter(confirmed_at__isnull=True, created__lt=before).delete()[1].get(
        Subscription._meta.label, 0)
