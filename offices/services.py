"""What an office does with a complaint besides answering it (reports.workflow, reports.services): handing it over
to another office."""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from audit.models import Action, record
from offices.models import Handover, Office
from reports import roles, signals
from reports.models import StatusChange
from reports.services import _lock_at, record_unchanged_status
from reports.workflow import Forbidden, Refused


def hand_over(report, to_office, *, reason, by, version):
    """Pass `report` to `to_office` with the reason, for a dispatcher or the staff of the office that has it.

    The due date continues: the resident waits no longer because the city passed it on. A crew of another office
    lets it go. One Handover row (the reason and who), one public history row naming the new office and no person
    (the reporter and followers hear of it, as of a public note), one audit entry. Returns the Handover; raises
    workflow.Forbidden, workflow.Refused (`field` names what to correct) or workflow.Conflict."""
    if not roles.can_change(by, report):
        raise Forbidden(_("You may not change this report."))
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Say why it goes to another office."), "reason")
    if to_office is None or not to_office.active:
        raise Refused(_("Choose an active office."), "office")
    if to_office.pk == report.office_id:
        raise Refused(_("The report is with %(office)s already.") % {"office": to_office}, "office")
    if not report.is_open:
        raise Refused(_("A finished report is not handed over; reopen it first."), "office")
    with transaction.atomic():
        _lock_at(report, version)
        from_office = report.office
        crew = report.crew if report.crew_id and report.crew.office_id == to_office.pk else None
        type(report).objects.filter(pk=report.pk).update(office=to_office, crew=crew, routing_problem="")
        report.office, report.crew, report.routing_problem = to_office, crew, ""
        handover = Handover.objects.create(report=report, from_office=from_office, to_office=to_office,
                                           reason=reason, by=by)
        with translation.override(settings.LANGUAGE_CODE):  # the reporter's history, whatever the staff's language
            said = _("Handed over to %(office)s, which answers it now.") % {"office": to_office.name}
        change = record_unchanged_status(report, by, said, public=True)
        record(by, Action.HAND_OVER, [report], {"from": getattr(from_office, "slug", None), "to": to_office.slug})
        signals.status_changed.send(StatusChange, change=change)
    return handover


def offices_to_hand_to(report):
    """The active offices `report` may go to: every one but its own."""
    return Office.objects.filter(active=True).exclude(pk=report.office_id)
