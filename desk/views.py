"""The staff desk: what waits, the triage queue, and one screen per report with every action on it.

Dispatchers work every report; office staff their offices' complaints (Report.objects.on_desk_of): another
office's report is not found (404), an action beyond their role refused (403). Thin views: each action calls the
one function that makes that change (reports.workflow, reports.services, offices.services, privacy), which records
its history, audit entry and signal; a change made against an old version of the report is refused with the
report as it is now (409)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assets import picking
from desk import counts, forms
from geo import lookup
from offices import services as office_services
from offices.models import Office
from privacy import access, redaction, rights
from privacy.models import ContactAccess
from reports import documents, roles, services, workflow
from reports.models import Category, Document, Photo, Report, ResponseTemplate, Status
from reports.views import role_required

QUEUE_LENGTH = 50
REFUSALS = (workflow.Refused, workflow.Forbidden, lookup.OutsideCity)


# Dispatchers and administrators; crews and planners are refused (their own pages stay theirs).
desk_only = role_required(roles.is_dispatcher)
# The desk's queues and report screens: dispatchers, and office staff for their offices' complaints.
desk_staff = role_required(roles.works_desk)
# What office staff may do on their offices' complaints; every other action is a dispatcher's.
OFFICE_ACTIONS = {"status", "catatan", "kontak", "serahkan", "jawab"}


def _waiting(user):
    """The home's counts: the whole city's for dispatchers (kept a few seconds, the same for all), the user's
    offices' for office staff."""
    if roles.is_dispatcher(user):
        return counts.waiting_now()
    return counts.waiting_for_offices(roles.office_ids(user), timezone.localdate())


@desk_staff
def home(request):
    return render(request, "desk/home.html", {"waiting": _waiting(request.user),
                                              "dispatcher": roles.is_dispatcher(request.user)})


@desk_staff
def counts_json(request):
    """The home's counts, which its script asks for again every minute."""
    response = JsonResponse(_waiting(request.user))
    patch_cache_control(response, no_store=True, private=True)
    return response


@desk_staff
def queue(request):
    """A queue of reports (new ones unless ?antrean= names another), oldest or most urgent first, with filters;
    office staff see their offices' only, dispatchers may filter by office."""
    form = forms.QueueFilter(request.GET or None, user=request.user)
    chosen = form.cleaned_data if form.is_valid() else {}
    name = chosen.get("antrean") or "baru"
    rows = counts.queues(timezone.localdate())[name].on_desk_of(request.user)
    if chosen.get("kategori"):
        rows = rows.of_category(chosen["kategori"])
    if chosen.get("kelurahan"):
        rows = rows.filter(kelurahan=chosen["kelurahan"])
    if chosen.get("kantor"):
        rows = rows.filter(office=chosen["kantor"])
    rows = list(rows.select_related("category__parent", "kelurahan", "office")
                .prefetch_related(Prefetch("photos", Photo.objects.filter(kind=Photo.Kind.RESIDENT)))
                .order_by("created" if name == "baru" else "due_date", "pk")[:QUEUE_LENGTH])
    # A complaint without a place is in the list, not on the map.
    points = [{"n": n, "code": r.code, "lat": r.location.y, "lon": r.location.x}
              for n, r in enumerate(rows, 1) if r.location is not None]
    return render(request, "desk/queue.html", {"form": form, "rows": rows, "points": points, "now": timezone.now()})


@require_POST
@desk_staff
def verify_from_queue(request):
    """Verify one report of the queue and return to the queue where it was: one page load."""
    report = get_object_or_404(Report.objects.on_desk_of(request.user), code=request.POST.get("code", "").upper())
    try:
        workflow.change_status(report, Status.DIVERIFIKASI, request.user, version=_version(request))
    except (workflow.Conflict, *REFUSALS) as refusal:
        messages.error(request, f"{report.code}: {refusal}")
    else:
        messages.success(request, _("%(code)s verified.") % {"code": report.code})
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    return redirect(back if safe else "desk-queue")


