"""A circuit breaker per outside system (LAPOR!, each partner, the geocoder, the phone gateway), kept in
PostgreSQL so every worker sees it.

After BREAKER_FAILURES failed calls in a row a system's breaker opens: its jobs are deferred (jobs.queue.Defer)
to the next probe instead of each retrying every minute, and one call per BREAKER_PROBE_S goes through as the
probe. A call that succeeds closes it. One open for BREAKER_DEGRADED_AFTER_S names its system in /healthz.
Other systems' jobs are not touched.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jobs.models import Breaker
from jobs.queue import Defer

logger = logging.getLogger(__name__)


class Open(Defer):
    """The system's breaker is open and this call is not its probe."""


@contextmanager
def guard(destination, failures=(Exception,)):
    """Around the calls to `destination`: raises Open while it is open (but for one probe per interval);
    an exception of `failures` from the block counts as a failure, a block that ends well as a success."""
    admit(destination)
    try:
        yield
    except Defer:
        raise
    except failures as error:
        failed(destination, error)
        raise
    succeeded(destination)


def admit(destination, now=None):
    """Nothing while closed; while open, the caller that moves the next probe on is let through, others raise."""
    now = now or timezone.now()
    breaker = Breaker.objects.filter(destination=destination).exclude(opened_at=None).first()
    if breaker is None:
        return
    probe = timedelta(seconds=settings.BREAKER_PROBE_S)
    if not Breaker.objects.filter(pk=breaker.pk, probe_at__lte=now).update(probe_at=now + probe):
        raise Open(breaker.probe_at, f"{destination} is not answering: the next probe is at {breaker.probe_at}")


def failed(destination, error, now=None):
    """One more failure in a row; the BREAKER_FAILURES-th opens the breaker (a failed probe keeps it open)."""
    now = now or timezone.now()
    with transaction.atomic():
        Breaker.objects.get_or_create(destination=destination)
        Breaker.objects.filter(destination=destination).update(failures=F("failures") + 1,
                                                               last_error=str(error)[:300])
        breaker = Breaker.objects.select_for_update().get(destination=destination)
        if breaker.opened_at is None and breaker.failures >= settings.BREAKER_FAILURES:
            breaker.opened_at, breaker.probe_at = now, now + timedelta(seconds=settings.BREAKER_PROBE_S)
            breaker.save(update_fields=["opened_at", "probe_at"])
            logger.error("%s failed %d times in a row: its breaker is open", destination, breaker.failures,
                         extra={"event": "breaker_opened", "destination": destination})


def succeeded(destination):
    """A call went through: the count starts again and an open breaker closes (one cheap UPDATE of no row when
    all was well)."""
    if Breaker.objects.filter(destination=destination).exclude(failures=0, opened_at=None).update(
            failures=0, opened_at=None, probe_at=None):
        logger.warning("%s answers again: its breaker is closed", destination,
                       extra={"event": "breaker_closed", "destination": destination})
        return True
    return False


def degraded(now=None):
    """The systems whose breaker has been open longer than BREAKER_DEGRADED_AFTER_S, for /healthz."""
    since = (now or timezone.now()) - timedelta(seconds=settings.BREAKER_DEGRADED_AFTER_S)
    return list(Breaker.objects.filter(opened_at__lte=since).values_list("destination", flat=True))
