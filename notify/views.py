"""The residents' pages for messages: follow a report, area alerts, confirm, stop, and "is it fixed?"; the
service worker of browser notifications, and the WhatsApp webhook."""

import csv
import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition, require_http_methods, require_POST

from chat import intake
from config import outbound
from geo import lookup
from notify import channels, fixes, ikm, links, subscriptions, survey
from notify.forms import AlertForm, FixAnswerForm, FollowForm, LinksForm, SurveyForm
from notify.models import Channel, Message, Subscription, SurveyAnswer
from reports import ratelimit, roles
from reports.models import Report
from reports.views import role_required

# What a WhatsApp status may follow: statuses can arrive out of order, and a message read is not sent again.
# The map page's own files: when one changes, the service worker's cache gets a new name and the old one goes.
OWN_FILES = ("css/app.css", "js/report.js", "js/support.js", "js/my-reports.js")
MESSAGE_STATES = {"sent": [], "delivered": [Message.State.SENT], "read": [Message.State.SENT, Message.State.DELIVERED],
                  "failed": [Message.State.SENT, Message.State.DELIVERED]}


def allow(request):
    """Every form here sends a message to an address anyone can type: SUPPORTS_PER_HOUR per client."""
    return ratelimit.allow(request, "notify", ratelimit.client(request), settings.SUPPORTS_PER_HOUR)


def private(response):
    """A page reached by a subscription's secret link is nobody else's: no cache keeps it."""
    patch_cache_control(response, no_store=True, private=True)
    return response


def subscription_of(token):
    return get_object_or_404(Subscription.objects.select_related("report__category", "kelurahan"), token=token)


@require_POST
def follow(request, code):
    """Follow a public report by e-mail or phone: the confirmation link goes there first."""
    report = get_object_or_404(Report.objects.public(), code=code.upper())
    form = FollowForm(request.POST)
    if not allow(request):
        form.add_error(None, _("Too many requests from this connection; please try again in an hour."))
    if not form.is_valid():
        return render(request, "notify/follow_page.html", {"report": report, "form": form}, status=400)
    subscriptions.follow(report, form.cleaned_data["channel"], form.address, supports=form.cleaned_data["supports"],
                         device=form.cleaned_data["device_id"])
    # The same words whether the address follows already, waits for its link, or had its links for the day: the
    # page tells nobody who follows what.
    messages.success(request, _("Almost done: unless this address follows the report already, a link to confirm "
                                "is on its way there (at most %(count)d a day to one address). Open it to start "
                                "the messages.") % {"count": settings.CONFIRMATIONS_PER_DAY})
    return redirect(report.get_absolute_url())


@require_POST
def follow_by_push(request, code):
    """The page's script sends the browser's push subscription (JSON: endpoint, keys.p256dh, keys.auth)."""
    report = get_object_or_404(Report.objects.public(), code=code.upper())
    if Channel.PUSH not in channels.available():
        return JsonResponse({"error": _("Browser notifications are not available.")}, status=404)
    try:
        data = json.loads(request.body)
        endpoint, keys = data["endpoint"], data["keys"]
        keys = {"p256dh": str(keys["p256dh"]), "auth": str(keys["auth"])}
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"endpoint": [_("Send the browser's push subscription: endpoint and keys.")]}, status=400)
    if not isinstance(endpoint, str) or not endpoint.startswith("https://") or len(endpoint) > 500:
        return JsonResponse({"endpoint": [_("The endpoint must be an https URL.")]}, status=400)
    if not allow(request):
        return JsonResponse({"error": _("Too many requests from this connection; please try again in an hour.")},
                            status=429)
    try:
        outbound.check_outside_url(endpoint)  # sending checks again: the name may point elsewhere by then
    except outbound.Refused:
        return JsonResponse({"endpoint": [_("The endpoint must be a public address on the internet, not one in a "
                                            "private or local network.")]}, status=400)
    subscriptions.follow_by_push(report, endpoint, keys)
    return JsonResponse({"following": report.code}, status=201)


