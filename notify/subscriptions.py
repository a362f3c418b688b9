"""Making, confirming and stopping subscriptions: the one path the pages, the filing form and the tests take."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from notify import channels, events
from notify.channels import phone_number, typed_forms
from notify.models import PHONE_CHANNELS, WHATSAPP_CHAT, Channel, Notice, Subscription
from reports.models import phone_digits
from reports.services import add_support


def language():
    """The resident's language as the request has it: Bahasa Indonesia unless English."""
    return "en" if (get_language() or settings.LANGUAGE_CODE).startswith("en") else "id"


def for_reporter(report, channel="", consent=False):
    """The reporter's subscription to their own report. Their contact details stay on the report: a phone channel
    needs the consent the form recorded, and falls back to e-mail. By e-mail it is confirmed by the filing itself;
    a phone, whose number anyone could have typed, first gets a confirmation link and nothing else until that
    link is opened; a report filed in a WhatsApp chat (WHATSAPP_CHAT) came from that number, and is confirmed."""
    chat = channel == WHATSAPP_CHAT
    channel = Channel.WHATSAPP if chat else channel
    if channel in PHONE_CHANNELS and not (consent and report.reporter_phone and channel in channels.available()):
        channel = ""
    if not channel or channel == Channel.PUSH:
        channel = Channel.EMAIL if report.reporter_email else ""
    if not channel:
        return None
    now, phone = timezone.now(), channel in PHONE_CHANNELS
    # The security issue's rule: a number is confirmed by its owner, through the link sent to it or (a report filed
    # in a WhatsApp chat) by a message they sent from it.
    subscription = Subscription.objects.create(
        role=Subscription.Role.REPORTER, report=report, channel=channel, language=language(),
        confirmed_at=now if chat or not phone else None, consent_at=now if phone else None)
    if phone and not chat:
        events.ask_to_confirm(subscription)
    return subscription


def reporter_phone_changed(report):
    """The reporter gave another phone number (privacy: correcting their details): their phone subscription waits
    for a confirmation link to the new number, and gets nothing else until it is opened."""
    for subscription in report.subscriptions.filter(role=Subscription.Role.REPORTER, channel__in=PHONE_CHANNELS):
        subscription.confirmed_at = None
        subscription.save(update_fields=["confirmed_at"])
        events.ask_to_confirm(subscription, new_address=True)


def follow(report, channel, address, supports=False, device=""):
    """Anyone follows a report by e-mail or phone: a confirmation link goes there first. Following again with the
    same address finds the same subscription, and sends the link again while it is not confirmed (at most once an
    hour, and within the address's daily limit: events.ask_to_confirm). A new subscription whose link cannot go
    (the address had its links for the day) is not kept: nobody could confirm it. `device` is the phone that asked
    (its support and this follow's count once). Returns it, or None."""
    address = phone_number(address) if channel in PHONE_CHANNELS else address.strip().lower()
    role = Subscription.Role.SUPPORTER if supports else Subscription.Role.FOLLOWER
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(
            report=report, channel=channel, address=address,
            defaults={"role": role, "language": language(), "device": device,
                      "consent_at": timezone.now() if channel in PHONE_CHANNELS else None})
        if not created and supports and subscription.role == Subscription.Role.FOLLOWER:
            subscription.role, subscription.device = role, device or subscription.device
            subscription.save(update_fields=["role", "device"])
        if not subscription.active and events.ask_to_confirm(subscription) is None and created:
            subscription.delete()
            return None
    return subscription


def follow_by_push(report, endpoint, keys):
    """A browser's push subscription follows a report: the browser's own permission prompt was the consent."""
    subscription, _ = Subscription.objects.update_or_create(
        report=report, channel=Channel.PUSH, address=endpoint,
        defaults={"role": Subscription.Role.FOLLOWER, "push_keys": keys, "language": language(),
                  "confirmed_at": timezone.now(), "stopped_at": None})
    return subscription


def alert(channel, address, *, kelurahan=None, point=None):
    """An area alert (a kelurahan, or ALERT_RADIUS_M around a point), written to once its link is followed; not
    kept when its link cannot go (the address had its links for the day). Returns it, or None."""
    address = phone_number(address) if channel in PHONE_CHANNELS else address.strip().lower()
    with transaction.atomic():
        subscription = Subscription.objects.create(
            role=Subscription.Role.AREA, kelurahan=kelurahan, point=point,
            radius_m=settings.ALERT_RADIUS_M if point else 0, channel=channel, address=address,
            language=language(), consent_at=timezone.now() if channel in PHONE_CHANNELS else None)
        if events.ask_to_confirm(subscription) is None:
            subscription.delete()
            return None
    return subscription


def confirm(subscription):
    """The link was followed: messages start (again). A supporter's support is counted now, once per person: by
    the phone that asked and by this contact (reports.services.add_support), the reporter's own contact never; a
    reporter's phone now gets its acknowledgement with the private link (once per report)."""
    with transaction.atomic():
        subscription.confirmed_at = subscription.confirmed_at or timezone.now()
        subscription.stopped_at = None
        subscription.save(update_fields=["confirmed_at", "stopped_at"])
        if subscription.role == Subscription.Role.SUPPORTER and not is_reporters_contact(subscription):
            add_support(subscription.report, device=subscription.device, contact=support_contact(subscription))
        if subscription.role == Subscription.Role.REPORTER:
            events.acknowledge(subscription)


def support_contact(subscription):
    """The contact a support is counted by: the channel and the address."""
    return f"{subscription.channel}:{subscription.address}"


def is_reporters_contact(subscription):
    """Whether the subscription's address is the one the reporter gave with the report."""
    report = subscription.report
    if subscription.channel in PHONE_CHANNELS:
        return bool(report.reporter_phone) and phone_number(report.reporter_phone) == subscription.address
    return bool(report.reporter_email) and report.reporter_email.strip().lower() == subscription.address


def stop_phone(phone):
    """STOP from a phone (a WhatsApp message): every subscription of that number ends, the reporter's own on the
    reports that carry it (typed as 0812…, +62 812… or 62812…) included. Returns how many."""
    found = (Subscription.objects.filter(channel__in=PHONE_CHANNELS, stopped_at__isnull=True)
             .annotate(digits=phone_digits("report__reporter_phone"))
             .filter(Q(address=phone)
                     | Q(address="", role=Subscription.Role.REPORTER, digits__in=typed_forms(phone))))
    stopped = list(found)
    for subscription in stopped:
        stop(subscription)
    return len(stopped)


def stop(subscription):
    """No more messages; what was waiting is not sent."""
    with transaction.atomic():
        subscription.stopped_at = subscription.stopped_at or timezone.now()
        subscription.save(update_fields=["stopped_at"])
        subscription.notices.filter(state=Notice.State.PENDING).update(state=Notice.State.DROPPED)
