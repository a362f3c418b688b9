"""The morning digest for staff: open reports overdue, and due by the next working day.

Crew members hear of their crews' reports, office staff of their offices', dispatchers of the whole city: one
e-mail each, in Bahasa Indonesia (the site's language), with links to the staff pages. Whoever has nothing due gets
nothing.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from geo.models import Crew
from offices.models import Office
from reports import roles
from reports.calendar import add_working_days
from reports.models import Report


def recipients():
    """The ids of active dispatchers, crew members and office staff with an e-mail address."""
    staff = (Q(groups__name=roles.DISPATCHER) | Q(groups__name=roles.CREW, crews__isnull=False)
             | Q(groups__name=roles.OFFICE, offices__isnull=False))
    return list(User.objects.filter(staff, is_active=True).exclude(email="").distinct().values_list("pk", flat=True))


def message(user, today):
    """(subject, body) of `user`'s digest on `today`, or None when nothing of theirs is overdue or due soon."""
    due_by = add_working_days(today, 1)
    reports = Report.objects.open().filter(due_date__lte=due_by).select_related("category", "kelurahan", "office")
    if roles.is_dispatcher(user):
        scope = _("the whole city")
    else:
        crews, offices = roles.crew_ids(user), roles.office_ids(user)
        reports = reports.filter(Q(crew__in=crews) | Q(office__in=offices))
        scope = ", ".join([*Crew.objects.filter(pk__in=crews).values_list("name", flat=True),
                           *Office.objects.filter(pk__in=offices).values_list("name", flat=True)])
    reports = list(reports.order_by("due_date", "code"))
    if not reports:
        return None
    overdue = [report for report in reports if report.due_date < today]
    soon = [report for report in reports if report.due_date >= today]
    day, due_day = formats.date_format(today), formats.date_format(due_by)
    subject = _("Reports to act on, %(date)s: %(overdue)d overdue, %(soon)d due soon") % {
        "date": day, "overdue": len(overdue), "soon": len(soon)}
    lines = [_("Hello %(name)s,") % {"name": user.get_full_name() or user.username}, "",
             _("Open reports of %(scope)s, %(date)s:") % {"scope": scope, "date": day}]
    for heading, listed in ((_("Overdue (%(count)d):"), overdue), (_("Due by %(date)s (%(count)d):"), soon)):
        if listed:
            lines += ["", heading % {"count": len(listed), "date": due_day}, *map(_line, listed)]
    lines += ["", _("You get this e-mail each morning while reports are overdue or due soon.")]
    return subject, "\n".join(lines)


def _line(report):
    link = settings.SITE_URL.rstrip("/") + reverse("crew-report", args=[report.code])
    return _("- %(code)s %(category)s, %(address)s (due %(date)s)\n  %(link)s") % {
        "code": report.code, "category": report.category,
        "address": report.address or report.kelurahan or report.office,
        "date": formats.date_format(report.due_date), "link": link}


def send(user_id, day):
    """E-mail the digest of `day` to one staff member, if anything is due (a refused e-mail raises)."""
    user = User.objects.get(pk=user_id)
    with translation.override(settings.LANGUAGE_CODE):
        found = message(user, day)
    if found:
        user.email_user(*found)
