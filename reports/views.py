"""The resident's pages: the map with the report form, and a report's own page."""

import secrets
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assets import picking
from geo import lookup
from geo.models import Crew
from privacy import rights
from reports import catalogue, choropleth, documents, filing, ratelimit, roles, stats, workflow
from reports.forms import ReportForm
from reports.models import Category, Photo, Report, Status, tracking_code


def page_texts():
    """What the page's script says to the resident, in their language."""
    return {
        "locating": _("Finding the kelurahan…"),
        "pin_needed": _("Put a pin on the map (or use your GPS position)."),
        "offline_place": _("Place chosen. Its kelurahan is checked when the report is sent."),
        "sending": _("Sending…"),
        "queued": _("No connection. Your report is saved on this phone and is sent by itself when the "
                    "connection returns: keep this page open or open it again later."),
        "sent_later": _("A report saved on this phone has been sent. Its tracking code:"),
        "open_sent": _("Open it and keep its link"),
        "remove_photo": _("Remove photo %(number)s"),
        "photo_count": _("%(count)s of 5 photos"),
        "too_many_photos": _("At most 5 photos: the others were not added."),
        "queued_refused": _("A saved report could not be sent as it was; please fill in the form again."),
        "support": _("Support this report"),
        "supported": _("Your support is counted"),
        "no_results": _("Nothing found in Padang Panjang."),
        "gps_failed": _("Your position is not available; tap the map instead."),
        "error": _("Something went wrong; please try again."),
        "statuses": dict(Status.choices),
        "overdue": _("overdue"),
        "no_reports_here": _("No reports on this part of the map."),
        "keyboard_help": _("Move the map with the arrow keys until the cross is on the place, then press Enter "
                           "to put the pin there."),
        "cross_at": _("The cross is in %(place)s. Press Enter to put the pin there."),
        "cross_moved": _("The map moved. Press Enter to put the pin under the cross."),
        "no_asset_near": _("No asset of this kind within %(metres)s m of the pin: tap one on the map (zoom in), or "
                           "leave it.") % {"metres": settings.ASSET_SNAP_M},
    }


def home(request, form=None, status=200):
    """The map: existing reports, and the form to file a new one, a problem at a place or a complaint about a
    service (categories not routed to a crew), as the page's first question chooses. Its lists (categories,
    questions, offices) come from the cache while none of them changes (reports/catalogue.py)."""
    context = {"form": form or ReportForm(), **catalogue.form_lists(), "texts": page_texts()}
    return render(request, "reports/home.html", context, status=status)


@require_POST
def submit(request):
    """The form's own POST, for phones without JavaScript; the page's script uses the API instead."""
    existing = filing.existing_submission(request.POST.get("client_uuid"))
    if existing is not None:
        return redirect(existing.get_private_url())
    form = ReportForm(request.POST, request.FILES)
    if not ratelimit.allow_filing(request):
        form.add_error(None, _("Too many reports from this connection; please try again in an hour."))
        return home(request, form, status=429)
    if not form.is_valid():
        return home(request, form, status=400)
    try:
        report, created = filing.file_report_from_form(form.cleaned_data)
    except lookup.OutsideCity as outside:
        form.add_error("lat", str(outside))
        return home(request, form, status=400)
    return redirect(filed_url(report) if created else report.get_private_url())


# ?terkirim=1 on the private link: the reporter has just filed, so the page thanks them and says what comes next.
JUST_FILED = "terkirim"


def filed_url(report):
    return f"{report.get_private_url()}?{JUST_FILED}=1"


def _report(code, reports=None):
    """A public report, or one of `reports` (the reporter's own link opens their complaint that is not public)."""
    return get_object_or_404(
        (Report.objects.public() if reports is None else reports)
        .select_related("category__parent", "kelurahan__kecamatan", "office", "crew")
        .prefetch_related(Prefetch("photos", Photo.objects.filter(published=True)), "history", "forwardings__link"),
        code=code.upper(),
    )


def detail(request, code):
    return render(request, "reports/detail.html", {"report": _report(code)})


def private(request, code, token):
    """The reporter's own link: the public page, plus what they gave us. A complaint not public by its kind
    (Report.private) is seen by its link only, and has no public page to share."""
    report = _report(code, Report.objects.filter(hidden=False))
    # As bytes: compare_digest refuses a str with characters beyond ASCII (a 500 for /ikuti/%C3%A9/).
    if not secrets.compare_digest(token.encode(), report.private_token.encode()):
        if report.private:
            raise Http404
        return redirect(report.get_absolute_url())
    context = {"report": report, "is_reporter": True, "just_filed": JUST_FILED in request.GET,
               "link": request.build_absolute_uri(report.get_private_url()),
               "share": None if report.private else ways_to_share(
                   report, request.build_absolute_uri(report.get_absolute_url()))}
    response = render(request, "reports/detail.html", context)
    patch_cache_control(response, no_store=True, private=True)  # it shows the reporter's phone and e-mail
    return response


