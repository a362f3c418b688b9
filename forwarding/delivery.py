"""Sending reports and their follow-ups to outside systems, the same way for every system (its adapter knows
the wire format): through the job queue (its `partners` queue), in order, retried, never lost, never twice.

- A forwarding and each follow-up are rows written in the transaction of the change that causes them, with
  their job (`deliver_later`): a change rolled back sends nothing.
- `deliver` (the job) holds the forwarding's advisory lock (one delivery of it at a time, no transaction open
  during the calls), sends what is unsent in order (the report first, then its follow-ups) and records each
  as sent the moment its answer came. A call that fails raises, so the queue tries again (15 s, 30 s, then each
  minute: `longest_retry`); what went out before stays recorded. Sent twice all the same (a worker killed
  between the answer and our record, an answer that came after our timeout) is harmless: LAPOR! answers a known
  source_id, and a known source_followup_id, with 409 (docs/lapor.md).
- Each system has a breaker (jobs/breakers.py, named by `destination`): after failures in a row its deliveries
  wait for one probe a minute instead of each retrying; a system that answers again gets the deliveries
  waiting for it tried at once, not after their backoff.
- A 401 or 403 pauses the system (`pause`): nothing is sent to it, /healthz says degraded, administrators see a
  banner; `check_links` (each minute) tries one waiting delivery and resumes it when it goes through.
"""

import logging
import urllib.parse
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config import locks
from forwarding import clock, lapor, open311
from forwarding.http import Unauthorized, Unavailable
from forwarding.models import FollowUp, Forwarding, Link
from jobs import breakers, queue
from jobs.queue import enqueue

logger = logging.getLogger(__name__)

ADAPTERS = {Link.Kind.LAPOR: lapor, Link.Kind.OPEN311: open311}
TASK = "forwarding.deliver"


def lapor_link():
    """LAPOR!'s row (its address and token are settings), made when first needed."""
    link, _ = Link.objects.get_or_create(kind=Link.Kind.LAPOR, defaults={"name": "LAPOR!-SP4N"})
    return link


def forward(report, route):
    """Send `report` to the route's system (once: a report already there is left alone)."""
    forwarding, created = Forwarding.objects.get_or_create(report=report, link=route.link,
                                                           defaults={"code": route.code})
    if created:
        deliver_later(forwarding)
    return forwarding


def photo_url(photo):
    return urllib.parse.urljoin(settings.SITE_URL, photo.image.url)


def follow_up(forwarding, status, note="", photos=(), change=None):
    """Tell the forwarding's system a status change (its public note, its photo), after what came before."""
    if not ADAPTERS[forwarding.link.kind].FOLLOW_UPS:
        return None
    item = FollowUp.objects.create(forwarding=forwarding, change=change, status=status, note=note,
                                   photo_urls=[photo_url(photo) for photo in photos])
    deliver_later(forwarding)
    return item


def destination(link):
    """The system's name for its breaker and /healthz: "lapor", or the partner's name."""
    return Link.Kind.LAPOR.value if link.kind == Link.Kind.LAPOR else link.name


def deliver_later(forwarding):
    """The forwarding's delivery job; one waits per forwarding (its key). A delivery under way is running, not
    waiting, so a follow-up added meanwhile gets a job of its own that sends it after."""
    return enqueue(TASK, key=f"{TASK}:{forwarding.pk}", forwarding_id=forwarding.pk, link_id=forwarding.link_id)


def pending(link=None):
    """Forwardings with something unsent: the report itself, or a follow-up."""
    waiting = Forwarding.objects.filter(inbound=False, external_id="", token="") | Forwarding.objects.filter(
        follow_ups__sent=None)
    return (waiting.filter(link=link) if link else waiting).distinct()


def deliver(forwarding_id, probe=False):
    """Send what is unsent of one forwarding (the job `forwarding.deliver`); see the module's docstring."""
    with locks.held(TASK, forwarding_id) as mine:
        if not mine:  # another job of this forwarding is sending: after it
            raise queue.Defer(timezone.now() + timedelta(seconds=5), "another delivery of it is under way")
        forwarding = Forwarding.objects.select_related("link").get(pk=forwarding_id)
        link = forwarding.link
        adapter = ADAPTERS[link.kind]
        if (link.paused_since and not probe) or not adapter.enabled(link):
            return  # check_links sends it once the system is back in use
        try:
            with breakers.guard(destination(link), failures=(Unavailable,)):
                sent = send_unsent(forwarding, adapter)
        except Unauthorized as refusal:
            pause(link, str(refusal))
            return
    if sent:
        clock.bring_due_date_forward(forwarding)
    answered(link)


def send_unsent(forwarding, adapter):
    """The report if unsent, then its unsent follow-ups in order, each recorded as soon as it is answered."""
    sent = 0
    if not forwarding.delivered:
        adapter.send_report(forwarding)
        forwarding.received = timezone.now()
        forwarding.save(update_fields=["external_id", "token", "received"])
        sent += 1
    for item in forwarding.follow_ups.filter(sent=None).order_by("pk"):
        adapter.send_follow_up(forwarding, item)
        item.sent = timezone.now()
        with transaction.atomic():
            item.save(update_fields=["sent"])
            if forwarding.first_follow_up is None:
                forwarding.first_follow_up = item.sent
                forwarding.save(update_fields=["first_follow_up"])
        sent += 1
    return sent


def answered(link):
    """The system answered: it is in use again, and the deliveries waiting for it go now."""
    now = timezone.now()
    fields = {}
    if link.last_success is None or now - link.last_success > timedelta(minutes=1):
        fields["last_success"] = now  # once a minute: every delivery writing the one row would queue them up
    if link.paused_since:
        fields.update(paused_since=None, pause_reason="")
        logger.warning("%s answers again: resumed", link, extra={"event": "forwarding_resumed", "link": link.pk})
    if fields:
        Link.objects.filter(pk=link.pk).update(**fields)
    queue.reschedule(TASK, now, link_id=link.pk)
    if link.paused_since:
        for forwarding in pending(link):
            deliver_later(forwarding)


def pause(link, reason):
    """Refused credentials: stop sending to `link` until it answers again (kept when the job ends: no raise)."""
    if not link.paused_since:
        logger.error("%s refuses our credentials: paused", link,
                     extra={"event": "forwarding_paused", "link": link.pk})
        Link.objects.filter(pk=link.pk).update(paused_since=timezone.now(), pause_reason=reason[:300])


def check_links():
    """Each minute: a paused system gets one delivery tried (a success resumes it); any forwarding with
    something unsent and no waiting job (a delivery that found a system switched off) gets one."""
    for link in Link.objects.all():
        if not ADAPTERS[link.kind].enabled(link):
            continue  # switched off (LAPOR_URL empty): its forwardings wait, no job for them
        waiting = pending(link).order_by("pk")
        if link.paused_since:
            if first := waiting.first():
                enqueue(TASK, key=f"{TASK}:probe:{link.pk}", forwarding_id=first.pk, link_id=link.pk, probe=True)
            continue
        for forwarding in waiting:
            deliver_later(forwarding)


def paused_links():
    return Link.objects.exclude(paused_since=None)


def job_of(forwarding):
    """The delivery job waiting for this forwarding, if any: its attempts and last error are what staff see."""
    return queue.waiting(TASK, forwarding_id=forwarding.pk)
