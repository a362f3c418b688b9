"""Who may move a report from one status to another, and the one function that writes a move (`moved`).

Every change is one row of history. Changes carry the version they were made
against: when someone else changed the report meanwhile, the change is refused
with the current state (HTTP 409), never silently overwritten.
"""

from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo import places
from geo.models import Place
from reports import roles, signals
from reports.filing import FALLBACK_ADDRESS, files_removed_on_failure, store_photo
from reports.models import Photo, Report, Status, StatusChange, Support

TRANSITIONS = {
    Status.BARU: {Status.DIVERIFIKASI, Status.DITOLAK, Status.DUPLIKAT},
    Status.DIVERIFIKASI: {Status.DIKERJAKAN, Status.DITOLAK, Status.DUPLIKAT},
    Status.DIKERJAKAN: {Status.SELESAI, Status.DIVERIFIKASI},
    Status.SELESAI: {Status.DITUTUP, Status.DIKERJAKAN},
}
FINAL = {Status.DITOLAK, Status.DUPLIKAT, Status.DITUTUP}
# A report in one of these was accepted by a dispatcher: its first move to one is when it was verified.
ACCEPTED = {Status.DIVERIFIKASI, Status.DIKERJAKAN, Status.SELESAI}
# What a crew member may do on their own crew's reports: start, finish, hand back to the dispatcher.
CREW_MOVES = {(Status.DIVERIFIKASI, Status.DIKERJAKAN), (Status.DIKERJAKAN, Status.SELESAI),
              (Status.DIKERJAKAN, Status.DIVERIFIKASI)}
# What office staff may do on their own offices' complaints: verify and start; they close with an answer
# (close_with_answer), and pass what is not theirs to another office (offices.services.hand_over).
OFFICE_MOVES = {(Status.BARU, Status.DIVERIFIKASI), (Status.DIVERIFIKASI, Status.DIKERJAKAN)}
# Each move as the action a person takes, in the order the forms offer them (the usual next step first): people
# choose what they did, not a status name. A final report goes back to verified through "Reopen".
ACTIONS = {
    (Status.BARU, Status.DIVERIFIKASI): gettext_lazy("Verify"),
    (Status.DIVERIFIKASI, Status.DIKERJAKAN): gettext_lazy("Start work"),
    (Status.DIKERJAKAN, Status.SELESAI): gettext_lazy("Mark fixed"),
    (Status.DIKERJAKAN, Status.DIVERIFIKASI): gettext_lazy("Hand back to the dispatcher"),
    (Status.SELESAI, Status.DITUTUP): gettext_lazy("Close the report"),
    (Status.SELESAI, Status.DIKERJAKAN): gettext_lazy("Reopen: not fixed yet"),
    (None, Status.DITOLAK): gettext_lazy("Reject"),
    (None, Status.DUPLIKAT): gettext_lazy("Mark as a duplicate"),
    (None, Status.DIVERIFIKASI): gettext_lazy("Reopen"),
}


class Refused(Exception):
    """The change is not allowed; `field` names what to correct."""

    def __init__(self, message, field="status"):
        self.field = field
        super().__init__(message)


class Forbidden(Exception):
    pass


class Conflict(Exception):
    """Someone else changed the report first; `report` is its current state."""

    def __init__(self, report):
        self.report = report
        super().__init__(_("Someone else changed this report meanwhile; look at it again before changing it."))


def workflow_moves(report):
    """The statuses the workflow lets `report` go to now (a final report only back to verified, by a dispatcher)."""
    return {Status.DIVERIFIKASI} if report.status in FINAL else TRANSITIONS.get(report.status, set())


def allowed_moves(report, user):
    """The statuses `user` may move `report` to now."""
    if roles.is_dispatcher(user):
        return workflow_moves(report)
    moves = set()
    if roles.is_crew_of(user, report):
        moves |= {to for (start, to) in CREW_MOVES if start == report.status}
    if roles.is_office_of(user, report):
        moves |= {to for (start, to) in OFFICE_MOVES if start == report.status}
    return moves