def _report(code, user):
    """The report of that code on `user`'s desk; another office's is not found."""
    return get_object_or_404(
        Report.objects.on_desk_of(user)
        .select_related("category__parent", "kelurahan__kecamatan", "crew", "duplicate_of", "asset__kind",
                        "asset__crew", "office", "place_office")
        .prefetch_related("photos", "history__by", "forwardings__link", "handovers__from_office",
                          "handovers__to_office", "handovers__by"),
        code=code.upper())


def _version(request):
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise workflow.Refused(_("The page was incomplete; open the report again."), "version") from None


@desk_staff
def report(request, code, status=200, contact=False):
    """One report with every action the user's role takes on it."""
    shown = _report(code, request.user)
    main = shown.category.parent or shown.category
    dispatcher = roles.is_dispatcher(request.user)
    candidates = Report.objects.none()
    if shown.location is not None and dispatcher:
        candidates = services.possible_duplicates(main, shown.location.y, shown.location.x, excluding=shown,
                                                  asset=shown.asset)
    templates = ResponseTemplate.objects.all()
    context = {
        "report": shown, "actions": workflow.actions(shown, request.user), "contact": contact,
        "dispatcher": dispatcher,
        "candidates": candidates.prefetch_related(Prefetch("photos", Photo.objects.filter(kind=Photo.Kind.RESIDENT))),
        "rejections": [t for t in templates if Status.DITOLAK in t.statuses],
        "notes": [t for t in templates if shown.status in t.statuses],
        "crews": forms.crews() if dispatcher else [],
        "categories": Category.objects.exclude(parent=None).select_related("parent") if dispatcher else [],
        "sees_contact": access.sees_contact_of(request.user, shown),
        "document": Document.objects.filter(report=shown).first(),
        "answerable": shown.status in workflow.ANSWERABLE and not shown.category.by_crew,
        "offices": office_services.offices_to_hand_to(shown) if shown.is_open else [],
        "asset_history": picking.history(shown.asset) if shown.asset else None,
    }
    response = render(request, "desk/report.html", context, status=status)
    patch_cache_control(response, no_store=True, private=True)
    return response


@desk_staff
def document(request, code):
    """A service complaint's PDF, to the staff who may read its contacts (dispatchers, administrators, the office
    answering it); each reading logged as a contact reading is."""
    shown = _report(code, request.user)
    if not access.sees_contact_of(request.user, shown):
        raise PermissionDenied
    document = documents.of_report(shown)
    access.record_document_read(request.user, shown)
    return documents.serve(document, shown)