def alerts(request):
    """Area alerts: new reports in a kelurahan or near a point, by e-mail or phone, once confirmed."""
    form = AlertForm(request.POST or None, initial={"lat": request.GET.get("lat"), "lon": request.GET.get("lon")})
    if request.method == "POST":
        if not allow(request):
            form.add_error(None, _("Too many requests from this connection; please try again in an hour."))
        if form.is_valid():
            data, point = form.cleaned_data, None
            if data["kelurahan"] is None:
                point = lookup.point(data["lat"], data["lon"])
                try:
                    lookup.locate(point)
                except lookup.OutsideCity as outside:
                    form.add_error("lat", str(outside))
        if form.is_valid():
            subscriptions.alert(data["channel"], form.address, kelurahan=data["kelurahan"], point=point)
            messages.success(request, _("Almost done: a link to confirm is on its way to this address (at most "
                                        "%(count)d a day to one address). Open it to start the alerts.")
                             % {"count": settings.CONFIRMATIONS_PER_DAY})
            return redirect("notify-alerts")
    status = 400 if request.method == "POST" else 200
    return render(request, "notify/alerts.html", {"form": form, "radius": settings.ALERT_RADIUS_M}, status=status)


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The link in the confirmation message: a GET shows a button, its POST starts the messages (and starts them
    again after a stop). A GET changes nothing: mail scanners and link previews open links unasked."""
    subscription = subscription_of(token)
    if request.method == "GET":
        return private(render(request, "notify/confirm.html", {"subscription": subscription}))
    subscriptions.confirm(subscription)
    return private(render(request, "notify/confirmed.html", {"subscription": subscription}))


@csrf_exempt  # RFC 8058: a mail app POSTs the one-click stop with no cookie or token of ours; the link's secret is
@require_http_methods(["GET", "POST"])  # the check
def stop(request, token):
    """The stop link in every message: a GET shows a button, a POST (that button, or a mail app's one-click
    List-Unsubscribe-Post) stops the messages; the page then offers to start them again."""
    subscription = subscription_of(token)
    if request.method == "GET":
        return private(render(request, "notify/stop.html", {"subscription": subscription}))
    subscriptions.stop(subscription)
    return private(render(request, "notify/stopped.html", {"subscription": subscription}))


@require_http_methods(["GET", "POST"])
def fixed(request, token):
    """"Sudah diperbaiki?": the answer of one resident about the fix they were asked about; then the satisfaction
    survey, if they have not answered it yet."""
    subscription = subscription_of(token)
    fix = fixes.asked_fix(subscription)
    if fix is None:
        return redirect(subscription.report.get_absolute_url() if subscription.report_id else "home")
    form = FixAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fixes.answer(subscription, fix, fixed=data["fixed"], comment=data["comment"],
                         photo=data["photo"], shows_people=data["photo_shows_people"])
        except fixes.AlreadyAnswered:
            messages.info(request, _("You have answered this already. Thank you."))
        else:
            messages.success(request, _("Thank you. The city's dispatcher will look at it again.") if not data["fixed"]
                             else _("Thank you for your answer."))
        if survey.offered_to(subscription):
            return redirect("notify-survey", subscription.token)
        return redirect(fix.report.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return private(render(request, "notify/fixed.html", {"form": form, "fix": fix, "report": fix.report},
                          status=status))


@require_http_methods(["GET", "POST"])
def survey_by_subscription(request, token):
    """The satisfaction survey by a subscription's link: a reporter's or a supporter's (notify.survey)."""
    subscription = subscription_of(token)
    if subscription.report is None:
        return redirect("home")
    if not survey.offered_to(subscription):
        who = survey.respondent(subscription) if survey.served(subscription) else None
        return survey_closed(request, subscription.report, who)
    return survey_page(request, subscription.report, survey.respondent(subscription),
                       subscription.report.get_absolute_url())