def actions(report, user):
    """What `user` may do to `report` now: (the status it leads to, what the action is called), usual step first."""
    allowed = allowed_moves(report, user)
    offered = [(to, label) for (start, to), label in ACTIONS.items() if start == report.status and to in allowed]
    offered += [(to, label) for (start, to), label in ACTIONS.items()
                if start is None and to in allowed and to not in dict(offered)]
    return offered


def change_status(report, to_status, user, *, version, note="", public=None, photo=None, duplicate_of=None):
    """Move `report` to `to_status`; returns the StatusChange. Raises Forbidden, Refused or Conflict.

    The note is public (the public page, Open311, LAPOR!) when `public` says so; left unsaid, a dispatcher's
    note is public and a crew member's internal.
    """
    if not roles.can_change(user, report):
        raise Forbidden(_("You may not change this report."))
    if version != report.version:
        # Judged against a state the user has not seen, the move itself could mislead: show them the report.
        raise Conflict(report)
    if to_status in workflow_moves(report) and to_status not in allowed_moves(report, user):
        raise Forbidden(_("Only a dispatcher may do that."))
    if to_status not in allowed_moves(report, user):
        raise Refused(_("A report that is %(now)s cannot become %(next)s.") % {
            "now": report.get_status_display(), "next": Status(to_status).label})
    note = (note or "").strip()
    if to_status == Status.SELESAI and photo is None:
        raise Refused(_("Marking a report fixed needs a photo of the fix, taken on the spot."), "photo")
    if to_status == Status.DITOLAK and not note:
        raise Refused(_("Say why the report is rejected."), "note")
    if to_status == Status.DUPLIKAT and (duplicate_of is None or duplicate_of.pk == report.pk):
        raise Refused(_("Give the code of the original report."), "duplicate_of")
    return _move(report, to_status, user, version=version, note=note, photo=photo, duplicate_of=duplicate_of,
                 public=roles.is_dispatcher(user) if public is None else public)


# An office answers a complaint it verified (or started, or a dispatcher marked fixed) and closes it at once.
ANSWERABLE = {Status.DIVERIFIKASI, Status.DIKERJAKAN, Status.SELESAI}


def close_with_answer(report, answer, user, *, version):
    """Close a service complaint with the answer the reporter reads (a public history row): for a dispatcher or the
    staff of its office. A crew's report is closed once fixed, with the photo of the fix (change_status). Returns
    the StatusChange; raises Forbidden, Refused or Conflict."""
    if not roles.can_change(user, report):
        raise Forbidden(_("You may not change this report."))
    if version != report.version:
        raise Conflict(report)
    if report.category.by_crew:
        raise Refused(_("A crew's report is closed after it is fixed, with a photo of the fix."))
    if report.status == Status.BARU:
        raise Refused(_("Verify the complaint before answering it."))
    if report.status not in ANSWERABLE:
        raise Refused(_("A report that is %(now)s cannot be answered and closed.") % {
            "now": report.get_status_display()})
    answer = (answer or "").strip()
    if not answer:
        raise Refused(_("Write the answer the reporter reads."), "answer")
    return _move(report, Status.DITUTUP, user, version=version, note=answer, public=True)


def partner_move(report, to_status, note):
    """A partner system moved the request we forwarded it, and the report's category lets that move ours
    (forwarding/): along the workflow's own graph, by nobody, without the photo a crew member must take.
    Returns the StatusChange, or None when the workflow does not lead there from the report's status."""
    if to_status not in workflow_moves(report) or report.status in FINAL:
        return None
    return _move(report, to_status, None, version=report.version, note=note, public=True)


def _move(report, to_status, user, *, version, note, public, photo=None, duplicate_of=None):
    with files_removed_on_failure(), transaction.atomic():
        if to_status == Status.DUPLIKAT:
            _lock_for_merge(report, duplicate_of)
        now = timezone.now()
        changed = Report.objects.filter(pk=report.pk, version=version).update(
            **moved(to_status, now), version=F("version") + 1,
            duplicate_of=duplicate_of if to_status == Status.DUPLIKAT else None,
        )
        if not changed:
            raise Conflict(Report.objects.get(pk=report.pk))
        stored = store_photo(report, photo, report.photos.count(), Photo.Kind.COMPLETION) if photo else None
        change = StatusChange.objects.create(report=report, from_status=report.status, to_status=to_status,
                                             note=note, by=user, photo=stored, public=public)
        if to_status == Status.DUPLIKAT:
            _move_supports(report, duplicate_of)
        if to_status == Status.DIVERIFIKASI and report.status == Status.BARU:
            learn_address(report)
        signals.status_changed.send(StatusChange, change=change)
    report.refresh_from_db()
    return change


