"""What reports announce, turned into notices: one per subscription and change, sent by notify.deliver."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jobs.queue import enqueue, reschedule
from notify import channels, limits, subscriptions, timing
from notify.models import Channel, Notice, Subscription

# A confirmation link still pending is sent again at most this often, however often it is asked for.
RESEND_AFTER = timedelta(hours=1)


def report_filed(sender, report, channel="", consent=False, **kwargs):
    """The reporter's own subscription, as the form recorded it, with its acknowledgement by e-mail (a phone's is
    its confirmation request); and area alerts covering the new report, unless it is not public (a service
    complaint, Report.private) or names no place."""
    subscription = subscriptions.for_reporter(report, channel, consent)
    if subscription is not None and subscription.channel == Channel.EMAIL:
        acknowledge(subscription)
    if report.private or report.location is None:
        return
    for subscription in Subscription.objects.active().for_area_of(report):
        add(subscription, f"filed:{report.pk}", Notice.Kind.FILED, report.created, report=report)


def acknowledge(subscription):
    """The reporter hears that their report arrived, with its public and private links, at once whatever the hour:
    they just asked. Once per report (its key). Not counted against the address's daily limit
    (notify.limits), being asked for; what bounds it is filing itself: one per report, reports per connection
    limited (reports.ratelimit), and every report public before a dispatcher. A phone's acknowledgement is its
    confirmation request (counted), and this, with the private link, follows the confirmation."""
    report = subscription.report
    return add(subscription, f"ack:{report.pk}", Notice.Kind.ACK, timezone.now(), asked=True, report=report)


def status_changed(sender, change, **kwargs):
    """Everyone following the report hears of the change; of a hidden report, only its reporter."""
    report = change.report
    followers = Subscription.objects.active().filter(report=report)
    if report.hidden:
        followers = followers.filter(role=Subscription.Role.REPORTER)
    for subscription in followers:
        add(subscription, f"change:{change.pk}", Notice.Kind.CHANGE, change.created, report=report, change=change)


def add(subscription, key, kind, moment, asked=False, **about):
    """A notice for `subscription`, once per `key`, and its subscription's delivery job: one waiting job per
    subscription, so notices of the next minutes join the same message. Returns the notice, None if known."""
    when = timing.send_at(moment, asked)
    notice, created = Notice.objects.get_or_create(subscription=subscription, key=key,
                                                   defaults={"kind": kind, "send_after": when, **about})
    if not created:
        return None
    enqueue("notify.deliver", key=f"notify.deliver:{subscription.pk}", run_at=when, subscription_id=subscription.pk)
    reschedule("notify.deliver", when, subscription_id=subscription.pk)  # a batch waits for the morning: now
    return notice


def ask_to_confirm(subscription, new_address=False):
    """Send the confirmation link now, whatever the hour: the resident just asked for it. Not again within
    RESEND_AFTER of the last one to this subscription (its row is locked while that is checked) unless it goes to
    a `new_address`, and not past the address's daily limit (notify.limits.allow_message), whoever asks. Returns
    the notice, or None when nothing is sent: the pages answer the same either way."""
    with transaction.atomic():
        Subscription.objects.select_for_update().filter(pk=subscription.pk).exists()
        asked = subscription.notices.filter(kind=Notice.Kind.CONFIRM)
        last = asked.order_by("-created").values_list("created", flat=True).first()
        if last is not None and timezone.now() - last < RESEND_AFTER and not new_address:
            return None
        address = channels.destination(subscription)
        if not address or not limits.allow_message(address):
            return None
        return add(subscription, f"confirm:{asked.count() + 1}", Notice.Kind.CONFIRM, timezone.now(), asked=True)


def pending_between(start, end):
    """Subscriptions with notices pending that were due from `start` to `end`."""
    return (Notice.objects.filter(state=Notice.State.PENDING, send_after__gte=start, send_after__lt=end)
            .values_list("subscription_id", flat=True).distinct())
