"""The reports' background work, run by `manage.py run_worker` (jobs/queue.py)."""

import logging
from datetime import date, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from geo import geocoding, places
from jobs import breakers
from jobs.queue import enqueue, task
from reports import calendar, digest
from reports.models import ApiCall, Report

logger = logging.getLogger(__name__)


@task("reports.fill_address")
def fill_address(report_id):
    """Replace the kelurahan address with the geocoder's street address, when it knows one. A geocoder that does
    not answer fails the job, which is retried later (reports.filing.geocode_later enqueues it). The address
    also joins the search's places, so the map finds it without asking the geocoder."""
    point = Report.objects.values_list("location", flat=True).get(pk=report_id)
    with breakers.guard("geocoder", failures=(geocoding.Unavailable,)):
        address = geocoding.reverse(point.y, point.x)
    if address:
        Report.objects.filter(pk=report_id).update(address=address[:300])
        places.remember_address(address, point)


@task("reports.prune_api_calls", daily_at=time(2, 45))
def prune_api_calls(batch=10_000):
    """API calls older than API_CALLS_KEEP_DAYS go, a batch per job: each batch its own short transaction, the
    next enqueued while a batch was full."""
    before = timezone.now() - timedelta(days=settings.API_CALLS_KEEP_DAYS)
    old = ApiCall.objects.filter(created__lt=before).order_by("created").values_list("pk", flat=True)[:batch]
    if ApiCall.objects.filter(pk__in=list(old)).delete()[0] == batch:
        enqueue("reports.prune_api_calls", batch=batch)


@task("reports.send_digests", daily_at=settings.DIGEST_AT, atomic=True)
def send_digests():
    """Each morning, one job per staff member with an e-mail (reports.digest): a refused e-mail retries only
    that one. The day goes with the job, so a retry sends the same lists; all of them in one transaction, so a
    run cut short and run again queues no one's twice."""
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
