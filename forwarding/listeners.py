"""What forwarding does when reports announce a change (reports/signals.py), in the change's transaction."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db.models import Q
from django.dispatch import receiver

from forwarding import delivery, lapor
from forwarding.models import Forwarding, Link, Route
from reports.models import Photo, Status, StatusChange
from reports.signals import photo_published, photo_replaced, report_filed, status_changed

# Set while a complaint LAPOR! handed over is filed: it is not sent back to LAPOR!.
_receiving_from = ContextVar("receiving_from", default=None)


@contextmanager
def receiving(link):
    token = _receiving_from.set(link.pk)
    try:
        yield
    finally:
        _receiving_from.reset(token)


def routes(category, when):
    """The routes of `category` sent `when` (its own route per system, else its main category's); LAPOR!
    takes LAPOR_DEFAULT_TOPIC, when that is set, for an infrastructure category without one. A city service goes
    to LAPOR! only under a topic of its own in the table: the same table brings LAPOR!'s complaints back to a
    category, and a service under an infrastructure topic would come back as a road crew's."""
    found = {}
    for route in (Route.objects.filter(Q(category=category) | Q(category_id=category.parent_id))
                  .select_related("link").order_by("link", "category__parent")):
        found.setdefault(route.link_id, route)  # the category's own (it has a parent) sorts before its parent's
    chosen = [route for route in found.values() if route.when == when
              and (route.link.kind != Link.Kind.LAPOR or lapor.enabled())]
    if (when == Route.When.VERIFIED and lapor.enabled() and settings.LAPOR_DEFAULT_TOPIC and category.by_crew
            and not any(route.link.kind == Link.Kind.LAPOR for route in found.values())):
        chosen.append(Route(category=category, link=delivery.lapor_link(), code=settings.LAPOR_DEFAULT_TOPIC))
    return [route for route in chosen if route.link_id != _receiving_from.get()]


@receiver(report_filed, dispatch_uid="forwarding-filed")
def report_was_filed(sender, report, **kwargs):
    for route in routes(report.category, Route.When.FILED):
        delivery.forward(report, route)


@receiver(status_changed, dispatch_uid="forwarding-status")
def status_was_changed(sender, change, **kwargs):
    """Systems that hold the report hear of the change (its public note only); a verification forwards it."""
    report = change.report
    photos = [change.photo] if change.photo else []
    for forwarding in Forwarding.objects.filter(report=report).select_related("link"):
        delivery.follow_up(forwarding, change.to_status, change.public_note, photos, change)
    if change.from_status == Status.BARU and change.to_status == Status.DIVERIFIKASI:
        for route in routes(report.category, Route.When.VERIFIED):
            delivery.forward(report, route)


@receiver(photo_replaced, sender=Photo, dispatch_uid="forwarding-photo")
@receiver(photo_published, sender=Photo, dispatch_uid="forwarding-photo-published")
def photo_was_replaced(sender, photo, **kwargs):
    """A blurred photo goes again under its new URL (the old one no longer serves it), a photo published after
    review for the first time, with its change's note; one still waiting for review goes nowhere (privacy/)."""
    if not photo.published:
        return
    change = StatusChange.objects.filter(photo=photo).first()
    for forwarding in Forwarding.objects.filter(report_id=photo.report_id).exclude(
            external_id="", token="", inbound=False).select_related("link", "report"):
        delivery.follow_up(forwarding, change.to_status if change else forwarding.report.status,
                           change.public_note if change else "", [photo], change)
