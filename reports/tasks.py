"""The reports' background work, run by `manage.py run_worker` (jobs/queue.py)."""

import logging
from datetime import date, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from geo import geocoding
from jobs.queue import enqueue, task
from reports import calendar, digest
from reports.models import ApiCall, Report, Status, StatusChange

logger = logging.getLogger(__name__)


@task("reports.fill_address")
def fill_address(report_id):
    """Replace the kelurahan address with the geocoder's street address, when it knows one. A geocoder that does
    not answer fails the job, which is retried later (reports.filing.geocode_later enqueues it)."""
    point = Report.objects.values_list("location", flat=True).get(pk=report_id)
    if address := geocoding.reverse(point.y, point.x):
        Report.objects.filter(pk=report_id).update(address=address[:300])


@task("reports.tell_reporter")
def tell_reporter(change_id):
    """E-mail the reporter one status change (enqueued by reports.workflow.change_status), in the site's language.
    A mail server that refuses fails the job, which is retried; the log names the report, not the address."""
    change = StatusChange.objects.select_related("report__category").get(pk=change_id)
    report = change.report
    if not report.reporter_email:  # erased since
        return
    link = settings.SITE_URL.rstrip("/") + report.get_private_url()
    with translation.override(settings.LANGUAGE_CODE):
        status = Status(change.to_status).label
        subject = _("Report %(code)s is now: %(status)s") % {"code": report.code, "status": status}
        message = _("Your report %(code)s (%(category)s) is now: %(status)s.\n%(note)s\nFollow it here: %(link)s") % {
            "code": report.code, "category": report.category, "status": status, "note": change.note, "link": link}
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=[report.reporter_email])
    except Exception as error:  # SMTP, DNS, TLS: the change stands; the job is tried again later
        logger.error("E-mail to the reporter failed: %s", type(error).__name__,
                     extra={"event": "email_failed", "report": report.code})
        raise


@task("reports.prune_api_calls", daily_at=time(2, 45))
def prune_api_calls(batch=10_000):
    """API calls older than API_CALLS_KEEP_DAYS go, a batch per job: each batch its own short transaction, the
    next enqueued while a batch was full."""
    before = timezone.now() - timedelta(days=settings.API_CALLS_KEEP_DAYS)
    old = ApiCall.objects.filter(created__lt=before).order_by("created").values_list("pk", flat=True)[:batch]
    if ApiCall.objects.filter(pk__in=list(old)).delete()[0] == batch:
        enqueue("reports.prune_api_calls", batch=batch)


@task("reports.send_digests", daily_at=settings.DIGEST_AT)
def send_digests():
    """Each morning, one job per staff member with an e-mail (reports.digest): a refused e-mail retries only
    that one. The day goes with the job, so a retry sends the same lists."""
    today = timezone.localdate().isoformat()
    for user_id in digest.recipients():
        enqueue("reports.send_digest", user_id=user_id, day=today)


@task("reports.send_digest")
def send_digest(user_id, day):
    digest.send(user_id, date.fromisoformat(day))


@task("reports.seed_holidays", daily_at=time(3, 15))
def seed_holidays_ahead():
    """The coming year's holidays, from the day it is within reach (a year is seeded once: reports.calendar)."""
    calendar.seed_holidays(timezone.localdate().year + 1)


@task("reports.recompute_due_dates")
def recompute_due_dates(dates, user_id=None):
    """The open reports' due dates after holidays changed in the admin (reports.admin.HolidayAdmin enqueues it)."""
    by = get_user_model().objects.filter(pk=user_id).first()
    calendar.recompute_due_dates({date.fromisoformat(day) for day in dates}, by=by)
