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
from reports import services, workflow
from reports.models import Status

logger = logging.getLogger(__name__)


def poll():
    """Each OPEN311_PARTNER_POLL_SECONDS: every request a partner has not closed; a partner that does not answer
    is skipped until the next poll (and logged), one that refuses our key is paused."""
    waiting = (Forwarding.objects.filter(link__kind=Link.Kind.OPEN311, link__paused_since=None, inbound=False)
               .exclude(external_id="", token="").exclude(partner_status="closed")
               .select_related("link", "report").order_by("link", "pk"))
    down = set()
    for forwarding in waiting:
        if forwarding.link_id in down:
            continue
        try:
            with transaction.atomic():
                read_back(forwarding)
        except Unavailable:
            down.add(forwarding.link_id)
        except Unauthorized as refusal:
            delivery.pause(forwarding.link, str(refusal))
            down.add(forwarding.link_id)


def read_back(forwarding):
    if not forwarding.external_id:
        forwarding.external_id = open311.resolve_token(forwarding)
        if not forwarding.external_id:
            return
        forwarding.save(update_fields=["external_id"])
    status, notes, updated = open311.status(forwarding)
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
