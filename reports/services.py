"""What happens to a filed report besides its status (reports.workflow): moving it, supporting it, finding
the reports it may repeat."""


from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.db import transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from geo import lookup
from reports.calendar import add_working_days
from reports.models import Report, StatusChange, Support

# relocate(crew=ROUTE): the crew is the one the routing picks for the new place and category.
ROUTE = object()


def relocation(report, *, location=None, category=None, crew=ROUTE):
    """Set on `report`, unsaved, what a new point and/or category decide: the one rule, whoever moves a report.

    The lookup places the point again (its kelurahan; geo.lookup.OutsideCity for a point outside the city), the
    routing picks the crew again, and the due date is counted again from the filing date with the category's
    response days. A crew the dispatcher chose in the same edit wins over the routing: they saw the new place.
    Returns the history note saying what moved.
    """
    location = report.location if location is None else location
    category = category or report.category
    placed = lookup.locate(location, category)
    notes = []
    if location != report.location:
        notes.append(_("Moved to %(place)s.") % {"place": placed.kelurahan})
    if category != report.category:
        notes.append(_("Category changed: %(old)s → %(new)s.") % {"old": report.category, "new": category})
    report.location, report.category, report.kelurahan = location, category, placed.kelurahan
    if crew is ROUTE:
        report.crew, report.routing_problem = placed.crew, placed.crew_problem[:300]
    else:
        report.crew, report.routing_problem = crew, ""
    report.due_date = add_working_days(timezone.localdate(report.created), category.response_days)
    notes.append(_("Crew: %(crew)s; due %(due)s.") % {"crew": report.crew or _("no crew"),
                                                        "due": formats.date_format(report.due_date, "j F Y")})
    return " ".join(notes)


def relocate(report, *, by, location=None, category=None, crew=ROUTE):
    """Move `report` to another point and/or category (see relocation), saved with one history row by `by`."""
    note = relocation(report, location=location, category=category, crew=crew)
    with transaction.atomic():
        report.save()
        record_unchanged_status(report, by, note)


def record_unchanged_status(report, by, note):
    """A change that keeps the status (a move, a reassignment): one row of history and a new version."""
    StatusChange.objects.create(report=report, from_status=report.status, to_status=report.status, by=by, note=note)
    Report.objects.filter(pk=report.pk).update(version=F("version") + 1)
    report.refresh_from_db(fields=["version"])


def add_support(report, *, device="", contact=""):
    """Count a person's support once: by the `device` (or account) it came from and/or the `contact` (channel and
    address) of their confirmed follow, whichever of them supported first. The reporter's own device never
    counts. Returns True when this support is new."""
    if not (device or contact) or (device and device == report.reporter_device):
        return False
    same = (Q(supporter=device) if device else Q()) | (Q(contact=contact) if contact else Q())
    with transaction.atomic():
        Report.objects.select_for_update().filter(pk=report.pk).first()  # one support at a time per report
        known = list(Support.objects.filter(report=report).filter(same))
        if known:
            if contact and not any(support.contact for support in known):
                Support.objects.filter(pk=known[0].pk).update(contact=contact)  # the device's person, now by contact
            return False
        Support.objects.create(report=report, supporter=device, contact=contact)
        Report.objects.filter(pk=report.pk).update(support_count=F("support_count") + 1)
    return True


def possible_duplicates(category, lat, lon, limit=5):
    """Open public reports of the same main category within its duplicate radius, nearest first, each with
    its `distance`."""
    main = category.parent or category
    where = lookup.point(lat, lon)
    return (
        Report.objects.public().open().of_category(main)
        .within(where, main.duplicate_radius_m)
        .annotate(distance=Distance("location", where, spheroid=True))
        .order_by(GeometryDistance("location", where))[:limit]
    )
