"""Forwarding problems on the staff desk (/meja/penerusan/): deliveries to LAPOR! or a partner that failed and wait
for their retry, connected systems paused because they refused our key, and outside systems whose breaker is
open (jobs.breakers). What a dispatcher may do is what the queue already offers: try a delivery now
(jobs.queue.reschedule, the one way an app moves a job). A key that was refused is the administrators' to fix,
in the admin.

Errors are shown as their last line, without addresses' query strings, e-mail addresses or long numbers: a
dispatcher needs to know what went wrong, not the contents of a call."""

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import Action, record
from desk.views import desk_only
from forwarding import delivery
from forwarding.models import Forwarding, Link
from jobs import queue
from jobs.models import Breaker, Job

LIST_SIZE = 100
QUERY = re.compile(r"\?\S*")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
NUMBER = re.compile(r"\+?\d[\d\s-]{6,}\d")


def plain_error(text):
    """The error's last line, with what might be personal or secret taken out (see the module's docstring)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return ""
    shown = NUMBER.sub("…", EMAIL.sub("…", QUERY.sub("", lines[-1])))
    return shown[:300]


def failing():
    """Deliveries that failed at least once and wait for their retry, the next try first (the count of the
    desk's home: desk.counts), each with its forwarding (report and system) as `job.forwarding`."""
    jobs = list(Job.objects.filter(state=Job.State.QUEUED, task=delivery.TASK, attempts__gt=0)
                .order_by("run_at", "pk")[:LIST_SIZE])
    forwardings = Forwarding.objects.select_related("report", "link").in_bulk(
        [job.args.get("forwarding_id") for job in jobs])
    for job in jobs:
        job.forwarding = forwardings.get(job.args.get("forwarding_id"))
        job.error = plain_error(job.last_error)
    return jobs


def open_breakers():
    breakers = list(Breaker.objects.exclude(opened_at=None))
    for breaker in breakers:
        breaker.error = plain_error(breaker.last_error)
        breaker.name = Link.Kind.LAPOR.label if breaker.destination == Link.Kind.LAPOR else breaker.destination
    return breakers


@desk_only
def problems(request):
    paused = list(delivery.paused_links())
    for link in paused:
        link.error = plain_error(link.pause_reason)
    context = {"jobs": failing(), "paused": paused, "breakers": open_breakers(), "now": timezone.now(),
               "list_size": LIST_SIZE}
    return render(request, "desk/deliveries.html", context)


@require_POST
@desk_only
def retry(request, pk):
    """Try one forwarding's delivery now instead of after its backoff (a partner's open breaker still holds it
    until its next probe). Recorded in the audit log."""
    forwarding = Forwarding.objects.select_related("report", "link").filter(pk=pk).first()
    job = delivery.job_of(forwarding) if forwarding else None
    if job is None or job.state != Job.State.QUEUED:
        messages.error(request, _("This delivery is no longer waiting: it went through, or it is being sent."))
        return redirect("desk-deliveries")
    queue.reschedule(delivery.TASK, timezone.now(), forwarding_id=forwarding.pk)
    record(request.user, Action.CHANGE, [forwarding], {"desk": "retry delivery now"})
    messages.success(request, _("%(code)s: the delivery to %(system)s is tried again now.")
                     % {"code": forwarding.report.code, "system": forwarding.link.name})
    return redirect("desk-deliveries")