@require_POST
@desk_staff
def act(request, code, action):
    """One action on the report screen, then the screen again (after a redirect, or with the refusal)."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    target = _report(code, request.user)
    if action not in OFFICE_ACTIONS and not roles.is_dispatcher(request.user):
        raise PermissionDenied
    try:
        said = ACTIONS[action](request, target)
    except workflow.Conflict as conflict:
        messages.error(request, str(conflict))
        return report(request, code, status=409)
    except REFUSALS as refusal:
        messages.error(request, str(refusal))
        return report(request, code, status=403 if isinstance(refusal, workflow.Forbidden) else 400)
    if action == "kontak":
        return report(request, code, contact=True)
    messages.success(request, said)
    if not Report.objects.on_desk_of(request.user).filter(pk=target.pk).exists():
        return redirect("desk-queue")  # handed over to another office: no longer this user's
    return redirect("desk-report", target.code)


def _status(request, report):
    """A move along the workflow: verify, reject (with a reason from a response template), merge, reopen."""
    to = request.POST.get("status", "")
    if to not in dict(workflow.actions(report, request.user)):
        raise workflow.Refused(_("Choose what to do."))
    note = request.POST.get("note", "").strip() or _template_text(request)
    original = None
    if to == Status.DUPLIKAT:
        original = Report.objects.filter(code=request.POST.get("duplicate_of", "").strip().upper()).first()
    workflow.change_status(report, to, request.user, version=_version(request), note=note, duplicate_of=original)
    if to == Status.DUPLIKAT:
        return _("%(code)s merged into %(original)s.") % {"code": report.code, "original": original.code}
    return _("%(code)s is now: %(status)s.") % {"code": report.code, "status": report.get_status_display()}


def _template_text(request):
    chosen = ResponseTemplate.objects.filter(pk=request.POST.get("template") or None).first()
    return chosen.text if chosen else ""


def _assign(request, report):
    crew = forms.crews().filter(pk=request.POST.get("crew") or None).first()
    services.reassign(report, crew, by=request.user, version=_version(request))
    return _("Reassigned to %(crew)s.") % {"crew": crew or _("no crew")}


def _category(request, report):
    category = Category.objects.exclude(parent=None).filter(pk=request.POST.get("category") or None).first()
    if category is None:
        raise workflow.Refused(_("Choose a category."), "category")
    services.relocate(report, by=request.user, category=category, version=_version(request))
    return _("Category changed: %(category)s.") % {"category": category}


def _hide(request, report):
    reason = request.POST.get("reason", "").strip()
    if not reason:
        raise workflow.Refused(_("Say why the report is hidden."), "reason")
    services.set_hidden(report, True, by=request.user, reason=reason, version=_version(request))
    return _("%(code)s is hidden from the public.") % {"code": report.code}


def _show(request, report):
    services.set_hidden(report, False, by=request.user, version=_version(request))
    return _("%(code)s is shown to the public again.") % {"code": report.code}


def _note(request, report):
    note = request.POST.get("note", "").strip() or _template_text(request)
    if not note:
        raise workflow.Refused(_("Write the note."), "note")
    public = request.POST.get("public") == "1"
    services.add_note(report, note, by=request.user, public=public, version=_version(request))
    return _("Public note added: the reporter hears of it.") if public else _("Internal note added.")


def _contact(request, report):
    if not access.sees_contact_of(request.user, report):
        raise workflow.Forbidden(_("You may not read contact details."))
    access.record_reads(request.user, Report.objects.filter(pk=report.pk), ContactAccess.Channel.DESK)
    return ""


def _redact(request, report):
    changed = redaction.redact(report, request.POST.get("words", "").splitlines(), request.user)
    if not changed:
        raise workflow.Refused(_("None of these words was found."), "words")
    return _("Removed from %(count)s texts.") % {"count": len(changed)}


def _withdraw_name(request, report):
    if not rights.withdraw_name(report, by=request.user):
        raise workflow.Refused(_("There is no name to withdraw."))
    return _("The reporter's name is erased.")


def _erase(request, report):
    if not rights.erase(report, by=request.user):
        raise workflow.Refused(_("There are no contact details left to erase."))
    return _("The reporter's name, phone and e-mail are erased.")


def _hand_over(request, report):
    office = Office.objects.filter(pk=request.POST.get("office") or None).first()
    office_services.hand_over(report, office, reason=request.POST.get("reason", ""), by=request.user,
                              version=_version(request))
    return _("%(code)s handed over to %(office)s.") % {"code": report.code, "office": office}


def _answer(request, report):
    answer = request.POST.get("answer", "").strip() or _template_text(request)
    workflow.close_with_answer(report, answer, request.user, version=_version(request))
    return _("%(code)s is closed; the reporter reads the answer.") % {"code": report.code}


def _make_public(request, report):
    services.make_public(report, by=request.user, names_removed=request.POST.get("names_removed") == "1",
                         version=_version(request))
    return _("%(code)s is public now.") % {"code": report.code}


ACTIONS = {"status": _status, "petugas": _assign, "kategori": _category, "sembunyikan": _hide, "tampilkan": _show,
           "catatan": _note, "kontak": _contact, "redaksi": _redact, "tarik-nama": _withdraw_name, "hapus": _erase,
           "serahkan": _hand_over, "jawab": _answer, "publikasikan": _make_public}
