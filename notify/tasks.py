"""The messages' background work, run by `manage.py run_worker` (jobs/queue.py) on the `messages` queue: no
partner's slow answer keeps a resident waiting."""

import logging
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from config import locks
from jobs import breakers
from jobs.queue import Defer, enqueue, task
from notify import channels, compose, events, links
from notify.models import PHONE_CHANNELS, Message, Notice, Subscription
from reports.models import Report, Status, StatusChange

logger = logging.getLogger(__name__)


def wanted(subscription, notice):
    """Whether `notice` still goes: not after a stop; before confirmation only the confirmation link (so nothing
    but that link ever goes to a phone whose owner has not opened it, the reporter's own phone included); of a
    report hidden since, only to its reporter."""
    if subscription.stopped_at:
        return False
    if notice.kind == Notice.Kind.CONFIRM:
        return True
    if subscription.confirmed_at is None:
        return False
    return not (notice.report and notice.report.hidden and subscription.role != Subscription.Role.REPORTER)


@task("notify.deliver", queue_name="messages")
def deliver(subscription_id):
    """Send a subscription's pending notices as one message. A gateway that may work later fails the job, which
    is retried (the notices stay pending; its breaker, by channel, defers them all while it is down); one that
    never will marks the message failed. One delivery per subscription at a time (its advisory lock), and the
    message with its notices recorded in one transaction after the send. The log names the subscription, never
    its address."""
    with locks.held("notify.deliver", subscription_id) as mine:
        if not mine:
            raise Defer(timezone.now() + timedelta(seconds=5), "another delivery of it is under way")
        send(subscription_id)


def send(subscription_id):
    subscription = Subscription.objects.select_related("report", "kelurahan").filter(pk=subscription_id).first()
    if subscription is None:
        return
    pending = list(subscription.notices.filter(state=Notice.State.PENDING)
                   .select_related("report__category", "report__kelurahan", "report__crew", "change__photo"))
    notices = [notice for notice in pending if wanted(subscription, notice)]
    Notice.objects.filter(pk__in=[n.pk for n in pending if n not in notices]).update(state=Notice.State.DROPPED)
    if not notices:
        return
    letter = compose.letter(subscription, notices)
    log = {"subscription": subscription.pk, "channel": subscription.channel}
    try:
        with gateway(subscription.channel):
            external_id = channels.send(subscription, letter)
    except channels.Permanent as error:
        with transaction.atomic():
            message = Message.objects.create(subscription=subscription, channel=subscription.channel,
                                             state=Message.State.FAILED, error=str(error)[:500])
            Notice.objects.filter(pk__in=[n.pk for n in notices]).update(state=Notice.State.DROPPED, message=message)
        logger.warning("Message not sent: %s", error, extra={"event": "message_refused", **log})
        return
    except breakers.Open:
        raise
    except Exception as error:  # SMTP, DNS, a gateway down: tried again later
        logger.error("Message failed: %s", type(error).__name__, extra={"event": "message_failed", **log})
        raise
    with transaction.atomic():
        message = Message.objects.create(subscription=subscription, channel=subscription.channel,
                                         external_id=external_id)
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(state=Notice.State.SENT, message=message)


@task("notify.send_links", queue_name="messages")
def send_links(channel, report_ids, language):
    """"Send my links again" (notify.links): one message listing the reports, to the address they were found by.
    A gateway that may work later fails the job, which is retried; one that never will is logged."""
    reports = list(Report.objects.filter(hidden=False, pk__in=report_ids).select_related("category")
                   .order_by("-created"))  # as notify.links.reports_of found them: a private complaint's too
    to = links.destination(channel, reports[0]) if reports else ""
    if not to or channel not in channels.available():
        return
    with translation.override(language):
        letter = links.letter(reports)
    try:
        with gateway(channel):
            channels.send_to(channel, to, language, letter)
    except channels.Permanent as error:
        logger.warning("Links not sent: %s", error, extra={"event": "message_refused", "channel": channel})


def gateway(channel):
    """The phone gateway's breaker (named "whatsapp" or "sms"); e-mail and push go to many servers, not one."""
    if channel in PHONE_CHANNELS:
        return breakers.guard(channel, failures=(channels.Temporary,))
    return nullcontext()


@task("notify.send_pending", every=timedelta(minutes=5), queue_name="messages", atomic=True)
def send_pending(now=None):
    """A delivery job missed (a notice added while its subscription's job was running): enqueue it again, for
    notices of the last day whose time has passed."""
    now = now or timezone.now()
    for subscription_id in events.pending_between(now - timedelta(days=1), now - timedelta(minutes=2)):
        enqueue("notify.deliver", key=f"notify.deliver:{subscription_id}", subscription_id=subscription_id)


@task("notify.ask_if_fixed", daily_at=settings.FIX_QUESTION_AT, queue_name="messages")
def ask_if_fixed(now=None):
    """"Sudah diperbaiki?": FIX_QUESTION_DAYS after a report was marked fixed, its reporter and supporters are
    asked, once per fix. Fixes of the week before that day count too: a day the worker did not run is made up."""
    now = now or timezone.now()
    due = now - timedelta(days=settings.FIX_QUESTION_DAYS)
    fixes = (StatusChange.objects.filter(to_status=Status.SELESAI, created__lte=due,
                                         created__gt=due - timedelta(days=7), report__hidden=False,
                                         report__status__in=[Status.SELESAI, Status.DITUTUP])
             .select_related("report").order_by("report_id", "-created").distinct("report_id"))
    for fix in fixes:
        askable = Subscription.objects.active().filter(
            report_id=fix.report_id, role__in=[Subscription.Role.REPORTER, Subscription.Role.SUPPORTER])
        with transaction.atomic():
            for subscription in askable:
                events.add(subscription, f"ask:{fix.pk}", Notice.Kind.ASK, now, report=fix.report, change=fix)
