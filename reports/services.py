"""What happens to a filed report besides its status (reports.workflow): moving it, supporting it, finding
the reports it may repeat."""


from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Value
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from assets.picking import same_asset
from audit.models import Action, record
from geo import lookup
from reports import roles, signals
from reports.calendar import add_working_days
from reports.models import Report, StatusChange, Support, near
from reports.workflow import Conflict, Forbidden, Refused

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


def relocate(report, *, by, location=None, category=None, crew=ROUTE, version=None):
    """Move `report` to another point and/or category (see relocation), saved with one history row by `by`.
    With `version`, a report someone else changed since raises workflow.Conflict."""
    with transaction.atomic():
        if version is not None:
            _lock_at(report, version)
        note = relocation(report, location=location, category=category, crew=crew)
        report.save()
        record_unchanged_status(report, by, note)


def reassign(report, crew, *, by, version=None):
    """Give `report` to `crew` (None: to no crew), the dispatcher's choice over the routing's; one history row."""
    with transaction.atomic():
        if version is not None:
            _lock_at(report, version)
        Report.objects.filter(pk=report.pk).update(crew=crew, routing_problem="")
        report.crew, report.routing_problem = crew, ""
        record_unchanged_status(report, by, _("Reassigned to %(crew)s.") % {"crew": crew or _("no crew")})


def set_hidden(report, hidden, *, by, reason="", version=None):
    """Hide `report` from the public (or show it again) with the reason as an internal note, in the audit trail
    too. Returns False when it already was so."""
    with transaction.atomic():
        if version is not None:
            _lock_at(report, version)
        changed = Report.objects.filter(pk=report.pk, hidden=not hidden).update(
            hidden=hidden, hidden_at=timezone.now() if hidden else None)
        if not changed:
            return False
        record(by, Action.HIDE if hidden else Action.SHOW, [report], {"reason": reason} if reason else None)
        said = _("Hidden from the public.") if hidden else _("Shown to the public again.")
        record_unchanged_status(report, by, f"{said} {reason}".strip(), public=False)
    report.refresh_from_db(fields=["hidden", "hidden_at"])
    return True


def make_public(report, *, by, names_removed, version=None):
    """Publish a private complaint (Report.private): a dispatcher's decision, only when the reporter agreed
    (publish_consent), after the names in its texts were removed (privacy.redaction; `names_removed` is the
    dispatcher saying so). The reporter's own name is no longer shown either. Audited; an internal history note.
    Raises workflow.Forbidden or workflow.Refused."""
    if not roles.is_dispatcher(by):
        raise Forbidden(_("Only a dispatcher may publish a complaint."))
    if not report.private:
        raise Refused(_("%(code)s is public already.") % {"code": report.code}, "private")
    if not report.publish_consent:
        raise Refused(_("The reporter did not agree to publish it."), "publish_consent")
    if not names_removed:
        raise Refused(_("Remove the names from its texts first, and confirm it."), "names_removed")
    with transaction.atomic():
        if version is not None:
            _lock_at(report, version)
        Report.objects.filter(pk=report.pk).update(private=False, show_name=False)
        record(by, Action.MAKE_PUBLIC, [report])
        record_unchanged_status(report, by, _("Published with the reporter's consent, names removed."), public=False)
    report.refresh_from_db(fields=["private", "show_name"])


def add_note(report, note, *, by, public, version=None):
    """A note in the history without a change of status. A public one is announced like a status change: the
    reporter and followers hear of it, LAPOR! and partners get it (asking the reporter for more goes this way)."""
    with transaction.atomic():
        if version is not None:
            _lock_at(report, version)
        change = record_unchanged_status(report, by, note.strip(), public=public)
        if public:
            signals.status_changed.send(StatusChange, change=change)
    return change


def _lock_at(report, version):
    """Lock the report's row; workflow.Conflict when it is no longer at `version` (someone changed it)."""
    current = Report.objects.select_for_update().get(pk=report.pk)
    if current.version != version:
        raise Conflict(current)


def record_unchanged_status(report, by, note, public=True):
    """A change that keeps the status (a move, a reassignment, a note): one row of history and a new version."""
    change = StatusChange.objects.create(report=report, from_status=report.status, to_status=report.status, by=by,
                                         note=note, public=public)
    Report.objects.filter(pk=report.pk).update(version=F("version") + 1)
    report.refresh_from_db(fields=["version"])
    return change


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


def possible_duplicates(category, lat, lon, limit=5, excluding=None, asset=None):
    """Open public reports of the same main category within its duplicate radius, and open reports on the same
    `asset` (assets.Asset, in any of its generations) however far their pins are, those first, then nearest
    first, each with its `distance`; not the report `excluding` (the desk asks for the candidates of a report).
    Nothing for a complaint without a place (`lat`/`lon` None): nothing is near it."""
    if lat is None or lon is None:
        return Report.objects.none()
    main = category.parent or category
    where = lookup.point(lat, lon)
    close = Q(near(where, main.duplicate_radius_m))
    if asset is None:
        wanted, same = close, Value(False)
    else:
        wanted, same = close | same_asset(asset), ExpressionWrapper(same_asset(asset), output_field=BooleanField())
    return (
        Report.objects.public().open().of_category(main).exclude(pk=getattr(excluding, "pk", None))
        .filter(wanted)
        .annotate(distance=Distance("location", where, spheroid=True), same_asset=same)
        .order_by("-same_asset", GeometryDistance("location", where))[:limit]
    )