@require_http_methods(["GET", "POST"])
def survey_by_reporter(request, code, token):
    """The satisfaction survey by the reporter's private link, offered on their page once the report is finished
    (a complaint that is not public too: the private link is its page)."""
    report = get_object_or_404(Report.objects.filter(hidden=False).select_related("category"), code=code.upper())
    # As bytes: compare_digest refuses a str with characters beyond ASCII.
    if not secrets.compare_digest(token.encode(), report.private_token.encode()):
        return redirect(report.get_absolute_url())
    if not survey.offered(report, survey.REPORTER):
        return survey_closed(request, report, survey.REPORTER, report.get_private_url())
    return survey_page(request, report, survey.REPORTER, report.get_private_url())


def survey_closed(request, report, who, back=None):
    """Answered already, not yet open, or not for `who` (None: a follower, whom the service did not serve): back to
    the report, saying which."""
    if who is None:
        said = _("The survey is for the people who filed or supported this report.")
    elif survey.answered(report, who):
        said = _("Thank you: you have answered the survey about this report already.")
    else:
        said = _("The survey opens when the handling of the report is finished.")
    messages.info(request, said)
    return redirect(back or report.get_absolute_url())


def survey_page(request, report, respondent, back):
    """The survey's one page; answered, back to the report (`back`: its public page, or the reporter's own)."""
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey.record(report, respondent, form.scores, form.cleaned_data["suggestion"])
        except survey.AlreadyAnswered:
            messages.info(request, _("Thank you: you have answered the survey about this report already."))
        else:
            messages.success(request, _("Thank you: your answers count in the city's satisfaction index."))
        return redirect(back)
    not_asked = [element for element in ikm.ELEMENTS if element.not_asked]
    return private(render(request, "notify/survey.html", {"form": form, "report": report, "not_asked": not_asked},
                          status=400 if form.is_bound else 200))


def chosen_period(request):
    """The period of ?periode= (2026, 2026-s1, 2026-s2), by default the current semester; ValueError if unreadable."""
    slug = request.GET.get("periode", "").strip()
    return ikm.Period.of(slug) if slug else ikm.Period.containing(timezone.localdate())


def ikm_page(request):
    """/statistik/ikm/: the satisfaction index of a period, for the whole city and per office, crew, category and
    kelurahan; figures only, nothing personal, never the suggestions. The 1-5 ratings asked before the survey
    follow."""
    error = ""
    try:
        period = chosen_period(request)
    except ValueError:
        period, error = ikm.Period.containing(timezone.localdate()), _(
            "Choose a period from the list: a year such as 2026, or a semester such as 2026-s1.")
    periods = ikm.periods()
    if period not in periods:  # one before the first answer, or to come: chosen all the same
        periods.append(period)
    context = {"period": period, "periods": periods, "error": error, "elements": ikm.ELEMENTS,
               "reads_suggestions": roles.sees_hidden(request.user),
               "grades": ikm.GRADES, "minimum": settings.IKM_MIN_ANSWERS,
               "tables": [(ikm.GROUPING_NAMES[grouping], rows) for grouping, rows in ikm.tables(period).items()]}
    return render(request, "notify/ikm.html", context, status=400 if error else 200)


# Suggestions on one page of /statistik/ikm/saran/.
SUGGESTIONS_PER_PAGE = 50


@role_required(roles.sees_hidden)
def ikm_suggestions(request):
    """Staff (planners, dispatchers, administrators): the survey's suggestions of a period, newest first, each with
    the report it is about; unsigned, as they are kept."""
    try:
        period = chosen_period(request)
    except ValueError:
        raise Http404("No such period.") from None
    start, end = period.bounds()
    suggestions = (SurveyAnswer.objects.filter(created__gte=start, created__lt=end).exclude(suggestion="")
                   .select_related("report__category", "report__kelurahan", "report__crew").order_by("-created"))
    page = Paginator(suggestions, SUGGESTIONS_PER_PAGE).get_page(request.GET.get("halaman"))
    return private(render(request, "notify/ikm_suggestions.html", {"period": period, "page": page}))


