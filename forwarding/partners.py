"""The partners' side of reports forwarded over Open311: their tokens resolved, their status read back.

A partner's status change is one row of the report's history, as the partner's (its name, status and notes),
without moving our workflow, unless the route of the report's category says the partner's status moves ours
(then a request the partner closes marks ours fixed, through reports.workflow.partner_move).
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from forwarding import delivery, open311
from forwarding.http import Unauthorized, Unavailable
from forwarding.models import Forwarding, Link, Route
from jobs import breakers
from jobs.queue import enqueue
from reports import services, workflow
from reports.models import Status

logger = logging.getLogger(__name__)

READ_TASK = "forwarding.open311_read"


def poll():
    """Each OPEN311_PARTNER_POLL_SECONDS: one job (`READ_TASK`) per request a partner has not closed, so a
    partner that does not answer holds up only its own reads (its breaker defers them)."""
    waiting = (Forwarding.objects.filter(link__kind=Link.Kind.OPEN311, link__paused_since=None, inbound=False)
               .exclude(external_id="", token="").exclude(partner_status="closed").values_list("pk", flat=True))
    for forwarding_id in waiting:
        enqueue(READ_TASK, key=f"{READ_TASK}:{forwarding_id}", forwarding_id=forwarding_id)


def read_back(forwarding_id):
    """Ask the partner (no transaction open), then record in one transaction what changed since: a read done
    twice records it once."""
    forwarding = Forwarding.objects.select_related("link").get(pk=forwarding_id)
    if forwarding.link.paused_since:
        return
    try:
        with breakers.guard(delivery.destination(forwarding.link), failures=(Unavailable,)):
            external_id = forwarding.external_id or open311.resolve_token(forwarding)
            if not external_id:
                return
            forwarding.external_id = external_id
            status, notes, updated = open311.status(forwarding)
    except Unavailable:
        return  # counted by its breaker; the next poll asks again
    except Unauthorized as refusal:
        delivery.pause(forwarding.link, str(refusal))
        return
    with transaction.atomic():
        forwarding = Forwarding.objects.select_for_update(of=("self",)).select_related("link", "report").get(
            pk=forwarding_id)
        if forwarding.external_id != external_id:
            forwarding.external_id = external_id
            forwarding.save(update_fields=["external_id"])
        record(forwarding, status, notes, updated)


def record(forwarding, status, notes, updated):
    if (status, updated) == (forwarding.partner_status, forwarding.partner_updated):
        return
    forwarding.partner_status, forwarding.partner_updated = status, updated
    forwarding.save(update_fields=["partner_status", "partner_updated"])
    note = _("%(partner)s: %(status)s") % {"partner": forwarding.link.name, "status": status}
    note += f" — {notes}" if notes else ""
    report = forwarding.report
    route = (Route.objects.filter(link=forwarding.link, category__in=[report.category_id, report.category.parent_id])
             .order_by("category__parent").first())  # the category's own before its main category's
    if route and route.follow_partner and status == "closed":
        if report.status == Status.DIVERIFIKASI:
            workflow.partner_move(report, Status.DIKERJAKAN, note)
        if workflow.partner_move(report, Status.SELESAI, note):
            return
    services.record_unchanged_status(report, None, note)
