"""Complaints LAPOR! hands the city: pulled each LAPOR_PULL_SECONDS, each kept as it came (Disposition) and
filed as a report by its own job, like any report (reports.filing), or left for a dispatcher to place.

- Its category is the topic's in the one topic → category table (LAPOR!'s routes, which forward our reports
  too); the office follows from the category (offices.routing). A topic without one waits for a dispatcher:
  never a guessed category (a blocked drain once became a pothole for a road crew).

- `since` is LAPOR!'s own clock at the previous successful pull, minus a 15-minute overlap: a complaint
  LAPOR! recorded late, or our clock's drift, is not missed; what the overlap brings twice is known by its
  tracking ID and skipped.
- A tracking ID is imported once: the Disposition's unique tracking_id, locked while its report is filed. The
  report's submission id and private link are random: nothing about them follows from the public tracking ID.
- Nothing LAPOR! sends is lost, and nothing is taken unbounded: a text longer than a report holds is cut there
  with a note saying so (the Disposition keeps the complaint as it came), and a created_at in the future or older
  than IMPORT_MAX_AGE_DAYS gives way to the time of receipt (reports.filing; the history keeps it).
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forwarding import clock, delivery, lapor, listeners
from forwarding.http import Unauthorized, Unavailable
from forwarding.models import Disposition, Forwarding, Route
from geo import geocoding, lookup
from geo.models import Generation
from jobs import breakers
from jobs.queue import enqueue
from reports import filing, photos, remote_media
from reports.models import Category

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=15)
IMPORT_TASK = "forwarding.lapor_import"


def pull():
    """One pull of the dispositions (the periodic job); a 401 pauses LAPOR! and ends the pull."""
    if not lapor.enabled():
        return 0
    link = delivery.lapor_link()
    since = (link.pulled_at or timezone.now() - timedelta(days=settings.LAPOR_FIRST_PULL_DAYS)) - OVERLAP
    received, server_time = 0, None
    try:
        with breakers.guard("lapor", failures=(Unavailable,)):
            for answer, items in lapor.dispositions(since):
                server_time = server_time or answer.date or timezone.now()
                received += sum(receive(item) for item in items)
    except Unauthorized as refusal:
        delivery.pause(link, str(refusal))
        return 0
    link.pulled_at = server_time
    link.save(update_fields=["pulled_at"])
    delivery.answered(link)
    logger.info("LAPOR! pulled: %d new", received, extra={"event": "lapor_pulled", "new": received})
    return received


@transaction.atomic
def receive(item):
    """Keep a new complaint and enqueue its import, together; one already known (by its tracking ID) is
    skipped."""
    known = (Disposition.objects.filter(tracking_id=item["tracking_id"]).exists()
             or Forwarding.objects.filter(link__kind="lapor", external_id=item["tracking_id"]).exists())
    if known:
        return False
    disposition = Disposition.objects.create(tracking_id=item["tracking_id"], payload=item)
    enqueue_import(disposition)
    return True


def enqueue_import(disposition):
    enqueue(IMPORT_TASK, key=f"{IMPORT_TASK}:{disposition.pk}", disposition_id=disposition.pk)


def category_for(topic_id):
    """The category a LAPOR! topic maps to in the one topic → category table (LAPOR!'s routes, the same that
    forwards our reports), or None: a topic without a route is read by a dispatcher, never guessed. A main
    category's complaints are filed in its first sub-category."""
    route = (Route.objects.filter(link__kind="lapor", code=topic_id).select_related("category")
             .order_by("category__parent", "pk").first()) if topic_id else None
    if route is None:
        return None
    category = route.category
    if category.parent_id is None:
        category = category.children.order_by("sort_order", "slug").first() or category
    return category


def import_disposition(disposition_id):
    """File the complaint in its topic's category, where that category wants it: a category that requires a
    place (infrastructure, a crew's work) at LAPOR!'s coordinates or its location text geocoded within the city;
    a service at LAPOR!'s coordinates when it asks for a place and has them, otherwise without a location (its
    office follows from the category, offices.routing; a text is never geocoded into one). A topic without a
    category, or a required place not found, waits for a dispatcher (the staff desk's inbox)."""
    disposition = Disposition.objects.get(pk=disposition_id)
    if disposition.state != Disposition.State.WAITING:  # checked again under its lock when it is filed
        return
    item = disposition.payload
    category = category_for(item["topic_id"])
    if category is None:
        return wait_for_dispatcher(disposition, unmapped_problem(item["topic_id"]))
    pinned = item["lat"] is not None
    if category.location_mode == Category.LocationMode.REQUIRED:
        where = (item["lat"], item["lon"]) if pinned else geocode(item["location_text"])
        if where is None:
            return wait_for_dispatcher(disposition, problem(gettext_noop("The place was not found in the city.")))
    elif pinned and category.location_mode == Category.LocationMode.OPTIONAL:
        where = (item["lat"], item["lon"])
    else:
        where = (None, None)
    try:
        file_disposition(disposition, *where, category=category)
    except lookup.OutsideCity:
        wait_for_dispatcher(disposition, problem(gettext_noop("The point is outside the city.")))