def private_document(request, code, token):
    """The reporter's own document (a service complaint's PDF), by their private link only (a hidden report's too:
    the data is still theirs, privacy.rights)."""
    report = rights.own_report(code, token)
    return documents.serve(documents.of_report(report), report)


def ways_to_share(report, public):
    """Links that send the report's public page (never the private one) to WhatsApp or by e-mail."""
    text = _("A report %(code)s to the city of Padang Panjang: %(link)s") % {"code": report.code, "link": public}
    subject, text = quote(_("Report %(code)s") % {"code": report.code}, safe=""), quote(text, safe="")
    return {"whatsapp": f"https://wa.me/?text={text}", "mailto": f"mailto:?subject={subject}&body={text}"}


def check(request):
    """"Cek laporan": a tracking code typed on the home page leads to its report, or says it is not known."""
    code = tracking_code(request.GET.get("kode", ""))
    error, status = "", 200
    if code:
        if Report.objects.public().filter(code=code).exists():
            return redirect("report-detail", code)
        error, status = _("There is no report with the tracking code %(code)s. Check the code and try again.") % {
            "code": code}, 404
    elif "kode" in request.GET:
        error, status = _("Type the tracking code, such as PP-260001."), 400
    return render(request, "reports/check.html", {"code": code, "error": error}, status=status)


def role_required(allowed):
    """A view for the signed-in users `allowed(user)` lets in; others are sent to sign in, or refused (403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorator


# Signed-in crews, dispatchers and planners.
staff_only = role_required(roles.is_staff_reader)


@staff_only
def crew_home(request):
    """The crew's phone page: the map and list of nearby issues around their GPS position."""
    context = {
        "crews": Crew.objects.filter(pk__in=roles.crew_ids(request.user)),
        "main_categories": Category.objects.filter(parent=None),
        # The crews' list is their work (Report.objects.crew_work): never a new report.
        "statuses": [(value, label) for value, label in Status.choices
                     if value in (Status.DIVERIFIKASI, Status.DIKERJAKAN, Status.SELESAI)],
        "texts": crew_texts(),
    }
    return render(request, "reports/crew.html", context)


@staff_only
def crew_report(request, code):
    """One report for staff: photos, history, navigation, and the actions this user may take."""
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("category__parent", "kelurahan__kecamatan", "crew",
                                                               "asset__kind", "asset__crew")
        .prefetch_related("photos", "history__by", "forwardings__link"),
        code=code.upper(),
    )
    context = {"report": report, "actions": workflow.actions(report, request.user), "texts": crew_texts(),
               "note_public": roles.is_dispatcher(request.user),
               "asset_history": report.asset and picking.history(
                   report.asset, Report.objects.visible_to(request.user))}
    return render(request, "reports/crew_report.html", context)


def crew_texts():
    return {
        "no_position": _("Your position is not available; showing the city centre."),
        "none": _("No reports here with these filters."),
        "queued": _("No connection: the change is kept on this phone and sent when the connection returns."),
        "conflict": _("Someone else changed this report meanwhile. It is now:"),
        "changed": _("Saved: “%(action)s”. The report is now: %(status)s."),
        "choose": _("Choose what you did."),
        "error": _("Something went wrong; please try again."),
        "metres": _("m"),
        "km": _("km"),
        "due": _("Due %(date)s"),
        "overdue": _("overdue"),
    }


def statistics(request):
    """Public figures per kelurahan, category, status and month, readable on a phone."""
    figures = stats.figures()
    categories = {}
    for row in figures["by_category_status"]:
        entry = categories.setdefault(row["category"], {"name": row["category_name"], "total": 0, "statuses": []})
        entry["total"] += row["count"]
        entry["statuses"].append(row)
    widest = max([c["total"] for c in categories.values()] + [1])
    for entry in categories.values():
        entry["percent"] = round(100 * entry["total"] / widest)
    busiest_month = max([m["count"] for m in figures["by_month"]] + [1])
    months = [dict(m, percent=round(100 * m["count"] / busiest_month)) for m in figures["by_month"][-24:]]
    medians = {(row["kelurahan"], row["category"]): row["median_days"] for row in figures["median_days_to_fix"]}
    slugs = list(categories) or [c.slug for c in Category.objects.filter(parent=None)]
    days_table = [
        {"kelurahan": k["name"], "days": [medians.get((k["code"], slug)) for slug in slugs]}
        for k in figures["kelurahan"]
    ]
    per_1000 = any(k["population"] for k in figures["kelurahan"])
    shaded = [k["open_per_1000"] if per_1000 else k["open"] for k in figures["kelurahan"]]
    context = {
        "figures": figures, "categories": categories, "months": months, "days_table": days_table,
        "category_names": [categories[s]["name"] if s in categories else s for s in slugs],
        "per_1000": per_1000,
        # The map's classes (reports.choropleth), drawn in the legend and read by static/js/stats.js.
        "shading": {"per_1000": per_1000, "unit": 0.1 if per_1000 else 1,
                    "classes": choropleth.classes(shaded, decimals=1 if per_1000 else 0)},
    }
    return render(request, "reports/statistics.html", context)


def favicon(request):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin, the API's page)."""
    return redirect(static("img/icon.svg"))