def ikm_csv(request):
    """The same figures as CSV, for the city's report to the ministry: one row per unit, every grouping."""
    try:
        period = chosen_period(request)
    except ValueError:
        return HttpResponse("periode: a year such as 2026, or a semester such as 2026-s1.\n", status=400,
                            content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ikm-{period.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(["period", "grouping", "unit", "answers", *(f"nrr_{e.field}" for e in ikm.ELEMENTS), "ikm",
                     "grade"])
    for grouping, rows in ikm.tables(period).items():
        for row in rows:
            writer.writerow([period.slug, grouping, row["unit"] or "", row["answers"],
                             *("" if mean is None else mean for mean in row["means"]), row["index"], row["grade"][0]])
    return response


def my_links(request):
    """"Kirim ulang tautan saya": one message listing the reports of the address typed. The same answer whether
    the address is known, unknown or past its daily limit: the page tells nobody who filed what."""
    form = LinksForm(request.POST or None)
    if request.method == "POST" and not allow(request):
        form.add_error(None, _("Too many requests from this connection; please try again in an hour."))
    if request.method == "POST" and form.is_valid():
        address = form.cleaned_data["address"]
        links.send_links(links.channel_of(address), address, subscriptions.language())
        return private(render(request, "notify/links.html", {"sent": True}))
    return private(render(request, "notify/links.html", {"form": form}, status=400 if form.is_bound else 200))


# The service worker's script by its version: the same for every request a process serves (the template and our
# files' hashed names do not change while it runs), so rendered once, with its ETag.
_service_workers = {}


def service_worker_script():
    """(script, ETag) of /sw.js. Its cache is named after the hashed names of our own files: a new deployment, a
    new worker."""
    outbox_js = static("js/outbox.js")
    version = hashlib.sha256(" ".join([outbox_js, *(static(f) for f in OWN_FILES)]).encode()).hexdigest()[:12]
    if version not in _service_workers:
        script = render_to_string("notify/sw.js", {"outbox_js": outbox_js, "version": version})
        _service_workers[version] = (script, hashlib.sha256(script.encode()).hexdigest()[:16])
    return _service_workers[version]


@condition(etag_func=lambda request: service_worker_script()[1])
def service_worker(request):
    """/sw.js: served from the root so that it may show the notifications of every page and keep the map page for
    offline use. The browser asks it again at each visit (no-cache) with its ETag: unchanged, a 304."""
    response = HttpResponse(service_worker_script()[0], content_type="application/javascript")
    patch_cache_control(response, no_cache=True)
    return response


@csrf_exempt  # Meta's servers call it; the signature of the body with the app secret is the check
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request):
    """GET: Meta's verification (hub.verify_token). POST, signed (X-Hub-Signature-256): delivery statuses, and
    residents' messages, kept once each and answered by their conversation's job (chat.intake)."""
    if not settings.WHATSAPP_VERIFY_TOKEN or not settings.WHATSAPP_APP_SECRET:
        return HttpResponse(status=404)
    if request.method == "GET":
        given = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") == "subscribe" and hmac.compare_digest(
                given.encode(), settings.WHATSAPP_VERIFY_TOKEN.encode()):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden()
    expected = "sha256=" + hmac.new(settings.WHATSAPP_APP_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", "").encode(), expected.encode()):
        return HttpResponseForbidden()
    try:
        values = [change.get("value", {}) for entry in json.loads(request.body).get("entry", [])
                  for change in entry.get("changes", [])]
        statuses = [status for value in values for status in value.get("statuses", [])]
        inbound = [message for value in values for message in value.get("messages", [])]
    except (ValueError, AttributeError, TypeError):
        return JsonResponse({"entry": ["Not a WhatsApp webhook body."]}, status=400)
    if inbound and Channel.WHATSAPP in channels.available():
        intake.receive(inbound)  # residents writing to the city's number: the conversation (chat/) answers
    for status in statuses:
        if isinstance(status, dict) and status.get("status") in MESSAGE_STATES and status.get("id"):
            errors = status.get("errors") or [{}]
            Message.objects.filter(external_id=str(status["id"])[:200], channel=Channel.WHATSAPP,
                                   state__in=MESSAGE_STATES[status["status"]]).update(
                state=status["status"], updated=timezone.now(),
                error=str(errors[0].get("title", ""))[:500] if status["status"] == "failed" else "")
    return HttpResponse(status=200)