def problem(message, **values):
    """Why a complaint waits, in the city's language (the desk and the admin show it as stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return (_(message) % values)[:300]


def unmapped_problem(topic_id):
    if not topic_id:
        return problem(gettext_noop("LAPOR! gave no topic: read the complaint and choose its category."))
    return problem(gettext_noop("The LAPOR! topic “%(topic)s” maps to no category: read the complaint and choose "
                                "its category."), topic=topic_id[:100])


def wait_for_dispatcher(disposition, why):
    """The complaint waits in the staff desk's inbox, saying why."""
    disposition.state, disposition.problem = Disposition.State.NEEDS_LOCATION, why
    disposition.save(update_fields=["state", "problem"])


def geocode(text):
    """A point for LAPOR!'s location text, searched within the city's bounds; None when not found."""
    if not text.strip():
        return None
    west, south, east, north = Generation.objects.current().outline.extent
    found = geocoding.search(f"{text[:filing.ADDRESS_MAX]}, Padang Panjang", ((south, west), (north, east)), limit=1)
    return (found[0][1], found[0][2]) if found else None


def file_disposition(disposition, lat, lon, category):
    """File the report in `category` (the topic's, or the one a dispatcher chose in the staff desk's inbox), at
    (lat, lon) or without a location (None, None) where the category allows; created at LAPOR!'s created_at when
    that is plausible, no photo needed; its Forwarding inbound. A complaint filed already (a second save of the
    dispatcher's pin, an import run again) gives its report. The attachments are fetched before the transaction:
    no lock waits on another system. Raises OutsideCity, and ValidationError for a category that requires a
    place and got none."""
    item = disposition.payload
    link = delivery.lapor_link()
    if Disposition.objects.filter(pk=disposition.pk).exclude(report=None).exists():
        return Disposition.objects.get(pk=disposition.pk).report
    found = attachments(item["attachments"])
    with transaction.atomic(), listeners.receiving(link):
        filed = Disposition.objects.select_for_update().get(pk=disposition.pk).report
        if filed is not None:
            return filed
        # Without a pin, LAPOR!'s place as written is the address (a pin's street comes from the geocoder).
        report, _ = filing.file_report(
            client_uuid=uuid.uuid4(), category=category, lat=lat, lon=lon, description=description(item),
            photos=found, filed_at=datetime.fromisoformat(item["created_at"]),
            address="" if lat is not None else item["location_text"][:filing.ADDRESS_MAX])
        forwarding, _ = Forwarding.objects.get_or_create(
            report=report, link=link, defaults={"inbound": True, "external_id": item["tracking_id"],
                                                "code": item["topic_id"],
                                                "received": report.created})
        disposition.state, disposition.report, disposition.problem = Disposition.State.IMPORTED, report, ""
        disposition.location = report.location
        disposition.save(update_fields=["state", "report", "problem", "location"])
        clock.bring_due_date_forward(forwarding)
    return report


def description(item):
    """The report's description: the complaint's title and text, cut to filing.DESCRIPTION_MAX with a note that
    says so (the whole text stays in the Disposition)."""
    text = "\n\n".join(part for part in (item["title"], item["content"]) if part) or item["tracking_id"]
    if len(text) <= filing.DESCRIPTION_MAX:
        return text
    with translation.override(settings.LANGUAGE_CODE):
        note = "\n\n" + _("[Cut: the complaint has %(length)d characters; LAPOR! has it whole as %(tracking_id)s.]") % {
            "length": len(text), "tracking_id": item["tracking_id"]}
    return text[:filing.DESCRIPTION_MAX - len(note)].rstrip() + note


def attachments(urls):
    """LAPOR!'s attachments, fetched and checked as any photo sent by URL; one that fails is left out (logged),
    not a reason to leave the complaint out."""
    found = []
    for number, url in enumerate(urls[:5], start=1):
        try:
            found.append(photos.process(remote_media.fetch(url), f"attachment {number}"))
        except (remote_media.Refused, ValidationError) as refusal:
            logger.warning("LAPOR! attachment left out: %s", refusal, extra={"event": "lapor_attachment_refused"})
    return found