def moved(to_status, now):
    """What a move to `to_status` at `now` writes on the report besides its version: the status, and the moments
    the exports and statistics read without the history: first verified, first fixed, and closed (the last move
    to a final status, empty again once reopened)."""
    fields = {"status": to_status, "updated": now, "closed_at": now if to_status in FINAL else None}
    if to_status in ACCEPTED:
        fields["verified_at"] = Coalesce("verified_at", Value(now))
    if to_status == Status.SELESAI:
        fields["fixed_at"] = Coalesce("fixed_at", Value(now))
    return fields


def learn_address(report):
    """A verified report's street address joins the map's search (not the kelurahan one it has until geocoded);
    a complaint without a place has no point to learn it at."""
    if report.location is None:
        return
    if not Report.objects.annotate(fallback=FALLBACK_ADDRESS).filter(pk=report.pk, address=F("fallback")).exists():
        places.remember_address(report.address, report.location, source=Place.Source.VERIFIED)


def reopen_by_resident(report, note, photo=None, shows_people=False):
    """A resident says a fixed (or since closed) report is not fixed: it goes back to the dispatcher as verified,
    with their note and photo in one history row by nobody on the staff. The photo waits for a dispatcher to
    publish it, as any resident's photo may (the note says when the resident said it shows people or vehicles: blur
    first). Returns the StatusChange, or None when the report is not fixed or closed any more (someone reopened it
    first)."""
    with files_removed_on_failure(), transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk)
        if current.status not in (Status.SELESAI, Status.DITUTUP):
            return None
        Report.objects.filter(pk=report.pk).update(**moved(Status.DIVERIFIKASI, timezone.now()),
                                                   version=F("version") + 1)
        stored = store_photo(current, photo, current.photos.count(), published=False) if photo else None
        said = (_("A resident says it is not fixed: %(note)s") % {"note": note.strip()} if note.strip()
                else _("A resident says it is not fixed."))
        if stored and shows_people:
            said += " " + _("Their photo shows people or vehicles: blur them before publishing it.")
        change = StatusChange.objects.create(
            report=current, from_status=current.status, to_status=Status.DIVERIFIKASI, photo=stored, note=said)
        signals.status_changed.send(StatusChange, change=change)
    report.refresh_from_db()
    return change


def _lock_for_merge(duplicate, original):
    """Lock both reports in the order of their ids, then check the original as it is now: two dispatchers merging
    A into B and B into A at once wait for each other instead of deadlocking, and the second finds its original
    already a duplicate (no cycle, never both closed)."""
    locked = Report.objects.select_for_update().filter(pk__in=[duplicate.pk, original.pk]).order_by("pk")
    if {report.pk: report.status for report in locked}[original.pk] == Status.DUPLIKAT:
        raise Refused(_("%(code)s is itself a duplicate: give the code of the original report.")
                      % {"code": original.code}, "duplicate_of")


def _move_supports(duplicate, original):
    """The duplicate's supporters now support the original (once each, by device and by contact; never its
    reporter's device); both counters are recounted."""
    there = Support.objects.filter(report=original)
    devices = [*there.exclude(supporter="").values_list("supporter", flat=True), original.reporter_device]
    contacts = there.exclude(contact="").values_list("contact", flat=True)
    (Support.objects.filter(report=duplicate).exclude(supporter__in=[d for d in devices if d])
     .exclude(contact__in=list(contacts)).update(report=original))
    Support.objects.filter(report=duplicate).delete()
    for report in (duplicate, original):
        count = Support.objects.filter(report=report).aggregate(n=Count("pk"))["n"]
        Report.objects.filter(pk=report.pk).update(support_count=count)
